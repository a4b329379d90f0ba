// FileMedia: a media file (or a playlist) opened once for both kinds: its audio and video
// tracks read from one demuxer, in sync, under one set of player controls.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "roomcast/audio_track.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast {

/// A file's sound and picture as one player: give audio_track() as
/// MeetingConfig::custom_microphone_audio_track and video_track() as
/// MeetingConfig::custom_camera_video_track. Both tracks read the file through one demuxer
/// (it is opened once) and play on one timeline, so they stay in sync through loops, seeks,
/// pauses and playlist changes; FileAudioTrack and FileVideoTrack on the same file would each
/// read it on their own.
///
/// The controls (seek(), pause(), resume(), position()) may be called from any thread while
/// the SDK reads the tracks. They act on both tracks at the same point of their timeline:
/// where the track read furthest ahead is (the audio: the SDK reads it about 200 ms ahead of
/// the wire), so participants see and hear a control about 200 ms after the call.
class FileMedia {
 public:
  /// Options::loop value: play forever (until the meeting is left).
  static constexpr int kLoopForever = 0;

  /// How to read the file(s).
  struct Options {
    /// Which audio stream to use: index among the file's audio streams (0 = first).
    int audio_stream = 0;
    /// Which video stream to use: index among the file's video streams (0 = first; cover
    /// pictures do not count).
    int video_stream = 0;
    /// Times to play (a playlist: the whole list): 1 = once, N, or kLoopForever. Each play
    /// starts where the longer of the file's audio and video ended, on both tracks.
    int loop = 1;
    /// Where the first play starts, from the start of the (first) file; later plays start at 0.
    std::chrono::milliseconds start{0};
    /// Gain applied to every audio sample, -60 to +20 dB (samples clip at full scale).
    double gain_db = 0;
    /// Send the file's video as it is, without decoding and encoding it again: for video that
    /// is already VP8 or constrained-baseline H.264 (no B-frames) in the codec the meeting
    /// sends (VideoSettings::codec). Costs almost no CPU, but the picture cannot be changed:
    /// it goes out at the file's size, rate and bitrate, and a receiver that asks for a
    /// keyframe (PLI/FIR) waits for the file's next one. A seek lands on the keyframe before
    /// its target. video_track().recv() has no pictures then (the SDK takes the encoded frames).
    bool video_copy = false;
  };

  /// Opens and probes the file; throws roomcast::Error(Kind::Media) when it is missing,
  /// unreadable, not media, or has neither audio nor video, or (video_copy) when its video
  /// cannot be sent as it is (the message says why and what to do).
  explicit FileMedia(const std::string& path);
  /// As FileMedia(const std::string&), with `options`; throws Error(Kind::Config) for options
  /// out of range (loop < 0, start < 0, gain outside -60..+20 dB) and Error(Kind::Media) when
  /// the start lies past the end.
  FileMedia(const std::string& path, Options options);
  /// A playlist: the files played back to back, each opened and probed here. Every file must
  /// hold the kinds the first one holds (audio, video or both); Error naming the one that
  /// does not.
  static std::shared_ptr<FileMedia> playlist(const std::vector<std::string>& paths, Options options);
  /// playlist(paths, Options{}).
  static std::shared_ptr<FileMedia> playlist(const std::vector<std::string>& paths);
  ~FileMedia();
  FileMedia(const FileMedia&) = delete;
  FileMedia& operator=(const FileMedia&) = delete;

  /// Whether the file has an audio stream (audio_track() is not null).
  bool has_audio() const;
  /// Whether the file has a video stream (video_track() is not null).
  bool has_video() const;
  /// The file's sound (any rate and channels, converted by the SDK); nullptr without audio.
  /// The same object on every call. It ends when the last play ends (silence fills the time
  /// the picture lasts longer than the sound).
  std::shared_ptr<CustomAudioTrack> audio_track() const;
  /// The file's picture (I420 at the file's size, timestamps on the audio's timeline; held
  /// while paused); nullptr without video. The same object on every call.
  std::shared_ptr<CustomVideoTrack> video_track() const;

  /// Jumps to `offset` from the start of the current file (clamped at 0; past its end: the
  /// next file or play). Both tracks jump at the same point of their timeline.
  void seek(std::chrono::milliseconds offset);
  /// The audio plays silence and the picture stands (the streams and their timestamps go on,
  /// the meeting stays up); the position stands still until resume().
  void pause();
  /// Plays on from where pause() stopped.
  void resume();
  /// Between pause() and resume().
  bool paused() const;
  /// Where the tracks are in the current file (see the class note on reading ahead).
  std::chrono::milliseconds position() const;
  /// The playlist entry the tracks are in (0 for a single file).
  std::size_t current_file() const;
  /// Which play of a loop the tracks are in: 1 for the first.
  int current_play() const;
  /// The length of the current file, when its container tells.
  std::optional<std::chrono::milliseconds> current_file_duration() const;
  /// What will be played: the files' durations times Options::loop, less Options::start;
  /// nullopt when looping forever or a length is unknown.
  std::optional<std::chrono::milliseconds> duration() const;
  /// The file's path (a playlist: the paths joined by ", ").
  std::string description() const;

  /// The FFmpeg name of the (first) file's audio codec (e.g. "aac"); empty without audio.
  std::string audio_codec_name() const;
  /// The sample rate of the (first) file's audio stream; 0 without audio.
  int source_sample_rate_hz() const;
  /// The channel count of the (first) file's audio stream; 0 without audio.
  int source_channels() const;
  /// The FFmpeg name of the (first) file's video codec (e.g. "h264", "vp8"); empty without video.
  std::string video_codec_name() const;
  /// The (first) file's video width in pixels; 0 without video.
  int source_width() const;
  /// The (first) file's video height in pixels; 0 without video.
  int source_height() const;
  /// The (first) file's nominal frame rate (0 when the container does not tell or no video).
  double source_frame_rate() const;

 private:
  struct Impl;
  explicit FileMedia(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace roomcast
