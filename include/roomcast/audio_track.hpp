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

/// Audio from a media file: any container and codec FFmpeg decodes
/// (MP4/AAC, M4A, MP3, WAV, OGG Vorbis/Opus, FLAC, WebM/Opus, ...).
class FileAudioTrack : public CustomAudioTrack {
 public:
  /// How to read the file.
  struct Options {
    /// Which audio stream to use: index among the file's audio streams (0 = first).
    int audio_stream = 0;
  };

  /// Opens and probes the file; throws roomcast::Error(Kind::Media) when it is
  /// missing, unreadable, not media, or has no audio stream.
  explicit FileAudioTrack(const std::string& path);
  /// As FileAudioTrack(const std::string&), choosing the audio stream with `options`.
  FileAudioTrack(const std::string& path, Options options);
  ~FileAudioTrack() override;

  FileAudioTrack(const FileAudioTrack&) = delete;
  FileAudioTrack& operator=(const FileAudioTrack&) = delete;

  /// The next decoded chunk (the decoder's own size and rate), nullopt at end of file.
  std::optional<AudioChunk> recv() override;
  /// The file's audio duration, when the container tells.
  std::optional<std::chrono::milliseconds> duration() const override;
  /// The file's path.
  std::string description() const override;

  /// The sample rate of the file's audio stream.
  int source_sample_rate_hz() const;
  /// The channel count of the file's audio stream.
  int source_channels() const;
  /// The FFmpeg name of the stream's codec (e.g. "aac", "mp3").
  std::string codec_name() const;

  /// Packets skipped so far because they could not be read or decoded (corrupt data).
  /// recv() throws only when nothing at all could be decoded.
  std::size_t skipped_packets() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roomcast
