// RateLimiter: at most one event per interval, e.g. one keyframe per PLI burst, time injected.
#pragma once

#include <chrono>
#include <cstdint>

namespace roomcast::rtp {

// A receiver sends PLI or FIR every round trip until a keyframe arrives (RFC 4585 §6.3.1,
// RFC 5104 §4.3.1): answering each one would cost a keyframe per round trip. The first call
// is allowed; later ones only when `min_interval` has passed since the last allowed one.
class RateLimiter {
public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(Clock::duration min_interval) : min_interval_(min_interval) {}

  bool allow(Clock::time_point now) {
    if (has_last_ && now - last_ < min_interval_) {
      ++suppressed_;
      return false;
    }
    last_ = now;
    has_last_ = true;
    return true;
  }

  void reset() { has_last_ = false; }
  Clock::duration min_interval() const { return min_interval_; }
  uint64_t suppressed() const { return suppressed_; }

private:
  Clock::duration min_interval_;
  // Not std::optional: GCC 12 with sanitizers warns maybe-uninitialized on it.
  bool has_last_ = false;
  Clock::time_point last_{};
  uint64_t suppressed_ = 0;
};

} // namespace roomcast::rtp
