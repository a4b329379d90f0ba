// PushVideoTrack: live video pushed as it is rendered (avatars, a game, a compositor's output).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "roomcast/video_track.hpp"

namespace roomcast {

class PushVideoTrack;
namespace detail {
class PushVideoSlot;
std::shared_ptr<PushVideoSlot> push_video_slot_of(const PushVideoTrack& track);
}  // namespace detail

/// PushVideoTrack::Options (defined out here so it can be a default argument).
struct PushVideoTrackOptions {
  /// When nothing is pushed for this long, the last frame is sent again, so a participant who
  /// subscribes late (Janus then asks us for a keyframe) gets a picture of a static scene.
  /// 0: never repeat.
  std::chrono::milliseconds repeat_interval{1000};
  /// A frame that waited longer than this for the encoder (which was busy) is dropped as
  /// stale instead of sent late; the next push, or the repeat, takes its place.
  std::chrono::milliseconds max_age{100};
};

/// A camera you feed: push() each frame as it is rendered; the SDK sends it right away.
///
/// Put it into MeetingConfig::custom_camera_video_track. There is no queue: the track holds
/// one frame, and a push() replaces a frame the encoder has not taken yet (latest wins,
/// counted as Stats::replaced). So push() never blocks, and pushing faster than
/// VideoSettings::frame_rate only replaces frames. VideoFrame::timestamp is ignored: a frame
/// goes out as soon as the encoder takes it, with the time it was pushed as its RTP time. A
/// frame pushed before the meeting is live waits for it (and goes out at its start).
///
/// When nobody pushes for Options::repeat_interval (1 s), the last frame goes out again,
/// about once a second, so a static avatar never leaves a late viewer looking at black.
///
/// Every method is thread-safe. Meetings that share the track share its encode only with the
/// same VideoSettings::codec; give meetings with different codecs a track each.
class PushVideoTrack : public CustomVideoTrack {
 public:
  /// How the track repeats and drops frames (see PushVideoTrackOptions).
  using Options = PushVideoTrackOptions;

  /// Counters since the track was made. Every pushed frame ends up in exactly one of
  /// replaced, stale and sent, except the one (at most) still waiting for the encoder.
  struct Stats {
    uint64_t pushed = 0;    ///< frames accepted by push()
    uint64_t replaced = 0;  ///< of them, replaced by a newer push before the encoder took them
    uint64_t stale = 0;     ///< of them, dropped: older than Options::max_age when the encoder came
    uint64_t sent = 0;      ///< of them, taken by the encoder
    uint64_t repeated = 0;  ///< times the last frame was sent again after repeat_interval idle
  };

  /// Throws roomcast::Error(Kind::Config) when repeat_interval is negative or max_age is not
  /// positive.
  explicit PushVideoTrack(Options options = {});
  ~PushVideoTrack() override;
  PushVideoTrack(const PushVideoTrack&) = delete;
  PushVideoTrack& operator=(const PushVideoTrack&) = delete;

  /// Hands the encoder `frame` (any size and pixel format; converted and scaled on the
  /// encoder's thread, not here), replacing one it has not taken yet. Never blocks. Returns
  /// false after end(). Throws roomcast::Error(Kind::Media) when the size is not positive or
  /// `data` does not hold VideoFrame::size_for(format, width, height) bytes.
  bool push(VideoFrame frame);

  /// End of stream: a frame still waiting goes out, then the track ends (recv() returns
  /// std::nullopt and the meeting ends as at the end of a file). push() returns false afterwards.
  void end();

  /// What the track has taken, replaced, dropped and sent so far.
  Stats stats() const;

  /// For pulling the frames yourself (the SDK does not call it): blocks until a frame is
  /// pushed or repeated, and returns it with its timestamp set to when it was pushed (or
  /// repeated), from the track's construction; std::nullopt after end().
  std::optional<VideoFrame> recv() override;
  std::string description() const override { return "push video track"; }

 private:
  friend std::shared_ptr<detail::PushVideoSlot> detail::push_video_slot_of(const PushVideoTrack& track);
  std::shared_ptr<detail::PushVideoSlot> slot_;
  std::chrono::steady_clock::time_point created_;
};

}  // namespace roomcast
