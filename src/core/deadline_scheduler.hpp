// DeadlineScheduler: one timer on a loop serving every sender's absolute deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "core/event_loop.hpp"

namespace roomcast::core {

/// Hundreds of participants in one process share this single timer: each wake-up serves
/// every client whose deadline has passed, then re-arms at the earliest next deadline.
/// Loop thread only.
class DeadlineScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  struct Client {
    /// Called when the client's deadline has passed; returns its next deadline,
    /// or nullopt to be removed.
    std::function<std::optional<Clock::time_point>(Clock::time_point now)> on_due;
  };
  using Id = uint64_t;

  explicit DeadlineScheduler(GMainContext* context);

  Id add(Client client, Clock::time_point first_deadline);
  void remove(Id id);
  std::size_t size() const { return clients_.size(); }
  uint64_t wakeups() const { return wakeups_; }

 private:
  void run();
  void rearm();

  struct Entry {
    Client client;
    Clock::time_point deadline;
  };
  std::map<Id, Entry> clients_;
  Id next_id_ = 1;
  Timer timer_;
  uint64_t wakeups_ = 0;
  bool running_ = false;
};

}  // namespace roomcast::core
