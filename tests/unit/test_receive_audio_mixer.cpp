// AudioMixer: sums saturate at the int16 limits instead of wrapping.
#include <gtest/gtest.h>

#include <vector>

#include "receive/audio_mixer.hpp"

namespace roomcast::receive {
using namespace roomcast::media;  // frames and test signals of the send side
namespace {

TEST(ReceiveAudioMixer, SumsAndSaturates) {
  AudioMixer mixer;
  const std::vector<int16_t> loud(kFrameSamples, 30000);
  const std::vector<int16_t> quiet(kFrameSamples, 10000);
  const std::vector<int16_t> loud_negative(kFrameSamples, -30000);

  mixer.add(loud);
  mixer.add(quiet);
  EXPECT_EQ(mixer.inputs(), 2);
  for (int16_t v : mixer.mix()) {
    ASSERT_EQ(v, 32767);
  }

  mixer.reset();
  mixer.add(loud_negative);
  mixer.add(loud_negative);
  mixer.add(loud_negative);
  for (int16_t v : mixer.mix()) {
    ASSERT_EQ(v, -32768);
  }

  // Saturation is applied to the total only, so opposite signs still cancel.
  mixer.reset();
  mixer.add(loud);
  mixer.add(loud);
  mixer.add(loud_negative);
  for (int16_t v : mixer.mix()) {
    ASSERT_EQ(v, 30000);
  }
}

TEST(ReceiveAudioMixer, EmptyMixIsSilenceAndShortFramesAddAtTheStart) {
  AudioMixer mixer;
  for (int16_t v : mixer.mix()) {
    ASSERT_EQ(v, 0);
  }
  EXPECT_EQ(mixer.inputs(), 0);

  const std::vector<int16_t> ramp = {1, 2, 3, -4};
  mixer.add(ramp);
  mixer.add(std::vector<int16_t>(kFrameSamples + 10, 100)); // extra samples ignored
  const auto &mixed = mixer.mix();
  EXPECT_EQ(mixed[0], 101);
  EXPECT_EQ(mixed[3], 96);
  EXPECT_EQ(mixed[4], 100);
  EXPECT_EQ(mixed[kFrameSamples - 1], 100);

  mixer.reset();
  EXPECT_EQ(mixer.mix()[0], 0);
}

} // namespace
} // namespace roomcast::receive
