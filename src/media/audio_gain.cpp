// apply_gain: per sample format, clipping at the format's full scale.
#include "media/audio_gain.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace roomcast::media {
namespace {

template <typename T> void scale_samples(std::vector<std::byte>& data, double gain, double lo,
                                         double hi) {
  for (std::size_t at = 0; at + sizeof(T) <= data.size(); at += sizeof(T)) {
    T sample;
    std::memcpy(&sample, data.data() + at, sizeof(T));
    double v = std::clamp(static_cast<double>(sample) * gain, lo, hi);
    if constexpr (std::is_integral_v<T>) {
      v = std::round(v);
    }
    sample = static_cast<T>(v);
    std::memcpy(data.data() + at, &sample, sizeof(T));
  }
}

} // namespace

void apply_gain(AudioChunk& chunk, double gain) {
  switch (chunk.format) {
  case SampleFormat::S16:
    scale_samples<int16_t>(chunk.data, gain, -32768.0, 32767.0);
    break;
  case SampleFormat::S32:
    scale_samples<int32_t>(chunk.data, gain, -2147483648.0, 2147483647.0);
    break;
  case SampleFormat::Float32:
    scale_samples<float>(chunk.data, gain, -1.0, 1.0);
    break;
  }
}

} // namespace roomcast::media
