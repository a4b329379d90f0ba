// Framer: exact 960-sample frames out of any chunking, nothing lost or duplicated.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "media/framer.hpp"

namespace roomcast::media {
namespace {

std::vector<int16_t> ramp(std::size_t count, int16_t start = 0) {
  std::vector<int16_t> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = static_cast<int16_t>((start + static_cast<int>(i)) % 30000);
  }
  return out;
}

TEST(FramerTest, EmptyHasNothing) {
  Framer framer;
  EXPECT_FALSE(framer.pop());
  EXPECT_FALSE(framer.flush());
  EXPECT_EQ(framer.buffered_samples(), 0u);
}

TEST(FramerTest, AnyChunkingGivesTheSameExactFrames) {
  const std::vector<int16_t> input = ramp(960 * 37 + 123);
  for (std::size_t chunk : {1u, 7u, 441u, 959u, 960u, 961u, 1024u, 1152u, 4096u, 50000u}) {
    SCOPED_TRACE(chunk);
    Framer framer(1, 960); // small start: forces growth and wrap-around
    std::vector<int16_t> output;
    uint64_t expected_first = 0;
    auto take = [&](const AudioFrame& frame) {
      EXPECT_EQ(frame.first_sample, expected_first);
      expected_first += kFrameSamples;
      output.insert(output.end(), frame.samples.begin(),
                    frame.samples.begin() + frame.valid_samples);
    };
    for (std::size_t at = 0; at < input.size(); at += chunk) {
      const std::size_t n = std::min(chunk, input.size() - at);
      framer.push(std::span(input).subspan(at, n));
      while (auto frame = framer.pop()) {
        EXPECT_EQ(frame->valid_samples, kFrameSamples);
        take(*frame);
      }
      EXPECT_LT(framer.buffered_samples(), static_cast<std::size_t>(kFrameSamples));
    }
    auto last = framer.flush();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->valid_samples, 123);
    for (int i = last->valid_samples; i < kFrameSamples; ++i) {
      ASSERT_EQ(last->samples[i], 0) << "padding must be silence";
    }
    take(*last);
    EXPECT_FALSE(framer.flush());
    EXPECT_EQ(output, input); // bit-exact: nothing lost, duplicated or reordered
    EXPECT_EQ(framer.next_first_sample(), 38u * kFrameSamples);
  }
}

TEST(FramerTest, InterleavedPushAndPopKeepsOrderAcrossWrapAround) {
  Framer framer(1, 960);
  std::vector<int16_t> input = ramp(200000, 5);
  std::vector<int16_t> output;
  std::size_t at = 0;
  std::size_t step = 1;
  while (at < input.size()) {
    const std::size_t n = std::min(step, input.size() - at);
    framer.push(std::span(input).subspan(at, n));
    at += n;
    step = step * 3 % 2000 + 1;      // irregular sizes
    if (auto frame = framer.pop()) { // pop at most one: the buffer fills and wraps
      output.insert(output.end(), frame->pcm().begin(), frame->pcm().end());
    }
  }
  while (auto frame = framer.pop()) {
    output.insert(output.end(), frame->pcm().begin(), frame->pcm().end());
  }
  if (auto last = framer.flush()) {
    output.insert(output.end(), last->samples.begin(), last->samples.begin() + last->valid_samples);
  }
  EXPECT_EQ(output, input);
}

TEST(FramerTest, FlushReturnsFullFrameFirst) {
  Framer framer;
  framer.push(ramp(960 + 10));
  auto first = framer.flush();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->valid_samples, kFrameSamples);
  auto second = framer.flush();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->valid_samples, 10);
  EXPECT_EQ(second->first_sample, 960u);
}

} // namespace
} // namespace roomcast::media
