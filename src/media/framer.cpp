// Ring buffer behind Framer; grows by doubling so pushes are amortised O(1).
#include "media/framer.hpp"

#include <algorithm>
#include <cstring>

namespace roomcast::media {

Framer::Framer(int channels, std::size_t initial_capacity)
    : channels_(channels == 2 ? 2 : 1),
      ring_(std::max<std::size_t>(initial_capacity, kFrameSamples) * static_cast<std::size_t>(channels_)) {}

void Framer::grow(std::size_t needed) {
  std::size_t capacity = ring_.size();
  while (capacity < needed) {
    capacity *= 2;
  }
  std::vector<int16_t> bigger(capacity);
  const std::size_t kept = size_;
  read(bigger.data(), kept); // linearise: oldest sample at index 0
  ring_ = std::move(bigger);
  head_ = 0;
  size_ = kept;
}

void Framer::push(std::span<const int16_t> samples) {
  if (samples.empty()) {
    return;
  }
  if (size_ + samples.size() > ring_.size()) {
    grow(size_ + samples.size());
  }
  const std::size_t tail = (head_ + size_) % ring_.size();
  const std::size_t first = std::min(samples.size(), ring_.size() - tail);
  std::memcpy(ring_.data() + tail, samples.data(), first * sizeof(int16_t));
  std::memcpy(ring_.data(), samples.data() + first, (samples.size() - first) * sizeof(int16_t));
  size_ += samples.size();
}

// Copies count samples out of the ring and consumes them.
void Framer::read(int16_t* dest, std::size_t count) {
  const std::size_t first = std::min(count, ring_.size() - head_);
  std::memcpy(dest, ring_.data() + head_, first * sizeof(int16_t));
  std::memcpy(dest + first, ring_.data(), (count - first) * sizeof(int16_t));
  head_ = (head_ + count) % ring_.size();
  size_ -= count;
}

std::optional<AudioFrame> Framer::pop() {
  if (size_ < frame_size()) {
    return std::nullopt;
  }
  AudioFrame frame;
  frame.channels = channels_;
  read(frame.samples.data(), frame_size());
  frame.first_sample = next_first_sample_;
  frame.valid_samples = kFrameSamples;
  next_first_sample_ += kFrameSamples;
  return frame;
}

std::optional<AudioFrame> Framer::flush() {
  if (size_ >= frame_size()) {
    return pop();
  }
  if (size_ == 0) {
    return std::nullopt;
  }
  AudioFrame frame; // samples{} is zero-initialised: the padding
  frame.channels = channels_;
  frame.valid_samples = static_cast<int>(size_ / static_cast<std::size_t>(channels_));
  read(frame.samples.data(), size_);
  frame.first_sample = next_first_sample_;
  // The padding is sent too, so the stream (and RTP time) advances by a whole frame.
  next_first_sample_ += kFrameSamples;
  return frame;
}

} // namespace roomcast::media
