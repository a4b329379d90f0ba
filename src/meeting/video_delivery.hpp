// VideoDelivery: received VP8 and H.264 frames decoded and handed to the user's sinks on a thread of the
// meeting's own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "meeting/participant_state.hpp"
#include "receive/picture_decoder.hpp"

namespace roomcast {

/// One received video stream as the delivery thread sees it.
struct VideoDecodeTarget {
  std::shared_ptr<detail::StreamState> stream;
  std::shared_ptr<detail::ParticipantState> participant;
  /// A frame could not be decoded (or was dropped): the owner asks for a keyframe. Called on
  /// the delivery thread; the owner posts to its loop.
  std::function<void()> on_undecodable;
  /// Set when a frame of the stream was dropped: skip frames until the next keyframe.
  std::atomic<bool> resync{false};
  // Delivery thread only, made with the first frame (again if the stream changes codec).
  std::unique_ptr<receive::PictureDecoder> decoder;
  VideoCodec decoder_codec = VideoCodec::vp8;
};

/// Decoding is not for the network thread every participant of the process shares (a 640x360
/// frame is about a millisecond), and sinks may block: one thread per meeting decodes and
/// calls the sinks, so a slow sink or decode delays only this meeting's video. When more than
/// kMaxQueued frames wait, the oldest is dropped and its stream resynchronises on a keyframe.
class VideoDelivery {
 public:
  static constexpr std::size_t kMaxQueued = 60;  // 2 s of one 30 fps stream

  VideoDelivery() = default;
  /// Decodes and delivers what is queued, then joins the thread.
  ~VideoDelivery();
  VideoDelivery(const VideoDelivery&) = delete;
  VideoDelivery& operator=(const VideoDelivery&) = delete;

  /// Queues one complete frame of `codec` for `target`; never blocks. Any thread.
  void deliver(std::shared_ptr<VideoDecodeTarget> target, VideoCodec codec, std::vector<uint8_t> frame,
               bool keyframe, std::chrono::microseconds timestamp);
  uint64_t dropped() const;

 private:
  struct Item {
    std::shared_ptr<VideoDecodeTarget> target;
    VideoCodec codec = VideoCodec::vp8;
    std::vector<uint8_t> frame;
    bool keyframe = false;
    std::chrono::microseconds timestamp{0};
  };
  void run();
  static void decode_and_deliver(Item& item);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  uint64_t dropped_ = 0;
  std::thread thread_;  // started with the first frame
};

}  // namespace roomcast
