// WorkerPool: a few threads, one per core, that run the process's media jobs (encoding).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace roomcast::core {

/// Encoding hundreds of participants' audio must not run on the network thread, and a
/// thread per participant would cost more in scheduling than the work itself. Jobs run
/// in the order posted; each job catches its own exceptions (one that escapes is logged).
class WorkerPool {
 public:
  /// 0 threads: one per core (at least one).
  explicit WorkerPool(std::size_t threads = 0);
  /// Finishes the jobs already started, drops the rest, joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Thread-safe, never blocks.
  void post(std::function<void()> job);
  std::size_t threads() const { return threads_.size(); }
  /// Jobs run so far (for stats and tests).
  uint64_t jobs_run() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  uint64_t jobs_run_ = 0;
  std::vector<std::thread> threads_;  // last: started once the members above exist
};

}  // namespace roomcast::core
