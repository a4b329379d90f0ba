// MediaClock: grid arithmetic from the tick index (never accumulated), and the client walk.
#include "core/media_clock.hpp"

#include <algorithm>

#include "core/callback_guard.hpp"

namespace roomcast::core {

MediaClock::MediaClock(Clock::time_point origin) : origin_(origin) {}

void MediaClock::add(Client* client) {
  if (client == nullptr || std::find(clients_.begin(), clients_.end(), client) != clients_.end()) return;
  clients_.push_back(client);
  ++live_;
}

void MediaClock::remove(Client* client) {
  auto it = std::find(clients_.begin(), clients_.end(), client);
  if (it == clients_.end() || client == nullptr) return;
  --live_;
  if (dispatching_) {
    *it = nullptr;  // the walk in progress skips it; compacted when the walk ends
  } else {
    clients_.erase(it);
  }
}

uint64_t MediaClock::tick_at(Clock::time_point now) const {
  if (now <= origin_) return 0;
  return static_cast<uint64_t>((now - origin_) / Clock::duration(kTickDuration));
}

MediaClock::Clock::time_point MediaClock::tick_start(uint64_t tick) const {
  return origin_ + static_cast<int64_t>(tick) * Clock::duration(kTickDuration);
}

MediaClock::Clock::time_point MediaClock::dispatch(Clock::time_point now) {
  const uint64_t tick = tick_at(now);
  if (has_dispatched_ && tick <= last_tick_) return tick_start(last_tick_ + 1);  // early wake-up
  if (has_dispatched_ && tick > last_tick_ + 1) missed_ticks_ += tick - last_tick_ - 1;
  has_dispatched_ = true;
  last_tick_ = tick;
  ++dispatches_;
  dispatching_ = true;
  // Index loop: clients added during the walk are appended and run this tick too.
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    // One client's failure must not stop the clock for the others (the client reports it).
    if (Client* client = clients_[i]) guard_callback("media clock client", [&] { client->on_tick(tick, now); });
  }
  dispatching_ = false;
  std::erase(clients_, nullptr);
  return tick_start(tick + 1);
}

}  // namespace roomcast::core
