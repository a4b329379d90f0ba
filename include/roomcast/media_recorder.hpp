// MediaRecorder: a remote participant's audio and video (both sinks) into one WebM file.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "roomcast/events.hpp"
#include "roomcast/video_sink.hpp"

namespace roomcast {

/// Records what it is given as a sink into a WebM file: the audio as Opus (48 kHz mono,
/// 32 kbit/s), the video as VP8 (re-encoded from the decoded pictures at the first
/// picture's size; later pictures of another size are scaled to it).
///
/// The file is written live (clusters of at most a second flushed as they close), so one cut
/// short by a crash or SIGKILL plays up to its last second; close() adds the duration and the
/// seek index. Audio and video are placed on one timeline by when each stream's first frame
/// reached the recorder, then by their own timestamps (RTP time), less `audio_latency` for
/// the audio (received audio passes a jitter buffer that video does not). Pauses in the
/// audio are filled with silence.
///
/// Matroska declares its tracks up front: the file is created once every expected stream
/// (Options::audio, Options::video) delivered its first frame, or `start_wait` after the
/// first frame of any, without the streams still missing (their frames are then ignored).
///
/// Feed one stream of each kind: `stream.add_sink(recorder)` for the audio and for the
/// video stream of one participant. Any thread; a write that fails (a full disk) ends the
/// recording, reports it once through Options::on_failed, and keeps what reached the file.
class MediaRecorder : public AudioSink, public VideoSink {
 public:
  /// What to record and how.
  struct Options {
    /// Expect an audio stream (wait for it before creating the file).
    bool audio = true;
    /// Expect a video stream (wait for it before creating the file).
    bool video = true;
    /// VP8 target bitrate.
    int video_bitrate_bps = 1000000;
    /// Longest time between VP8 keyframes (where players can start and seek).
    std::chrono::milliseconds keyframe_interval{2000};
    /// How long after the first frame to wait for the other expected stream.
    std::chrono::milliseconds start_wait{3000};
    /// Subtracted from audio times: the receive jitter buffer's delay (60 ms by default).
    std::chrono::milliseconds audio_latency{60};
    /// Called once, on the sink's thread, when a write fails and the recording stops.
    std::function<void(const std::string& why)> on_failed;
  };

  /// Records into `path` (created or truncated when the streams are known). Throws
  /// roomcast::Error (Config) for options out of range; file errors come when it is created.
  MediaRecorder(std::string path, Options options);
  /// Records audio and video with the default options.
  explicit MediaRecorder(std::string path);
  /// Closes the file (see close()).
  ~MediaRecorder() override;
  MediaRecorder(const MediaRecorder&) = delete;
  MediaRecorder& operator=(const MediaRecorder&) = delete;

  /// Encodes and writes 20 ms of audio.
  void on_audio_frame(const ReceivedAudioFrame& frame) override;
  /// Encodes and writes one picture.
  void on_video_frame(const ReceivedVideoFrame& frame) override;

  /// Creates the file if frames are still waiting for it, writes the rest, the duration and
  /// the index. Later frames are ignored. Throws roomcast::Error (Media) if that fails.
  void close();

  /// The file's path.
  const std::string& path() const;
  /// False once closed or stopped by a failed write.
  bool recording() const;
  /// Audio packets (20 ms) written so far.
  uint64_t audio_packets() const;
  /// Video frames written so far.
  uint64_t video_frames() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roomcast
