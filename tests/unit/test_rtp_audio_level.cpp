// RFC 6464 audio level: dBov from PCM and the V-bit extension octet.
#include "rtp/audio_level.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace roomcast::rtp {
namespace {

std::vector<int16_t> sine(double amplitude, int count = 960) {
  std::vector<int16_t> s(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    s[static_cast<std::size_t>(i)] = static_cast<int16_t>(
        std::lround(amplitude * std::sin(2 * std::numbers::pi * 1000.0 * i / 48000.0)));
  }
  return s;
}

TEST(AudioLevel, SilenceAndEmptyInputAre127) {
  EXPECT_EQ(audio_level_from_samples(std::vector<int16_t>(960, 0)), 127);
  EXPECT_EQ(audio_level_from_samples({}), 127);
  EXPECT_EQ(audio_level_from_samples(std::vector<int16_t>(960, 1)), 90); // 1 LSB DC: -90.3 dBov
}

TEST(AudioLevel, FullScaleSquareIsZero) {
  std::vector<int16_t> square(960);
  for (std::size_t i = 0; i < square.size(); ++i) square[i] = (i / 24) % 2 ? -32768 : 32767;
  EXPECT_EQ(audio_level_from_samples(square), 0);
}

TEST(AudioLevel, SineLevels) {
  EXPECT_EQ(audio_level_from_samples(sine(32767)), 3);         // sine RMS is -3 dB
  EXPECT_EQ(audio_level_from_samples(sine(32767 / 10.0)), 23); // -20 dB more
  EXPECT_EQ(audio_level_from_samples(sine(32767 / 100.0)), 43);
}

TEST(AudioLevel, ExtensionOctetCarriesVoiceActivityBit) {
  EXPECT_EQ(audio_level_extension_byte(5, true), 0x85);
  EXPECT_EQ(audio_level_extension_byte(5, false), 0x05);
  EXPECT_EQ(audio_level_extension_byte(200, false), 127);
  const uint8_t data[] = {0x85};
  EXPECT_EQ(parse_audio_level_extension(data), (AudioLevel{5, true}));
  const uint8_t quiet[] = {0x7F, 0x00, 0x00};
  EXPECT_EQ(parse_audio_level_extension(quiet), (AudioLevel{127, false}));
  EXPECT_FALSE(parse_audio_level_extension({}));
}

} // namespace
} // namespace roomcast::rtp
