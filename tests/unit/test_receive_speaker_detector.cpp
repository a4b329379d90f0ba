// SpeakerDetector: dominant speaker changes with the documented hold times, and no flapping.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "media/audio_frame.hpp"
#include "receive/speaker_detector.hpp"

namespace roomcast::receive {
using namespace roomcast::media;  // frames and test signals of the send side
namespace {

// One 20 ms frame of a 440 Hz tone at `amplitude` (1 = full scale), phase continuous by tick.
std::vector<int16_t> tone(double amplitude, int tick) {
  std::vector<int16_t> out(kFrameSamples);
  for (int i = 0; i < kFrameSamples; ++i) {
    const double t = static_cast<double>(tick * kFrameSamples + i) / kSampleRateHz;
    out[i] = static_cast<int16_t>(
        std::lround(amplitude * 32767.0 * std::sin(2 * std::numbers::pi * 440 * t)));
  }
  return out;
}

using Change = std::pair<int, std::optional<std::string>>;

TEST(ReceiveSpeakerDetector, FrameLevelIsRmsDbfs) {
  EXPECT_NEAR(SpeakerDetector::frame_dbfs(std::vector<int16_t>(kFrameSamples, 32767)), 0.0, 0.01);
  EXPECT_NEAR(SpeakerDetector::frame_dbfs(tone(0.5, 0)), -9.03, 0.05); // 0.5 / sqrt(2)
  EXPECT_EQ(SpeakerDetector::frame_dbfs(std::vector<int16_t>(kFrameSamples, 0)),
            SpeakerDetector::kFloorDbfs);
  EXPECT_EQ(SpeakerDetector::frame_dbfs({}), SpeakerDetector::kFloorDbfs);
}

TEST(ReceiveSpeakerDetector, LoudThenSilentThenOtherSpeaker) {
  SpeakerDetector detector;
  std::vector<Change> changes;
  for (int tick = 0; tick < 200; ++tick) {
    detector.feed("A", tone(tick < 50 ? 0.5 : 0.0, tick));
    detector.feed("B", tone(tick >= 100 ? 0.5 : 0.0, tick)); // fed silence until it speaks
    if (auto change = detector.end_tick()) {
      changes.emplace_back(tick, *change);
    }
  }
  ASSERT_EQ(changes.size(), 3u);
  // A is active from its first frame (a new stream starts at its own level): 10 ticks.
  EXPECT_EQ(changes[0], Change(9, "A"));
  // A's smoothed level needs a few ticks to fall below -45 dBFS, then 20 silent ticks.
  EXPECT_FALSE(changes[1].second);
  EXPECT_GE(changes[1].first, 50 + 19);
  EXPECT_LE(changes[1].first, 50 + 19 + 5);
  // B rises from the silence floor within ~100 ms, then needs 10 ticks as loudest.
  EXPECT_EQ(changes[2].second, "B");
  EXPECT_GE(changes[2].first, 100 + 9);
  EXPECT_LE(changes[2].first, 100 + 9 + 6);
  EXPECT_EQ(detector.dominant(), "B");
}

TEST(ReceiveSpeakerDetector, SimilarLevelsDoNotFlapButAClearlyLouderSpeakerTakesOver) {
  SpeakerDetector detector;
  std::vector<Change> changes;
  const double a = 0.3;
  int b_louder_ticks = 0; // while the levels are similar
  int b_run = 0;          // consecutive ticks with B's level above A's
  int longest_b_run = 0;  // during the similar phase
  int b_run_start = -1;
  for (int tick = 0; tick < 260; ++tick) {
    double b = a / 1.1; // quieter at first, so A is chosen
    if (tick >= 10 && tick < 210) {
      b = (tick / 4) % 2 == 0 ? a * 1.1 : a / 1.1; // +-0.8 dB around A, 80 ms each
    } else if (tick >= 210) {
      b = a * 1.5; // +3.5 dB for good
    }
    detector.feed("A", tone(a, tick));
    detector.feed("B", tone(b, tick));
    if (auto change = detector.end_tick()) {
      changes.emplace_back(tick, *change);
    }
    if (*detector.level_dbfs("B") > *detector.level_dbfs("A")) {
      if (b_run++ == 0) {
        b_run_start = tick;
      }
      if (tick < 210) {
        ++b_louder_ticks;
        longest_b_run = std::max(longest_b_run, b_run);
      }
    } else {
      b_run = 0;
    }
  }
  // The loudest stream really does alternate while the levels are similar...
  EXPECT_GT(b_louder_ticks, 40);
  EXPECT_LT(b_louder_ticks, 160);
  EXPECT_LT(longest_b_run, 10);
  // ...and the hold time keeps A until B has been loudest for 10 ticks in a row.
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0], Change(9, "A"));
  EXPECT_EQ(changes[1].second, "B");
  EXPECT_GE(b_run_start, 200);
  EXPECT_EQ(changes[1].first, b_run_start + 9);
}

TEST(ReceiveSpeakerDetector, UnfedStreamIsForgottenAndRemovedSpeakerEndsAtOnce) {
  SpeakerDetector detector;
  std::vector<Change> changes;
  for (int tick = 0; tick < 100; ++tick) {
    if (tick < 20 || (tick >= 60 && tick < 80)) {
      detector.feed("A", tone(0.5, tick)); // A's jitter buffer idles between 20 and 60
    }
    detector.feed("B", tone(0.0, tick));
    if (tick == 80) {
      detector.remove("A"); // A left the room while dominant
    }
    if (auto change = detector.end_tick()) {
      changes.emplace_back(tick, *change);
    }
    if (tick == 20) {
      EXPECT_FALSE(detector.level_dbfs("A"));
    }
  }
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0], Change(9, "A"));
  EXPECT_EQ(changes[1], Change(20 + 19, std::nullopt)); // 20 ticks with nobody active
  EXPECT_EQ(changes[2], Change(60 + 9, "A"));
  EXPECT_EQ(changes[3], Change(80, std::nullopt));
}

TEST(ReceiveSpeakerDetector, QuietStreamIsNeverDominant) {
  SpeakerDetector detector;
  for (int tick = 0; tick < 100; ++tick) {
    detector.feed("A", tone(0.005, tick)); // about -49 dBFS: below the -45 dBFS threshold
    EXPECT_FALSE(detector.end_tick());
  }
  EXPECT_FALSE(detector.dominant());
}

} // namespace
} // namespace roomcast::receive
