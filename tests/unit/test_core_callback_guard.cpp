// No exception crosses into C: GLib tasks, timers and media-clock clients that throw are contained.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>

#include "core/callback_guard.hpp"
#include "core/event_loop.hpp"
#include "core/media_clock.hpp"

using namespace roomcast;

TEST(CallbackGuard, HandsTheTextToTheErrorPath) {
  std::string seen;
  core::guard_callback("ice: receive", [] { throw std::runtime_error("boom"); },
                       [&](const std::string& why) { seen = why; });
  EXPECT_EQ(seen, "ice: receive: boom");
  core::guard_callback("janus", [] { throw 42; }, [&](const std::string& why) { seen = why; });
  EXPECT_EQ(seen, "janus: an exception that is not a std::exception");
  // An error path that throws too is still contained.
  core::guard_callback("x", [] { throw 1; }, [](const std::string&) { throw std::runtime_error("again"); });
  bool ran = false;
  core::guard_callback("ok", [&] { ran = true; }, [&](const std::string&) { FAIL() << "no exception"; });
  EXPECT_TRUE(ran);
}

TEST(CallbackGuard, LoopTasksAndTimersThatThrowLeaveTheLoopRunning) {
  core::EventLoop loop;
  loop.post([] { throw 7; });  // not a std::exception: would terminate through g_main_context_dispatch
  loop.post([] { throw std::logic_error("task"); });
  std::promise<int> fired;
  std::unique_ptr<core::Timer> throwing, after;
  int calls = 0;
  loop.call([&] {
    throwing = std::make_unique<core::Timer>(loop.context(), [&] {
      ++calls;
      throw std::runtime_error("timer");
    });
    throwing->arm_in(std::chrono::milliseconds(1));
    after = std::make_unique<core::Timer>(loop.context(), [&] { fired.set_value(calls); });
    after->arm_in(std::chrono::milliseconds(20));
  });
  auto result = fired.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "the loop died";
  EXPECT_EQ(result.get(), 1);
  EXPECT_EQ(loop.call([] { return 5; }), 5);
  loop.call([&] {
    throwing.reset();
    after.reset();
  });
}

namespace {
struct Counting : core::MediaClock::Client {
  int ticks = 0;
  bool throws = false;
  void on_tick(uint64_t, core::MediaClock::Clock::time_point) override {
    ++ticks;
    if (throws) throw std::runtime_error("client failed");
  }
};
}  // namespace

TEST(CallbackGuard, OneMediaClockClientThatThrowsStopsNoOther) {
  core::MediaClock clock(core::MediaClock::Clock::time_point{});
  Counting first, bad, last;
  bad.throws = true;
  clock.add(&first);
  clock.add(&bad);
  clock.add(&last);
  auto now = core::MediaClock::Clock::time_point{} + std::chrono::milliseconds(1);
  for (int i = 0; i < 3; ++i, now += core::MediaClock::kTickDuration) clock.dispatch(now);
  EXPECT_EQ(first.ticks, 3);
  EXPECT_EQ(bad.ticks, 3);
  EXPECT_EQ(last.ticks, 3);
  clock.remove(&bad);  // not left in the middle of a walk
  clock.dispatch(now);
  EXPECT_EQ(last.ticks, 4);
}
