// MediaClock + FrameSchedule with injected time: a thousand senders through an hour, exactly.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "core/media_clock.hpp"
#include "media/frame_schedule.hpp"

namespace roomcast::core {
namespace {

using Clock = MediaClock::Clock;
using namespace std::chrono_literals;

// What peer::AudioSender does on a tick, without the network: send what is due.
struct CountingSender : MediaClock::Client {
  void on_tick(uint64_t tick, Clock::time_point) override {
    ++ticks_seen;
    if (!schedule) schedule.emplace(tick), first_tick = tick;
    const int due = schedule->frames_due(tick);
    const int sent = ready_limit ? std::min(due, *ready_limit) : due;
    schedule->on_sent(sent);
  }
  std::optional<media::FrameSchedule> schedule;
  std::optional<int> ready_limit;  // frames the track has ready per tick (nullopt: all)
  uint64_t first_tick = 0;
  uint64_t ticks_seen = 0;
};

TEST(MediaClock, AThousandSendersThroughAnHourSendEveryFrameOnTimeWithOneWakeUpPerTick) {
  const Clock::time_point origin{};  // injected: no real time passes
  MediaClock clock(origin);
  std::vector<std::unique_ptr<CountingSender>> senders;
  constexpr uint64_t kHourTicks = 3600 * 50;
  std::mt19937 random(7);
  std::uniform_int_distribution<int> wake_jitter_us(0, 5000);  // timer slack within a tick
  Clock::time_point now = origin;
  uint64_t wakeups = 0;
  while (clock.tick_at(now) < kHourTicks) {
    // Senders join during the first second, at different phases of the grid.
    if (senders.size() < 1000 && clock.tick_at(now) < 50)
      for (int i = 0; i < 20; ++i) senders.push_back(std::make_unique<CountingSender>()), clock.add(senders.back().get());
    const auto next = clock.dispatch(now);
    ++wakeups;
    now = next + std::chrono::microseconds(wake_jitter_us(random));
  }
  const uint64_t last_tick = kHourTicks - 1;
  EXPECT_EQ(wakeups, kHourTicks) << "one wake-up per 20 ms for the whole process";
  EXPECT_EQ(clock.dispatches(), kHourTicks);
  EXPECT_EQ(clock.missed_ticks(), 0u);
  ASSERT_EQ(senders.size(), 1000u);
  for (const auto& s : senders) {
    ASSERT_TRUE(s->schedule);
    // Exactly one frame per tick since it started: no drift, none lost, none extra.
    ASSERT_EQ(s->schedule->frames_sent(), last_tick - s->first_tick + 1);
    ASSERT_EQ(s->schedule->late_frames(), 0u);
    ASSERT_EQ(s->schedule->reanchors(), 0u);
    ASSERT_EQ(s->ticks_seen, last_tick - s->first_tick + 1);
  }
}

TEST(MediaClock, ALateWakeUpIsCaughtUpInABurstAndCountedLateNotDropped) {
  const Clock::time_point origin{};
  MediaClock clock(origin);
  CountingSender sender;
  clock.add(&sender);
  Clock::time_point now = origin;
  for (int i = 0; i < 10; ++i) now = clock.dispatch(now);  // ticks 0..9 on time
  now += 60ms;                                             // the loop was busy: ticks 10..12 pass unseen
  now = clock.dispatch(now);                               // tick 13: frames 10..13 due
  EXPECT_EQ(clock.missed_ticks(), 3u);
  EXPECT_EQ(sender.schedule->frames_sent(), 14u) << "the missed frames go out now";
  EXPECT_EQ(sender.schedule->late_frames(), 3u);
  for (int i = 0; i < 10; ++i) now = clock.dispatch(now);
  EXPECT_EQ(sender.schedule->frames_sent(), 24u);
  EXPECT_EQ(sender.schedule->late_frames(), 3u);
}

TEST(MediaClock, AStallBeyond200MsMovesTheScheduleInsteadOfFlooding) {
  const Clock::time_point origin{};
  MediaClock clock(origin);
  CountingSender sender;
  clock.add(&sender);
  Clock::time_point now = clock.dispatch(origin);  // frame 0 at tick 0
  now += 1s;                                       // stalled for 50 ticks
  now = clock.dispatch(now);
  EXPECT_EQ(sender.schedule->reanchors(), 1u);
  EXPECT_EQ(sender.schedule->frames_sent(), 2u) << "one frame now, not 50 at once: delayed, never dropped";
  for (int i = 0; i < 5; ++i) now = clock.dispatch(now);
  EXPECT_EQ(sender.schedule->frames_sent(), 7u);
}

TEST(MediaClock, AnUnderrunKeepsTheFrameDueAndBurstsAreCapped) {
  const Clock::time_point origin{};
  MediaClock clock(origin);
  CountingSender sender;
  sender.ready_limit = 0;  // the track has nothing yet
  clock.add(&sender);
  Clock::time_point now = origin;
  for (int i = 0; i < 8; ++i) now = clock.dispatch(now);
  EXPECT_EQ(sender.schedule->frames_sent(), 0u);
  sender.ready_limit.reset();
  now = clock.dispatch(now);  // 9 due: at most kMaxBurst now
  EXPECT_EQ(sender.schedule->frames_sent(), static_cast<uint64_t>(media::FrameSchedule::kMaxBurst));
  now = clock.dispatch(now);
  EXPECT_EQ(sender.schedule->frames_sent(), 10u) << "caught up: every frame sent, in order";
}

TEST(MediaClock, ClientsMayRemoveThemselvesAndOthersDuringATick) {
  const Clock::time_point origin{};
  MediaClock clock(origin);
  struct Remover : MediaClock::Client {
    MediaClock* clock = nullptr;
    MediaClock::Client* victim = nullptr;
    int ticks = 0;
    void on_tick(uint64_t, Clock::time_point) override {
      ++ticks;
      clock->remove(this);
      if (victim) clock->remove(victim);
    }
  };
  CountingSender other;
  Remover remover;
  remover.clock = &clock;
  remover.victim = &other;
  clock.add(&remover);
  clock.add(&other);
  auto now = clock.dispatch(origin);
  EXPECT_EQ(remover.ticks, 1);
  EXPECT_EQ(other.ticks_seen, 0u) << "removed before its turn in the same walk";
  EXPECT_TRUE(clock.empty());
  clock.dispatch(now);
  EXPECT_EQ(remover.ticks, 1);
}

TEST(MediaClock, EarlyWakeUpsDoNotDispatchATickTwice) {
  const Clock::time_point origin{};
  MediaClock clock(origin);
  CountingSender sender;
  clock.add(&sender);
  auto next = clock.dispatch(origin + 3ms);
  EXPECT_EQ(next, origin + 20ms);
  EXPECT_EQ(clock.dispatch(origin + 19ms), origin + 20ms);
  EXPECT_EQ(sender.ticks_seen, 1u);
  EXPECT_EQ(clock.dispatches(), 1u);
}

}  // namespace
}  // namespace roomcast::core
