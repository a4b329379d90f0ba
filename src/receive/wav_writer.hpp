// WavWriter: 16-bit PCM to a .wav file whose header stays valid while it is being written.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "media/audio_frame.hpp"

namespace roomcast::receive {

// Received audio comes out in the send side's frame shape (48 kHz mono, 20 ms).
using media::AudioFrame;
using media::kFrameSamples;
using media::kSampleRateHz;

/// The RIFF and data sizes are rewritten after every second of audio and on close(), so a
/// killed process leaves a playable file at most one second short. A failed write (a full
/// disk) ends the file where the disk ended it: whole sample frames only, the header saying
/// exactly what is there, the file closed.
class WavWriter {
public:
  /// Creates or truncates path and writes the 44-byte header. Throws Error(Kind::Media)
  /// if the file cannot be written or the format is out of range.
  explicit WavWriter(const std::string &path, int sample_rate_hz = kSampleRateHz, int channels = 1);
  /// Closes; errors are swallowed here, call close() to see them.
  ~WavWriter();
  WavWriter(const WavWriter &) = delete;
  WavWriter &operator=(const WavWriter &) = delete;
  WavWriter(WavWriter &&other) noexcept;
  WavWriter &operator=(WavWriter &&) = delete;

  /// Appends samples (interleaved when channels > 1); ignored after close() or a failure.
  /// Throws Error(Kind::Media) on an I/O error such as a full disk; the file is then already
  /// closed and valid, holding what reached the disk.
  void write(std::span<const int16_t> samples);
  /// Final header update and close; later calls do nothing. Throws Error(Kind::Media).
  void close();

  /// Sample frames written (one sample per channel each); after a failure, those kept.
  uint64_t frames_written() const { return samples_written_ / static_cast<uint64_t>(channels_); }
  const std::string &path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }

private:
  void flush();
  void update_header();
  [[noreturn]] void stop(int error_number);
  [[noreturn]] void fail(int error_number) const;

  std::string path_;
  int sample_rate_hz_;
  int channels_;
  int fd_ = -1;
  std::vector<uint8_t> buffer_;  // little-endian samples not yet written
  uint64_t data_bytes_on_disk_ = 0;
  uint64_t samples_written_ = 0;
  uint64_t samples_at_header_ = 0;
};

} // namespace roomcast::receive
