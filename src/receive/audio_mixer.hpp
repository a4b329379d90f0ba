// AudioMixer: sums the remote streams' 20 ms frames into one, saturating rather than wrapping.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "media/audio_frame.hpp"

namespace roomcast::receive {

// Received audio comes out in the send side's frame shape (48 kHz mono, 20 ms).
using media::AudioFrame;
using media::kFrameSamples;
using media::kSampleRateHz;

class AudioMixer {
public:
  /// Adds one mono frame; samples past kFrameSamples are ignored, a shorter frame is
  /// added at the start.
  void add(std::span<const int16_t> frame);
  /// The sum so far clamped to int16 (silence if nothing was added).
  const std::array<int16_t, kFrameSamples> &mix();
  /// Starts the next tick's mix.
  void reset();
  int inputs() const { return inputs_; }

private:
  std::array<int32_t, kFrameSamples> sum_{}; // int32 holds 65536 full-scale inputs
  std::array<int16_t, kFrameSamples> out_{};
  int inputs_ = 0;
};

} // namespace roomcast::receive
