// WorkerPool threads and queue.
#include "core/worker_pool.hpp"

#include <exception>

#include "core/log.hpp"

namespace roomcast::core {

WorkerPool::WorkerPool(std::size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void WorkerPool::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

uint64_t WorkerPool::jobs_run() const {
  std::lock_guard lock(mutex_);
  return jobs_run_;
}

void WorkerPool::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    ++jobs_run_;
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
  }
}

}  // namespace roomcast::core
