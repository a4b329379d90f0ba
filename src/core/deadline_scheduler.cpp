// DeadlineScheduler implementation.
#include "core/deadline_scheduler.hpp"

#include <vector>

namespace roomcast::core {

DeadlineScheduler::DeadlineScheduler(GMainContext* context) : timer_(context, [this] { run(); }) {}

DeadlineScheduler::Id DeadlineScheduler::add(Client client, Clock::time_point first_deadline) {
  Id id = next_id_++;
  clients_.emplace(id, Entry{std::move(client), first_deadline});
  if (!running_) rearm();
  return id;
}

void DeadlineScheduler::remove(Id id) {
  clients_.erase(id);
  if (!running_) rearm();
}

void DeadlineScheduler::run() {
  ++wakeups_;
  running_ = true;
  const auto now = Clock::now();
  std::vector<Id> due;
  for (const auto& [id, entry] : clients_)
    if (entry.deadline <= now) due.push_back(id);
  for (Id id : due) {
    auto it = clients_.find(id);
    if (it == clients_.end()) continue;  // removed by an earlier client's callback
    auto on_due = it->second.client.on_due;  // the callback may remove its own entry
    auto next = on_due(now);
    it = clients_.find(id);
    if (it == clients_.end()) continue;
    if (next)
      it->second.deadline = *next;
    else
      clients_.erase(it);
  }
  running_ = false;
  rearm();
}

void DeadlineScheduler::rearm() {
  if (clients_.empty()) return timer_.cancel();
  auto earliest = clients_.begin()->second.deadline;
  for (const auto& [id, entry] : clients_) earliest = std::min(earliest, entry.deadline);
  timer_.arm_at(earliest);
}

}  // namespace roomcast::core
