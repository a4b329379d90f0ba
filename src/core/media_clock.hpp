// MediaClock: the process's one 20 ms grid; every sender and receiver ticks on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace roomcast::core {

/// One wake-up per 20 ms for the whole process, however many participants: each tick
/// walks the list of clients once (O(N), no search for the earliest deadline). Ticks are
/// numbered from an origin and fall at origin + n * 20 ms, so the grid never drifts.
///
/// Pure logic: time is an input (`dispatch(now)`), so tests run hours in milliseconds.
/// The engine drives it from a loop timer. Single-threaded (the loop thread).
class MediaClock {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kTickDuration{20};

  /// Something that runs once per tick (a sender or a meeting's receive side).
  class Client {
   public:
    virtual ~Client() = default;
    /// `tick` is the grid tick now current; it may jump by more than one when the loop
    /// woke late, and the client catches up itself (see media::SendSchedule).
    virtual void on_tick(uint64_t tick, Clock::time_point now) = 0;
  };

  explicit MediaClock(Clock::time_point origin);

  /// Adds a client; it is called from the next dispatch on. Not twice.
  void add(Client* client);
  /// Removes a client; safe from inside its own or another client's on_tick().
  void remove(Client* client);
  bool empty() const { return live_ == 0; }
  std::size_t size() const { return live_; }

  /// The tick current at `now` (floor), and the time a tick starts.
  uint64_t tick_at(Clock::time_point now) const;
  Clock::time_point tick_start(uint64_t tick) const;

  /// Runs every client for the tick current at `now`, unless that tick was already
  /// dispatched; returns when the next tick starts (the time to wake up again).
  Clock::time_point dispatch(Clock::time_point now);

  uint64_t dispatches() const { return dispatches_; }
  /// Ticks that passed without a dispatch of their own (the loop woke late).
  uint64_t missed_ticks() const { return missed_ticks_; }

 private:
  Clock::time_point origin_;
  std::vector<Client*> clients_;  // removed ones are nulled during a dispatch, compacted after
  std::size_t live_ = 0;
  bool dispatching_ = false;
  bool has_dispatched_ = false;
  uint64_t last_tick_ = 0;
  uint64_t dispatches_ = 0;
  uint64_t missed_ticks_ = 0;
};

}  // namespace roomcast::core
