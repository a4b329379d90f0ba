// `--stats` for publish and listen: one JSON line a second of what we send and receive.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "roomcast/meeting.hpp"

namespace roomcast::cli {

/// {"type":"stats","t":seconds since joined,"sending":{...} or null,"receiving":[{...}]}:
/// counters as the SDK reports them, times in milliseconds, fractions 0..1, unknowns null.
nlohmann::json stats_json(const MeetingStats& stats, double elapsed_s);

/// When the next line is due: absolute deadlines start + n s, so lines do not drift when the
/// caller's poll is late; a deadline missed entirely is skipped, not caught up.
class StatsSchedule {
 public:
  using Clock = std::chrono::steady_clock;
  explicit StatsSchedule(Clock::time_point start) : start_(start), next_(start + kInterval) {}
  static constexpr auto kInterval = std::chrono::seconds(1);

  /// True when a line is due at `now` (at most once per deadline).
  bool due(Clock::time_point now);
  /// Seconds from start to `now`.
  double elapsed_s(Clock::time_point now) const { return std::chrono::duration<double>(now - start_).count(); }

 private:
  Clock::time_point start_;
  Clock::time_point next_;
};

}  // namespace roomcast::cli
