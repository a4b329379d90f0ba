// RateLimiter: first call passes, then one per interval, measured from the last allowed call.
#include "rtp/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace roomcast::rtp {
namespace {

using namespace std::chrono_literals;

const RateLimiter::Clock::time_point kStart{std::chrono::seconds{50}};

TEST(RateLimiter, OnePerInterval) {
  RateLimiter keyframes(500ms);
  EXPECT_TRUE(keyframes.allow(kStart));
  EXPECT_FALSE(keyframes.allow(kStart + 100ms));
  EXPECT_FALSE(keyframes.allow(kStart + 499ms));
  EXPECT_TRUE(keyframes.allow(kStart + 500ms));
  // Suppressed calls do not push the window: 500 ms after the last allowed one, not the last call.
  EXPECT_FALSE(keyframes.allow(kStart + 900ms));
  EXPECT_TRUE(keyframes.allow(kStart + 1000ms));
  EXPECT_EQ(keyframes.suppressed(), 3u);
}

TEST(RateLimiter, ResetAllowsAtOnce) {
  RateLimiter limiter(1s);
  EXPECT_TRUE(limiter.allow(kStart));
  EXPECT_FALSE(limiter.allow(kStart + 1ms));
  limiter.reset();
  EXPECT_TRUE(limiter.allow(kStart + 2ms));
  EXPECT_EQ(limiter.min_interval(), 1s);
}

} // namespace
} // namespace roomcast::rtp
