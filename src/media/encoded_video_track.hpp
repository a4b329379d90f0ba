// EncodedVideoTrack: a camera track converted, scaled and encoded (VP8 or H.264) once, on its own
// thread, paced on the frames' timestamps, and fanned out to every meeting sending it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "media/encoded_video_frame.hpp"
#include "media/encoded_video_source.hpp"
#include "media/push_video_slot.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast::media {

/// What a camera track is encoded to; the codec is last so that older five-value
/// initialisers still mean VP8.
struct VideoEncodeSettings {
  int width = 640;
  int height = 360;
  int fps = 30;
  int bitrate_bps = 800000;
  std::chrono::milliseconds keyframe_interval{3000};
  VideoCodec codec = VideoCodec::vp8;
};

/// The settings of `video` as the encode of a meeting's camera needs them.
VideoEncodeSettings video_encode_settings(const VideoSettings& video);

struct VideoEncodeStats {
  uint64_t frames_read = 0;       ///< frames recv() gave
  uint64_t frames_encoded = 0;
  uint64_t keyframes = 0;
  uint64_t keyframe_requests = 0; ///< asked for by receivers (before rate limiting)
  uint64_t frames_late = 0;       ///< dropped: their time had passed when they came
  uint64_t frames_over_rate = 0;  ///< dropped: closer than 1/fps to the frame before
  uint64_t timestamps_clamped = 0;///< went backwards
  int bitrate_bps = 0;            ///< the encoder's current target
  /// Copied video: keyframe requests that had to wait for the file's next keyframe.
  uint64_t keyframe_requests_unanswered = 0;
};

/// Why a thread of its own and not the worker pool: a frame is encoded when it is due
/// (so a keyframe request takes effect on the very next frame), which means waiting
/// between frames; a pool job must never wait. One thread per video track, not per
/// meeting: meetings given the same track object share it (engine::Engine::encoded_video).
class EncodedVideoTrack {
 public:
  using Clock = std::chrono::steady_clock;
  using FrameSink = std::function<void(const std::shared_ptr<const EncodedVideoFrame>&)>;
  /// The track ended (error empty) or failed (recv() threw or a frame could not be used).
  using EndSink = std::function<void(const std::string& error)>;
  /// A keyframe answers at most one request per this interval (RFC 4585 §3.5.4: feedback
  /// storms from many receivers must not turn every frame into a keyframe).
  static constexpr auto kKeyframeRequestInterval = std::chrono::milliseconds(300);
  /// A frame this far past its time is dropped, not sent late (the next one is nearly due).
  static constexpr auto kMaxLateness = std::chrono::milliseconds(100);
  /// How often a wait for a live track's next frame looks whether the encode is stopping.
  static constexpr auto kLiveStopCheck = std::chrono::milliseconds(100);

  /// A track opened with video copy is paced and fanned out, not encoded: throws
  /// Error(Kind::Config) when its codec is not settings.codec.
  EncodedVideoTrack(std::shared_ptr<CustomVideoTrack> track, VideoEncodeSettings settings);
  /// Stops the thread (a recv() in progress is waited for).
  ~EncodedVideoTrack();
  EncodedVideoTrack(const EncodedVideoTrack&) = delete;
  EncodedVideoTrack& operator=(const EncodedVideoTrack&) = delete;

  /// Starts reading and encoding: the frame with timestamp t goes out at anchor + t. Only
  /// the first call counts (a shared track keeps its first meeting's timeline).
  void start(Clock::time_point anchor);
  std::optional<Clock::time_point> anchor() const;

  /// Sinks run on the encode thread: they must only hand the frame on (post it).
  uint64_t add_sink(FrameSink on_frame, EndSink on_end);
  void remove_sink(uint64_t id);

  /// Any thread. The next frame is a keyframe, unless one was made within the interval.
  void request_keyframe();
  /// Any thread: what the path of sink `id` carries (REMB, loss); the encoder follows the
  /// lowest of all sinks' limits and the configured bitrate.
  void set_bitrate_limit(uint64_t id, int bitrate_bps);

  const VideoEncodeSettings& settings() const { return settings_; }
  std::shared_ptr<CustomVideoTrack> source() const { return track_; }
  VideoEncodeStats stats() const;

 private:
  struct Sink {
    FrameSink on_frame;
    EndSink on_end;
    std::optional<int> bitrate_limit;
  };
  void run();
  bool wait_until(Clock::time_point deadline);  // false: stopping
  bool stopping() const;
  detail::PushVideoSlot::Take take_live();  // no frame: ended or stopping
  void encode_one(VideoFrame frame, Clock::time_point due);
  bool run_copy(Clock::time_point anchor);  // true at the end, false when stopping
  void deliver(std::shared_ptr<const EncodedVideoFrame> frame);
  void finish(const std::string& error);
  void apply_bitrate();

  std::shared_ptr<CustomVideoTrack> track_;
  std::shared_ptr<detail::PushVideoSlot> live_;  // a PushVideoTrack's: frames without timestamps
  std::shared_ptr<detail::EncodedVideoSource> copy_;  // a file's video sent as it is
  VideoEncodeSettings settings_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Clock::time_point> anchor_;
  std::map<uint64_t, Sink> sinks_;
  uint64_t next_sink_ = 1;
  bool stopping_ = false;
  bool ended_ = false;
  std::string end_error_;
  VideoEncodeStats stats_;
  std::atomic<bool> keyframe_wanted_{false};
  std::atomic<int> bitrate_target_;
  std::thread thread_;
};

}  // namespace roomcast::media
