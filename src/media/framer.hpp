// Framer: cuts a stream of 48 kHz samples (mono or interleaved stereo) of any chunk size into
// exact 20 ms frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "media/audio_frame.hpp"

namespace roomcast::media {

class Framer {
public:
  /// `channels` (1 or 2) interleaved samples make one sample frame.
  explicit Framer(int channels = 1, std::size_t initial_capacity = 4 * kFrameSamples);

  /// Queues interleaved samples; any whole number of sample frames, including 0.
  void push(std::span<const int16_t> samples);

  /// The next full frame (960 samples per channel), or nullopt if fewer are queued.
  std::optional<AudioFrame> pop();

  /// At end of stream: the remaining samples (fewer than 960) as a frame zero-padded
  /// to 960, with valid_samples saying how many are real; nullopt if none remain.
  /// Full frames must be popped first (a queued full frame is returned as is).
  std::optional<AudioFrame> flush();

  /// Per channel.
  std::size_t buffered_samples() const { return size_ / static_cast<std::size_t>(channels_); }
  std::size_t frames_ready() const { return buffered_samples() / kFrameSamples; }
  int channels() const { return channels_; }
  /// first_sample of the next frame out: samples (per channel) handed out so far.
  uint64_t next_first_sample() const { return next_first_sample_; }

private:
  void grow(std::size_t needed);
  void read(int16_t* dest, std::size_t count);

  std::size_t frame_size() const { return static_cast<std::size_t>(kFrameSamples * channels_); }

  const int channels_;
  // Ring buffer of interleaved samples: reading advances head_, nothing is erased from the front.
  std::vector<int16_t> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  uint64_t next_first_sample_ = 0;
};

} // namespace roomcast::media
