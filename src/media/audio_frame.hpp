// AudioFrame: one 20 ms mono frame at 48 kHz, the unit the encoder and the pacer work in.
#pragma once

#include <array>
#include <cstdint>

namespace roomcast::media {

constexpr int kSampleRateHz = 48000; // Opus' clock, and the RTP clock rate (RFC 7587 4.1)
constexpr int kFrameSamples = 960;   // 20 ms

struct AudioFrame {
  std::array<int16_t, kFrameSamples> samples{};
  /// Index of samples[0] in the stream, counted from 0; RTP timestamps derive from this.
  uint64_t first_sample = 0;
  /// Real samples in this frame; less than kFrameSamples only for the zero-padded last frame.
  int valid_samples = kFrameSamples;
};

} // namespace roomcast::media
