// Pacer: when to send each 20 ms frame, on absolute deadlines start + n * 20 ms (no drift).
#pragma once

#include <chrono>
#include <cstdint>

namespace roomcast::media {

/// Pure logic; time is passed in (steady_clock time points), never read here, so tests
/// can run an hour of pacing in milliseconds.
///
/// Use: on each timer wake-up call n = frames_due(now), send n frames, call on_sent(n),
/// then arm the timer for next_deadline() (which is in the past while catching up).
class Pacer {
public:
  using Clock = std::chrono::steady_clock;
  using Duration = Clock::duration;

  static constexpr std::chrono::milliseconds kFrameDuration{20};
  /// At most this many frames per call when behind (100 ms), so a catch-up does not
  /// flood the receiver's jitter buffer in one go.
  static constexpr int kMaxBurst = 5;
  /// Further behind than this and the schedule moves later instead of catching up:
  /// the audio is delayed, never dropped.
  static constexpr std::chrono::milliseconds kMaxLag{200};

  explicit Pacer(Clock::time_point start);

  /// Frames whose deadline has passed and which have not been sent, capped at kMaxBurst.
  /// Re-anchors first if the oldest unsent frame is more than kMaxLag late.
  int frames_due(Clock::time_point now);

  /// Records that count frames were sent (count <= the last frames_due()).
  void on_sent(int count);

  /// Deadline of the next unsent frame; in the past while behind.
  Clock::time_point next_deadline() const;

  uint64_t frames_sent() const { return sent_; }
  /// Frames handed out a whole frame period (20 ms) or more after their deadline.
  uint64_t late_frames() const { return late_frames_; }
  /// Times the schedule was moved later because it fell more than kMaxLag behind.
  uint64_t reanchors() const { return reanchors_; }
  /// Total time the schedule was moved later by re-anchoring.
  Duration reanchor_delay() const { return reanchor_delay_; }

private:
  Clock::time_point deadline(uint64_t frame) const;

  Clock::time_point start_;
  uint64_t sent_ = 0;
  uint64_t counted_late_until_ = 0; // frames below this index were already judged late or not
  uint64_t late_frames_ = 0;
  uint64_t reanchors_ = 0;
  Duration reanchor_delay_{0};
};

} // namespace roomcast::media
