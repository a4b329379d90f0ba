// WavWriter: 16-bit PCM to a .wav file whose header stays valid while it is being written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "core/c_ptr.hpp"
#include "media/audio_frame.hpp"

namespace roomcast::receive {

// Received audio comes out in the send side's frame shape (48 kHz mono, 20 ms).
using media::AudioFrame;
using media::kFrameSamples;
using media::kSampleRateHz;

namespace wav_detail {
void close_file(std::FILE *file) noexcept; // fclose, whose address the standard does not promise
} // namespace wav_detail

/// The RIFF and data sizes are rewritten after every second of audio and on close(), so a
/// killed process leaves a playable file at most one second short.
class WavWriter {
public:
  /// Creates or truncates path and writes the 44-byte header. Throws Error(Kind::Media)
  /// if the file cannot be written or the format is out of range.
  explicit WavWriter(const std::string &path, int sample_rate_hz = kSampleRateHz, int channels = 1);
  /// Closes; errors are swallowed here, call close() to see them.
  ~WavWriter();
  WavWriter(const WavWriter &) = delete;
  WavWriter &operator=(const WavWriter &) = delete;
  WavWriter(WavWriter &&) noexcept = default;
  WavWriter &operator=(WavWriter &&) = delete;

  /// Appends samples (interleaved when channels > 1); ignored after close(). Throws
  /// Error(Kind::Media) on an I/O error such as a full disk.
  void write(std::span<const int16_t> samples);
  /// Final header update and close; later calls do nothing. Throws Error(Kind::Media).
  void close();

  /// Sample frames written (one sample per channel each).
  uint64_t frames_written() const { return samples_written_ / static_cast<uint64_t>(channels_); }
  const std::string &path() const { return path_; }

private:
  void update_header();
  [[noreturn]] void fail(int error_number) const;

  std::string path_;
  int sample_rate_hz_;
  int channels_;
  core::CPtr<std::FILE, wav_detail::close_file> file_;
  uint64_t samples_written_ = 0;
  uint64_t samples_at_header_ = 0;
};

} // namespace roomcast::receive
