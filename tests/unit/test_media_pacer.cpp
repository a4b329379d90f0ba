// Pacer with injected time: an hour of jittered ticks without drift, bursts, re-anchoring.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "media/pacer.hpp"

namespace roomcast::media {
namespace {

using namespace std::chrono_literals;
using Clock = Pacer::Clock;

const Clock::time_point kStart = Clock::time_point{} + 1000s; // arbitrary epoch

TEST(PacerTest, FirstFrameIsDueAtStartAndNotBefore) {
  Pacer pacer(kStart);
  EXPECT_EQ(pacer.frames_due(kStart - 1ns), 0);
  EXPECT_EQ(pacer.next_deadline(), kStart);
  EXPECT_EQ(pacer.frames_due(kStart), 1);
  pacer.on_sent(1);
  EXPECT_EQ(pacer.next_deadline(), kStart + 20ms);
  EXPECT_EQ(pacer.frames_due(kStart + 19ms), 0);
  EXPECT_EQ(pacer.frames_due(kStart + 20ms), 1);
}

TEST(PacerTest, OneHourOfJitteredWakeupsHasZeroDrift) {
  Pacer pacer(kStart);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> jitter_us(0, 15000); // timer fires 0..15 ms late
  std::uniform_int_distribution<int> hiccup(0, 999);
  const Clock::time_point end = kStart + 1h;
  uint64_t sent = 0;
  uint64_t wakeups = 0;
  while (pacer.next_deadline() < end) {
    Clock::time_point now = pacer.next_deadline() + std::chrono::microseconds(jitter_us(rng));
    if (hiccup(rng) == 0) {
      now += 35ms; // a rare long scheduling delay: two or three frames at once
    }
    if (hiccup(rng) == 1) {
      ASSERT_EQ(pacer.frames_due(pacer.next_deadline() - 1ms), 0); // early wake-up
    }
    const int due = pacer.frames_due(now);
    ASSERT_GE(due, 1);
    ASSERT_LE(due, Pacer::kMaxBurst);
    // Each frame leaves at or after its own deadline, never before.
    ASSERT_GE(now, pacer.next_deadline());
    pacer.on_sent(due);
    sent += static_cast<uint64_t>(due);
    ++wakeups;
  }
  EXPECT_EQ(sent, 180000u);
  EXPECT_EQ(pacer.frames_sent(), 180000u);
  EXPECT_EQ(pacer.next_deadline(), kStart + 180000 * 20ms); // zero drift, to the nanosecond
  EXPECT_EQ(pacer.reanchors(), 0u);
  EXPECT_LT(wakeups, 180000u); // the hiccups sent several frames per wake-up
  EXPECT_GT(pacer.late_frames(), 0u);
  EXPECT_LT(pacer.late_frames(), 1000u);
}

TEST(PacerTest, StallOf150MsCatchesUpInBurstsWithoutReanchor) {
  Pacer pacer(kStart);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(pacer.frames_due(pacer.next_deadline()), 1);
    pacer.on_sent(1);
  }
  // Frame 10 is due at +200 ms; we wake at +350 ms: frames 10..17 are due (8 frames).
  const Clock::time_point now = pacer.next_deadline() + 150ms;
  EXPECT_EQ(pacer.frames_due(now), Pacer::kMaxBurst);
  pacer.on_sent(Pacer::kMaxBurst);
  EXPECT_LT(pacer.next_deadline(), now); // still behind: the caller re-arms immediately
  EXPECT_EQ(pacer.frames_due(now), 3);
  pacer.on_sent(3);
  EXPECT_EQ(pacer.frames_due(now), 0);
  EXPECT_EQ(pacer.next_deadline(), kStart + 18 * 20ms); // back on the original schedule
  EXPECT_EQ(pacer.reanchors(), 0u);
  EXPECT_EQ(pacer.late_frames(), 7u); // lags 150..30 ms; the 10 ms one is not late
  EXPECT_EQ(pacer.frames_sent(), 18u);
}

TEST(PacerTest, StallOf2sReanchorsAndLosesNoFrame) {
  Pacer pacer(kStart);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(pacer.frames_due(pacer.next_deadline()), 1);
    pacer.on_sent(1);
  }
  const Clock::time_point resume = pacer.next_deadline() + 2s;
  EXPECT_EQ(pacer.frames_due(resume), 1); // frame 50 goes now; the schedule moved 2 s later
  EXPECT_EQ(pacer.reanchors(), 1u);
  EXPECT_EQ(pacer.reanchor_delay(), 2s);
  pacer.on_sent(1);
  EXPECT_EQ(pacer.next_deadline(), resume + 20ms);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(pacer.frames_due(pacer.next_deadline() + 3ms), 1);
    pacer.on_sent(1);
  }
  // Every frame index was sent exactly once; the audio is 2 s late, not shorter.
  EXPECT_EQ(pacer.frames_sent(), 151u);
  EXPECT_EQ(pacer.next_deadline(), kStart + 151 * 20ms + 2s);
  EXPECT_EQ(pacer.reanchors(), 1u);
}

TEST(PacerTest, LagJustUnderTheLimitCatchesUpInsteadOfReanchoring) {
  Pacer pacer(kStart);
  const Clock::time_point now = kStart + Pacer::kMaxLag; // frames 0..10 due
  int total = 0;
  for (int due = pacer.frames_due(now); due > 0; due = pacer.frames_due(now)) {
    pacer.on_sent(due);
    total += due;
  }
  EXPECT_EQ(total, 11);
  EXPECT_EQ(pacer.reanchors(), 0u);
}

TEST(PacerTest, RepeatedQueriesWithoutSendingDoNotDoubleCount) {
  Pacer pacer(kStart);
  const Clock::time_point now = kStart + 100ms;
  EXPECT_EQ(pacer.frames_due(now), 5);
  EXPECT_EQ(pacer.frames_due(now), 5);
  EXPECT_EQ(pacer.late_frames(), 5u);  // lags 100, 80, 60, 40, 20 ms
  pacer.on_sent(2);                    // the caller had only two frames
  EXPECT_EQ(pacer.frames_due(now), 4); // frames 2..5; frame 5 is exactly on time
  EXPECT_EQ(pacer.late_frames(), 5u);
}

} // namespace
} // namespace roomcast::media
