// AudioDelivery: received audio handed to the user's sinks on a thread of the meeting's own.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "roomcast/events.hpp"

namespace roomcast {

/// The receive tick runs on the network thread that every participant of the process
/// shares; a sink that blocks there (writing to a slow disk, a Python callback waiting for
/// the GIL) would make everyone late. So frames are copied into a queue and a thread per
/// meeting calls the sinks: a slow sink delays only its own meeting's sinks. When a sink
/// falls a second behind, the oldest frames are dropped (counted) rather than piling up.
class AudioDelivery {
 public:
  static constexpr std::size_t kMaxQueued = 50;  // 1 s of 20 ms frames

  AudioDelivery() = default;
  /// Delivers what is queued, then joins the thread.
  ~AudioDelivery();
  AudioDelivery(const AudioDelivery&) = delete;
  AudioDelivery& operator=(const AudioDelivery&) = delete;

  /// Queues `frame` (copied) for `sinks`; never blocks. Any thread.
  void deliver(std::vector<std::shared_ptr<AudioSink>> sinks, const ReceivedAudioFrame& frame);
  /// Frames dropped because the sinks were too slow.
  uint64_t dropped() const;

 private:
  struct Item {
    std::vector<std::shared_ptr<AudioSink>> sinks;
    std::vector<int16_t> samples;
    ReceivedAudioFrame frame;  // samples re-pointed at the copy when delivered
  };
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  uint64_t dropped_ = 0;
  std::thread thread_;  // started with the first frame
};

}  // namespace roomcast
