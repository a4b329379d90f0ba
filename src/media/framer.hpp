// Framer: cuts a stream of 48 kHz mono samples of any chunk size into exact 20 ms frames.
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
  explicit Framer(std::size_t initial_capacity = 4 * kFrameSamples);

  /// Queues samples; any count, including 0.
  void push(std::span<const int16_t> samples);

  /// The next full 960-sample frame, or nullopt if fewer than 960 samples are queued.
  std::optional<AudioFrame> pop();

  /// At end of stream: the remaining samples (fewer than 960) as a frame zero-padded
  /// to 960, with valid_samples saying how many are real; nullopt if none remain.
  /// Full frames must be popped first (a queued full frame is returned as is).
  std::optional<AudioFrame> flush();

  std::size_t buffered_samples() const { return size_; }
  std::size_t frames_ready() const { return size_ / kFrameSamples; }
  /// first_sample of the next frame out: samples handed out so far.
  uint64_t next_first_sample() const { return next_first_sample_; }

private:
  void grow(std::size_t needed);
  void read(int16_t* dest, std::size_t count);

  // Ring buffer: reading advances head_, so nothing is erased from the front.
  std::vector<int16_t> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  uint64_t next_first_sample_ = 0;
};

} // namespace roomcast::media
