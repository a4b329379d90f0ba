// Audio sources a participant publishes: CustomAudioTrack (user code) and FileAudioTrack.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace roomcast {

/// Layout of one sample in an AudioChunk. Multi-channel audio is interleaved.
enum class SampleFormat { S16, S32, Float32 };

/// A chunk of PCM audio of any size, rate, channel count and sample format.
/// The SDK converts it to 48 kHz, cuts exact 20 ms frames and paces them; the
/// chunk size has no meaning on the wire.
struct AudioChunk {
  std::vector<std::byte> data;  ///< interleaved samples
  SampleFormat format = SampleFormat::S16;  ///< layout of each sample in `data`
  int sample_rate_hz = 48000;                ///< samples per second per channel (any rate)
  int channels = 1;                          ///< interleaved channels (1 to 8)

  /// Samples per channel in this chunk.
  std::size_t frames() const;

  /// A chunk holding a copy of 16-bit samples (interleaved when channels > 1). Throws
  /// roomcast::Error(Kind::Media) when channels is not positive or does not divide the size.
  static AudioChunk from_s16(std::span<const int16_t> interleaved, int sample_rate_hz,
                             int channels);
  /// A chunk holding a copy of float samples in [-1, 1]; otherwise as from_s16().
  static AudioChunk from_float(std::span<const float> interleaved, int sample_rate_hz,
                               int channels);
};

/// Base class for audio a participant sends as its microphone.
///
/// Override recv() to hand the SDK the next chunk. It is called from an SDK media
/// thread, ahead of time (the SDK keeps a short buffer), never from the network
/// thread, so it may block briefly (e.g. to read a file). Pacing, timestamps and
/// framing are the SDK's job: recv() returns audio as fast as it is asked.
class CustomAudioTrack {
 public:
  virtual ~CustomAudioTrack() = default;

  /// The next chunk of audio, or std::nullopt at end of stream.
  virtual std::optional<AudioChunk> recv() = 0;

  /// Total length if known (files); used for progress display.
  virtual std::optional<std::chrono::milliseconds> duration() const { return std::nullopt; }

  /// A short description for logs and errors (e.g. the file path).
  virtual std::string description() const { return "custom audio track"; }
};

/// Headerless PCM (e.g. `arecord -t raw` or a program's output on stdin): what one sample is.
struct RawPcmFormat {
  SampleFormat format = SampleFormat::S16;  ///< little-endian S16, S32 or Float32
  int sample_rate_hz = 48000;               ///< 8000 to 192000
  int channels = 1;                         ///< 1 to 8, interleaved
};

/// Audio from media files: any container and codec FFmpeg decodes
/// (MP4/AAC, M4A, MP3, WAV, OGG Vorbis/Opus, FLAC, WebM/Opus, ...), from a path, a URL
/// FFmpeg reads (http://, https://), or stdin ("-"); one file or a playlist.
///
/// The player's controls (seek(), pause(), resume(), position()) may be called from any
/// thread while the SDK calls recv() on its worker thread. They act on the audio recv()
/// hands out next: the SDK buffers about 200 ms ahead of the wire, so participants hear
/// a control that much later, and position() runs that much ahead of what they hear.
class FileAudioTrack : public CustomAudioTrack {
 public:
  /// Options::loop value: play forever (until the meeting is left).
  static constexpr int kLoopForever = 0;

  /// How to read the file(s).
  struct Options {
    /// Which audio stream to use: index among the file's audio streams (0 = first).
    int audio_stream = 0;
    /// Times to play (a playlist: the whole list): 1 = once, N, or kLoopForever.
    /// Loops are gapless: the first sample follows the last one directly. A pipe (stdin)
    /// cannot be rewound: looping it is refused.
    int loop = 1;
    /// Where the first play starts, from the start of the (first) file; later plays of a
    /// loop start at 0.
    std::chrono::milliseconds start{0};
    /// Gain applied to every sample, -60 to +20 dB (samples clip at full scale).
    double gain_db = 0;
    /// Read headerless PCM of this shape instead of probing the input (stdin, a .raw file).
    std::optional<RawPcmFormat> raw = std::nullopt;
  };

  /// Opens and probes the file; throws roomcast::Error(Kind::Media) when it is
  /// missing, unreadable, not media, or has no audio stream. "-" is stdin.
  explicit FileAudioTrack(const std::string& path);
  /// As FileAudioTrack(const std::string&), with `options`; throws Error(Kind::Config)
  /// for options out of range (loop < 0, start < 0, gain outside -60..+20 dB) and
  /// Error(Kind::Media) when the start lies past the end or a pipe is to be looped.
  FileAudioTrack(const std::string& path, Options options);
  /// A playlist: the files played back to back with no gap (each file's own rate and
  /// channels; the SDK converts without a seam). Every file is opened and probed here, so a
  /// bad one is refused (Error naming it) before anything joins a meeting.
  static std::shared_ptr<FileAudioTrack> playlist(const std::vector<std::string>& paths,
                                                  Options options);
  /// playlist(paths, Options{}).
  static std::shared_ptr<FileAudioTrack> playlist(const std::vector<std::string>& paths);
  ~FileAudioTrack() override;

  FileAudioTrack(const FileAudioTrack&) = delete;
  FileAudioTrack& operator=(const FileAudioTrack&) = delete;

  /// The next decoded chunk (the decoder's own size and rate), silence while paused,
  /// nullopt once every play of every file ended.
  std::optional<AudioChunk> recv() override;
  /// What will be played: the files' durations (when the containers tell) times Options::loop,
  /// less Options::start; nullopt when looping forever or a length is unknown.
  std::optional<std::chrono::milliseconds> duration() const override;
  /// The file's path (a playlist: the paths joined by ", ").
  std::string description() const override;

  /// Jumps to `offset` from the start of the current file (clamped at 0; past its end: the
  /// next file or play). Lands on the exact sample. Throws Error(Kind::Media) for a pipe
  /// asked to go backwards.
  void seek(std::chrono::milliseconds offset);
  /// recv() returns silence (in the file's shape, so the stream and its RTP timestamps go
  /// on and the meeting stays up) and the position stands still, until resume().
  void pause();
  /// Plays on from where pause() stopped.
  void resume();
  /// Between pause() and resume().
  bool paused() const;
  /// Where recv() is in the current file (see the class note on buffering).
  std::chrono::milliseconds position() const;
  /// The playlist entry recv() is in (0 for a single file).
  std::size_t current_file() const;
  /// Which play of a loop recv() is in: 1 for the first.
  int current_play() const;
  /// The length of the file recv() is in, when its container tells.
  std::optional<std::chrono::milliseconds> current_file_duration() const;

  /// The sample rate of the (first) file's audio stream.
  int source_sample_rate_hz() const;
  /// The channel count of the (first) file's audio stream.
  int source_channels() const;
  /// The FFmpeg name of the (first) stream's codec (e.g. "aac", "mp3").
  std::string codec_name() const;

  /// Packets skipped so far because they could not be read or decoded (corrupt data).
  /// recv() throws only when nothing at all could be decoded.
  std::size_t skipped_packets() const;

 private:
  struct Impl;
  explicit FileAudioTrack(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace roomcast
