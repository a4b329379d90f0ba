// WorkerPool: jobs run; a job blocked in user code does not hold up the others for long.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "core/worker_pool.hpp"

using namespace std::chrono_literals;
using roomcast::core::WorkerPool;

TEST(WorkerPool, RunsEveryJob) {
  std::atomic<int> done{0};
  std::promise<void> all;
  WorkerPool pool(2);
  for (int i = 0; i < 100; ++i)
    pool.post([&] {
      if (++done == 100) all.set_value();
    });
  ASSERT_EQ(all.get_future().wait_for(5s), std::future_status::ready);
  // A job counts once it has returned, a moment after its last statement ran.
  for (int i = 0; i < 5000 && pool.jobs_run() < 100; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(pool.jobs_run(), 100u);
}

TEST(WorkerPool, UnstickAddsAThreadWhileTheOnlyOneIsBlocked) {
  // Declared before the pool: the jobs use them until the pool has joined its threads.
  std::promise<void> release_blocked;
  auto released = release_blocked.get_future().share();
  std::promise<void> blocked_started, other_ran;
  WorkerPool pool(1);
  pool.post([&] {
    blocked_started.set_value();
    released.wait();  // a recv() that blocks
  });
  ASSERT_EQ(blocked_started.get_future().wait_for(5s), std::future_status::ready);
  pool.post([&] { other_ran.set_value(); });
  auto other = other_ran.get_future();
  // Not blocked for long yet: no new thread, the job waits.
  EXPECT_FALSE(pool.unstick(WorkerPool::Clock::now()));
  EXPECT_EQ(other.wait_for(50ms), std::future_status::timeout);
  // Blocked beyond any job's normal length: a thread is added and the waiting job runs.
  EXPECT_TRUE(pool.unstick(WorkerPool::Clock::now() + WorkerPool::kStuckAfter + 1ms));
  EXPECT_EQ(pool.threads(), 2u);
  EXPECT_EQ(other.wait_for(5s), std::future_status::ready);
  // Nothing waits any more: no further thread.
  EXPECT_FALSE(pool.unstick(WorkerPool::Clock::now() + 1s));
  release_blocked.set_value();
}

TEST(WorkerPool, NoThreadAddedWhileOneIsIdle) {
  std::promise<void> release_blocked, blocked_started;  // outlive the pool's threads
  auto released = release_blocked.get_future().share();
  WorkerPool pool(2);
  pool.post([&] {
    blocked_started.set_value();
    released.wait();
  });
  ASSERT_EQ(blocked_started.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(pool.unstick(WorkerPool::Clock::now() + 1s));  // the queue is empty: the idle one takes jobs
  EXPECT_EQ(pool.threads(), 2u);
  release_blocked.set_value();
}
