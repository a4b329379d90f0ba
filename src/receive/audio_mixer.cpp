// Mixing in int32 then clamping: two loud talkers clip briefly instead of wrapping to noise.
#include "receive/audio_mixer.hpp"

#include <algorithm>

namespace roomcast::receive {

void AudioMixer::add(std::span<const int16_t> frame) {
  const std::size_t n = std::min(frame.size(), sum_.size());
  for (std::size_t i = 0; i < n; ++i) {
    sum_[i] += frame[i];
  }
  ++inputs_;
}

const std::array<int16_t, kFrameSamples> &AudioMixer::mix() {
  for (std::size_t i = 0; i < sum_.size(); ++i) {
    out_[i] = static_cast<int16_t>(std::clamp<int32_t>(sum_[i], INT16_MIN, INT16_MAX));
  }
  return out_;
}

void AudioMixer::reset() {
  sum_.fill(0);
  inputs_ = 0;
}

} // namespace roomcast::receive
