// AudioDelivery: a bounded queue and one thread calling the sinks.
#include "meeting/audio_delivery.hpp"

#include "core/log.hpp"

namespace roomcast {

AudioDelivery::~AudioDelivery() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (!thread_.joinable()) return;
  // A sink that destroys its own meeting runs on this thread: it cannot join itself.
  if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
  else thread_.join();
}

void AudioDelivery::deliver(std::vector<std::shared_ptr<AudioSink>> sinks, const ReceivedAudioFrame& frame) {
  if (sinks.empty()) return;
  Item item;
  item.sinks = std::move(sinks);
  item.samples.assign(frame.samples.begin(), frame.samples.end());
  item.frame = frame;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (queue_.size() >= kMaxQueued) {
      queue_.pop_front();
      if (dropped_++ % 50 == 0) core::log_warn("audio sinks are over a second behind; dropping their oldest frames");
    }
    queue_.push_back(std::move(item));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
}

uint64_t AudioDelivery::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void AudioDelivery::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, all delivered
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    item.frame.samples = item.samples;
    for (const auto& sink : item.sinks) {
      try {
        sink->on_audio_frame(item.frame);
      } catch (const std::exception& e) {
        core::log_warn("audio sink threw: ", e.what());
      } catch (...) {
        core::log_warn("audio sink threw a non-standard exception");
      }
    }
    item.sinks.clear();  // release outside the lock
    lock.lock();
  }
}

}  // namespace roomcast
