// WorkerPool threads and queue.
#include "core/worker_pool.hpp"

#include <pthread.h>

#include <algorithm>
#include <exception>

#include "core/log.hpp"

namespace roomcast::core {

namespace {
// An extra thread with nothing to do for this long ends.
constexpr auto kExtraIdle = std::chrono::seconds(5);
}  // namespace

WorkerPool::WorkerPool(std::size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < threads; ++i) {
    Worker& worker = workers_.emplace_back();
    worker.thread = std::thread([this, &worker] { run(worker); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.thread.join();  // no thread is added once stopping
}

void WorkerPool::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

bool WorkerPool::unstick(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  reap_done();
  if (stopping_ || jobs_.empty() || extra_threads_ >= kMaxExtraThreads) return false;
  for (const auto& worker : workers_)
    if (!worker.done && (!worker.busy_since || now - *worker.busy_since < kStuckAfter)) return false;
  Worker& worker = workers_.emplace_back();
  worker.extra = true;
  ++extra_threads_;
  worker.thread = std::thread([this, &worker] { run(worker); });
  log_info("workers: every thread is blocked in a job (a track's recv()?); added thread ", workers_.size());
  return true;
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lock(mutex_);
  return std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return !w.done; });
}

uint64_t WorkerPool::jobs_run() const {
  std::lock_guard lock(mutex_);
  return jobs_run_;
}

void WorkerPool::reap_done() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done) {
      it->thread.join();  // it has left run(): returns at once
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void WorkerPool::run(Worker& self) {
  pthread_setname_np(pthread_self(), "roomcast-work");
  std::unique_lock lock(mutex_);
  for (;;) {
    const bool has_work = wake_.wait_for(lock, kExtraIdle, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    if (!has_work) {
      if (!self.extra) continue;
      self.done = true;  // idle extra thread: end (joined by reap_done)
      --extra_threads_;
      return;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    self.busy_since = Clock::now();
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      log_error("worker job threw: ", e.what());
    } catch (...) {
      log_error("worker job threw a non-standard exception");
    }
    job = nullptr;  // release what it captured outside the lock
    lock.lock();
    ++jobs_run_;  // counted once finished: a caller that sees the count sees the job's effects
    self.busy_since.reset();
  }
}

}  // namespace roomcast::core
