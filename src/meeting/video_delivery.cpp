// VideoDelivery: a bounded queue and one thread decoding VP8 or H.264 and calling the video sinks.
#include "meeting/video_delivery.hpp"

#include "core/log.hpp"

namespace roomcast {

VideoDelivery::~VideoDelivery() {
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

void VideoDelivery::deliver(std::shared_ptr<VideoDecodeTarget> target, VideoCodec codec, std::vector<uint8_t> frame,
                            bool keyframe, std::chrono::microseconds timestamp) {
  if (!target || frame.empty()) return;
  Item item{std::move(target), codec, std::move(frame), keyframe, timestamp};
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (queue_.size() >= kMaxQueued) {
      queue_.front().target->resync = true;
      queue_.pop_front();
      if (dropped_++ % 30 == 0) core::log_warn("video sinks are behind; dropping their oldest frames");
    }
    queue_.push_back(std::move(item));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
}

uint64_t VideoDelivery::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void VideoDelivery::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, all delivered
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    decode_and_deliver(item);
    item = Item{};  // release outside the lock
    lock.lock();
  }
}

void VideoDelivery::decode_and_deliver(Item& item) {
  VideoDecodeTarget& target = *item.target;
  const auto undecodable = [&] {
    if (!target.on_undecodable) return;
    try {
      target.on_undecodable();
    } catch (const std::exception& e) {
      core::log_warn("video: asking for a keyframe failed: ", e.what());
    }
  };
  if (target.resync) {
    if (!item.keyframe) return undecodable();
    target.resync = false;
  }
  std::optional<media::I420Frame> picture;
  try {
    if (!target.decoder || target.decoder_codec != item.codec) {
      target.decoder = receive::make_picture_decoder(item.codec);
      target.decoder_codec = item.codec;
    }
    picture = target.decoder->decode(item.frame, item.timestamp);
  } catch (const std::exception& e) {
    core::log_warn("video of participant ", target.stream->participant_id, ": ", e.what());
  }
  if (!picture) return undecodable();

  auto shared = std::make_shared<const media::I420Frame>(std::move(*picture));
  if (target.participant) {
    std::lock_guard lock(target.participant->mutex);
    target.participant->latest_picture = shared;
  }
  const auto sinks = target.stream->video_sinks_now();
  if (sinks.empty()) return;
  std::vector<uint8_t> packed;
  packed.reserve(shared->y.size() + shared->u.size() + shared->v.size());
  packed.insert(packed.end(), shared->y.begin(), shared->y.end());
  packed.insert(packed.end(), shared->u.begin(), shared->u.end());
  packed.insert(packed.end(), shared->v.begin(), shared->v.end());
  ReceivedVideoFrame frame;
  frame.data = packed;
  frame.width = shared->width;
  frame.height = shared->height;
  frame.timestamp = shared->timestamp;
  frame.participant_id = target.stream->participant_id;
  for (const auto& sink : sinks) {
    try {
      sink->on_video_frame(frame);
    } catch (const std::exception& e) {
      core::log_warn("video sink threw: ", e.what());
    } catch (...) {
      core::log_warn("video sink threw a non-standard exception");
    }
  }
}

}  // namespace roomcast
