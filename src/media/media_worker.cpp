// MediaWorker thread loop and source registry.
#include "media/media_worker.hpp"

#include <exception>
#include <utility>

namespace roomcast::media {

MediaWorker::MediaWorker() : thread_([this] { run(); }) {}

MediaWorker::~MediaWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // Sources may outlive us (their owners hold shared_ptrs): cut their link back to us.
  std::unordered_map<FrameSource*, std::shared_ptr<FrameSource>> sources;
  {
    std::lock_guard lock(mutex_);
    sources.swap(sources_);
  }
  for (auto& [raw, source] : sources) {
    source->attach(nullptr);
  }
}

void MediaWorker::add(std::shared_ptr<FrameSource> source) {
  if (!source) {
    return;
  }
  FrameSource* raw = source.get();
  {
    // Registered before attach(): a request from a pop() must find it, or it is lost.
    std::lock_guard lock(mutex_);
    if (!sources_.emplace(raw, source).second) {
      return; // already ours
    }
  }
  try {
    raw->attach(this); // throws if another worker serves it
  } catch (...) {
    std::lock_guard lock(mutex_);
    sources_.erase(raw);
    throw;
  }
  raw->request_fill();
}

void MediaWorker::remove(const std::shared_ptr<FrameSource>& source) {
  if (!source) {
    return;
  }
  {
    std::unique_lock lock(mutex_);
    if (sources_.erase(source.get()) == 0) {
      return;
    }
    idle_.wait(lock, [&] { return busy_ != source.get(); });
  }
  source->attach(nullptr);
  source->fill_requested_.store(false); // so a later add() gets a fill
}

std::size_t MediaWorker::size() const {
  std::lock_guard lock(mutex_);
  return sources_.size();
}

void MediaWorker::request(FrameSource* source) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(source);
  }
  wake_.notify_one();
}

void MediaWorker::run() {
  std::vector<FrameSource*> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (stopping_) {
      return;
    }
    batch.swap(pending_);
    for (FrameSource* raw : batch) {
      if (stopping_) {
        break;
      }
      auto it = sources_.find(raw);
      if (it == sources_.end()) {
        continue; // removed since it asked
      }
      std::shared_ptr<FrameSource> source = it->second;
      busy_ = raw;
      lock.unlock();
      // fill() reports track failures through the source; it does not throw them.
      bool wants_more = false;
      try {
        wants_more = source->fill();
      } catch (const std::exception& e) {
        source->fail(e.what()); // e.g. bad_alloc in the framer; must not kill this thread
      }
      if (wants_more) {
        source->request_fill();
      }
      source.reset(); // a last reference releases the track outside our lock
      lock.lock();
      busy_ = nullptr;
      idle_.notify_all();
    }
    batch.clear();
  }
}

} // namespace roomcast::media
