// PushVideoSlot: the one-frame slot behind PushVideoTrack: user threads push (latest wins),
// the encoder takes, and an idle slot hands out its last frame again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "roomcast/push_video_track.hpp"

namespace roomcast::detail {

/// take(now) is pure logic on the time it is given (tests drive it with made-up times);
/// wait_take() is the blocking form on the real clock. Frames are shared, not copied: the
/// last one stays here for repeats while the encoder reads it.
class PushVideoSlot {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PushVideoSlot(PushVideoTrack::Options options);

  // User side (any thread): PushVideoTrack's methods. `frame` must be valid (push checks).
  bool push(VideoFrame frame, Clock::time_point now);
  void end();
  PushVideoTrack::Stats stats() const;

  // Encoder side.
  struct Take {
    enum class Kind {
      Frame,    ///< frame is the next picture to send
      Nothing,  ///< nothing to send before wake_at
      Ended,    ///< end() was called and the last frame went
    };
    Kind kind = Kind::Nothing;
    std::shared_ptr<const VideoFrame> frame;  ///< Frame: its timestamp means nothing
    bool repeat = false;                      ///< Frame: the last frame again, after an idle repeat_interval
    /// Frame: its time to show: when it was pushed (a repeat, or a frame that waited for the
    /// encoder's first visit: the time of the take).
    Clock::time_point at{};
    Clock::time_point wake_at = Clock::time_point::max();  ///< Nothing: when a repeat comes due
  };
  /// What the encoder gets at `now`; never blocks.
  Take take(Clock::time_point now);
  /// Blocks until take() gives a frame or the end, or until `until` (then Kind::Nothing).
  Take wait_take(Clock::time_point until);

 private:
  Take take_locked(Clock::time_point now);

  const PushVideoTrack::Options options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // push(), end()
  std::shared_ptr<const VideoFrame> pending_;  // pushed, not taken yet
  Clock::time_point pending_at_{};
  std::shared_ptr<const VideoFrame> last_;     // the newest frame pushed: what a repeat sends
  Clock::time_point active_at_{};              // the last push or hand-out: repeats count from it
  bool taking_ = false;  // the encoder has come: from now on a frame can wait too long
  bool ended_ = false;
  PushVideoTrack::Stats stats_;
};

}  // namespace roomcast::detail
