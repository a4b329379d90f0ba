// FrameSchedule: which of a stream's 20 ms frames are due at a media-clock tick (sending or playing out).
#pragma once

#include <cstdint>

namespace roomcast::media {

/// Frame n of a sender is due at tick first_tick + n of the process's media clock
/// (core::MediaClock), so every sender shares the one grid and none drifts. Pure logic.
///
/// Use: on each tick call n = frames_due(tick), send up to n frames, call on_sent(sent).
/// A frame not sent (no audio ready) stays due and goes out late; it is never skipped.
class FrameSchedule {
 public:
  /// At most this many frames per tick when behind (100 ms), so a catch-up does not
  /// flood the receiver's jitter buffer in one go.
  static constexpr int kMaxBurst = 5;
  /// Further behind than this (200 ms) and the schedule moves later instead of catching
  /// up: the audio is delayed, never dropped.
  static constexpr uint64_t kMaxLagTicks = 10;

  explicit FrameSchedule(uint64_t first_tick) : first_tick_(first_tick) {}

  /// Unsent frames whose tick has come, capped at kMaxBurst; re-anchors first when the
  /// oldest unsent frame is more than kMaxLagTicks behind.
  int frames_due(uint64_t tick);
  /// Records that `count` frames went out at the tick of the last frames_due().
  void on_sent(int count);

  uint64_t frames_sent() const { return sent_; }
  /// Frames sent one tick (20 ms) or more after their own tick.
  uint64_t late_frames() const { return late_frames_; }
  /// Times the schedule moved later because it fell more than kMaxLagTicks behind.
  uint64_t reanchors() const { return reanchors_; }
  /// Ticks the schedule moved in all (the delay re-anchoring added).
  uint64_t reanchor_ticks() const { return reanchor_ticks_; }
  uint64_t due_tick(uint64_t frame) const { return first_tick_ + frame; }

 private:
  uint64_t first_tick_;
  uint64_t sent_ = 0;
  uint64_t tick_ = 0;  // of the last frames_due()
  uint64_t late_frames_ = 0;
  uint64_t reanchors_ = 0;
  uint64_t reanchor_ticks_ = 0;
};

}  // namespace roomcast::media
