// RFC 6464 audio level: mean square relative to full scale, in whole dB below overload.
#include "rtp/audio_level.hpp"

#include <algorithm>
#include <cmath>

namespace roomcast::rtp {

uint8_t audio_level_from_samples(std::span<const int16_t> samples) {
  if (samples.empty()) return kSilentAudioLevel;
  double sum_squares = 0.0;
  for (const int16_t s : samples) {
    const double v = s;
    sum_squares += v * v;
  }
  const double mean_square = sum_squares / static_cast<double>(samples.size());
  constexpr double kFullScaleSquared = 32768.0 * 32768.0;
  if (mean_square <= 0.0) return kSilentAudioLevel;
  const double dbov = 10.0 * std::log10(mean_square / kFullScaleSquared);
  const double level = std::clamp(std::round(-dbov), 0.0, double{kSilentAudioLevel});
  return static_cast<uint8_t>(level);
}

uint8_t audio_level_extension_byte(uint8_t level, bool voice_activity) {
  const uint8_t clamped = std::min(level, kSilentAudioLevel);
  return static_cast<uint8_t>((voice_activity ? 0x80 : 0x00) | clamped);
}

std::optional<AudioLevel> parse_audio_level_extension(std::span<const uint8_t> data) {
  if (data.empty()) return std::nullopt;
  return AudioLevel{static_cast<uint8_t>(data[0] & 0x7F), (data[0] & 0x80) != 0};
}

} // namespace roomcast::rtp
