// AudioFrame: one 20 ms frame at 48 kHz, mono or interleaved stereo, the unit the encoder
// and the pacer work in (the receive side's frames are always mono).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace roomcast::media {

constexpr int kSampleRateHz = 48000; // Opus' clock, and the RTP clock rate (RFC 7587 4.1)
constexpr int kFrameSamples = 960;   // 20 ms, per channel
constexpr int kMaxFrameChannels = 2; // what Opus codes in one stream (RFC 7587 3.4)

struct AudioFrame {
  /// Room for a stereo frame; pcm() is the part in use (960 x channels, interleaved).
  std::array<int16_t, kFrameSamples * kMaxFrameChannels> samples{};
  int channels = 1;
  /// Index of the frame's first sample (per channel) in the stream, counted from 0; RTP
  /// timestamps derive from this.
  uint64_t first_sample = 0;
  /// Real samples per channel in this frame; less than kFrameSamples only for the
  /// zero-padded last frame.
  int valid_samples = kFrameSamples;

  std::span<int16_t> pcm() { return {samples.data(), static_cast<std::size_t>(kFrameSamples * channels)}; }
  std::span<const int16_t> pcm() const {
    return {samples.data(), static_cast<std::size_t>(kFrameSamples * channels)};
  }
};

/// Makes `frame` carry `channels` (1 or 2): mono is copied to both sides, stereo is averaged.
inline void set_channels(AudioFrame& frame, int channels) {
  if (frame.channels == channels) return;
  auto& s = frame.samples;
  if (channels == 2) {
    for (int i = kFrameSamples; i-- > 0;) s[2 * i] = s[2 * i + 1] = s[i];
  } else {
    for (int i = 0; i < kFrameSamples; ++i) s[i] = static_cast<int16_t>((s[2 * i] + s[2 * i + 1]) / 2);
  }
  frame.channels = channels;
}

} // namespace roomcast::media
