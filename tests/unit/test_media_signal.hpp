// Test helpers for the media tests: tones, dominant frequency, energy.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

namespace roomcast::media::test {

inline std::vector<float> sine(double frequency_hz, int sample_rate_hz, std::size_t frames,
                               int channels = 1, double amplitude = 0.5) {
  std::vector<float> out(frames * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < frames; ++i) {
    const double v = amplitude * std::sin(2.0 * std::numbers::pi * frequency_hz *
                                          static_cast<double>(i) / sample_rate_hz);
    for (int c = 0; c < channels; ++c) {
      out[i * channels + c] = static_cast<float>(v);
    }
  }
  return out;
}

inline std::vector<int16_t> to_s16(std::span<const float> in) {
  std::vector<int16_t> out(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = static_cast<int16_t>(std::lround(in[i] * 32767.0));
  }
  return out;
}

// Power of one frequency in x (Goertzel).
inline double goertzel_power(std::span<const int16_t> x, double frequency_hz, int sample_rate_hz) {
  const double w = 2.0 * std::numbers::pi * frequency_hz / sample_rate_hz;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0;
  double s2 = 0;
  for (int16_t v : x) {
    const double s0 = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

// Strongest frequency in [lo, hi] on a 1 Hz grid; x should span at least 0.25 s.
inline double dominant_frequency(std::span<const int16_t> x, int sample_rate_hz, double lo_hz = 100,
                                 double hi_hz = 2000) {
  double best_hz = 0;
  double best_power = -1;
  for (double f = lo_hz; f <= hi_hz; f += 1.0) {
    const double p = goertzel_power(x, f, sample_rate_hz);
    if (p > best_power) {
      best_power = p;
      best_hz = f;
    }
  }
  return best_hz;
}

// Mean square per second of audio, comparable across sample rates.
inline double energy(std::span<const int16_t> x) {
  double sum = 0;
  for (int16_t v : x) {
    sum += static_cast<double>(v) * v;
  }
  return sum;
}

} // namespace roomcast::media::test
