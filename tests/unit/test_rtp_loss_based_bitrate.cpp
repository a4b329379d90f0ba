#include "rtp/loss_based_bitrate.hpp"

#include <gtest/gtest.h>

using roomcast::rtp::LossBasedBitrate;
using namespace std::chrono_literals;

namespace {
const LossBasedBitrate::Clock::time_point t0{};
}

TEST(LossBasedBitrate, StartsAtTheMaximumAndHoldsWithoutLoss) {
  LossBasedBitrate rate(50'000, 800'000);
  EXPECT_EQ(rate.estimate(), 800'000);
  EXPECT_FALSE(rate.on_report(0.0, 800'000, t0));  // already at the maximum
  EXPECT_EQ(rate.estimate(), 800'000);
}

TEST(LossBasedBitrate, HighLossCutsFromWhatWasSentByHalfTheLoss) {
  LossBasedBitrate rate(50'000, 800'000);
  auto next = rate.on_report(0.20, 600'000, t0);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 540'000);  // 600k x (1 - 0.10)
  // Another report 100 ms later about the same loss: no second cut yet.
  EXPECT_FALSE(rate.on_report(0.20, 600'000, t0 + 100ms));
  EXPECT_EQ(rate.estimate(), 540'000);
  // After the interval it cuts again, from the lower of estimate and sending rate.
  next = rate.on_report(0.20, 600'000, t0 + 400ms);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 486'000);
}

TEST(LossBasedBitrate, ModerateLossHolds) {
  LossBasedBitrate rate(50'000, 800'000);
  ASSERT_TRUE(rate.on_report(0.30, 800'000, t0));
  const int held = rate.estimate();
  EXPECT_FALSE(rate.on_report(0.05, 800'000, t0 + 5s));
  EXPECT_EQ(rate.estimate(), held);
}

TEST(LossBasedBitrate, LowLossGrowsEightPercentASecondUpToTheMaximum) {
  LossBasedBitrate rate(50'000, 800'000);
  ASSERT_TRUE(rate.on_report(0.5, 400'000, t0));
  EXPECT_EQ(rate.estimate(), 300'000);
  EXPECT_FALSE(rate.on_report(0.0, 300'000, t0 + 500ms));  // not a second yet
  auto next = rate.on_report(0.0, 300'000, t0 + 1s);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 324'000);
  auto t = t0 + 1s;
  for (int i = 0; i < 100 && rate.estimate() < 800'000; ++i) rate.on_report(0.0, 800'000, t += 1s);
  EXPECT_EQ(rate.estimate(), 800'000);
}

TEST(LossBasedBitrate, NeverBelowTheMinimum) {
  LossBasedBitrate rate(50'000, 800'000);
  auto t = t0;
  for (int i = 0; i < 50; ++i) rate.on_report(1.0, rate.estimate(), t += 1s);
  EXPECT_EQ(rate.estimate(), 50'000);
}
