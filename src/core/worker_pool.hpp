// WorkerPool: a few threads, one per core, that run the process's media jobs (encoding).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace roomcast::core {

/// Encoding hundreds of participants' audio must not run on the network thread, and a
/// thread per participant would cost more in scheduling than the work itself. Jobs run
/// in the order posted; each job catches its own exceptions (one that escapes is logged).
///
/// Jobs call user code (CustomAudioTrack::recv), which may block. So that one blocked
/// track never starves the others, unstick() (called every media tick) adds a thread while
/// jobs wait and every thread has been busy with one job for longer than a job should take;
/// such extra threads end once idle for a few seconds.
class WorkerPool {
 public:
  using Clock = std::chrono::steady_clock;
  /// A job running longer than this is taken as blocked (an encode batch takes ~2 ms).
  static constexpr auto kStuckAfter = std::chrono::milliseconds(20);
  static constexpr std::size_t kMaxExtraThreads = 64;

  /// 0 threads: one per core (at least one).
  explicit WorkerPool(std::size_t threads = 0);
  /// Finishes the jobs already started, drops the rest, joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Thread-safe, never blocks.
  void post(std::function<void()> job);
  /// Thread-safe: adds a thread if jobs wait behind blocked ones (see above). Returns true
  /// when it did.
  bool unstick(Clock::time_point now = Clock::now());
  /// Threads now (the core ones plus extra ones).
  std::size_t threads() const;
  /// Jobs finished so far (for stats and tests).
  uint64_t jobs_run() const;

 private:
  struct Worker {
    std::thread thread;
    std::optional<Clock::time_point> busy_since;  // the job it runs started then
    bool extra = false;
    bool done = false;  // an extra thread that ended; joined by the next unstick or at the end
  };
  void run(Worker& self);
  void reap_done();  // mutex_ held

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  uint64_t jobs_run_ = 0;
  std::size_t extra_threads_ = 0;
  std::list<Worker> workers_;  // stable addresses: each thread holds its own entry
};

}  // namespace roomcast::core
