// AudioDelivery: sinks get exact copies in order, off the caller's thread; a slow sink
// never blocks the caller and loses its oldest frames beyond a second.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "meeting/audio_delivery.hpp"

using namespace std::chrono_literals;
using roomcast::AudioDelivery;
using roomcast::AudioSink;
using roomcast::ReceivedAudioFrame;

namespace {
struct Recording : AudioSink {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<uint64_t> timestamps;
  std::vector<int16_t> first_samples;
  std::thread::id thread;
  std::shared_future<void> gate;  // when set, the first frame waits for it
  std::promise<void> stuck;       // set once the first frame waits at the gate
  void on_audio_frame(const ReceivedAudioFrame& frame) override {
    if (gate.valid() && timestamps.empty()) {
      stuck.set_value();
      gate.wait();
    }
    std::lock_guard lock(mutex);
    thread = std::this_thread::get_id();
    timestamps.push_back(frame.timestamp_samples);
    first_samples.push_back(frame.samples[0]);
    changed.notify_all();
  }
  bool wait_for_count(size_t n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 5s, [&] { return timestamps.size() >= n; });
  }
};

void deliver(AudioDelivery& delivery, std::shared_ptr<Recording> sink, uint64_t index) {
  std::vector<int16_t> samples(960, static_cast<int16_t>(index));
  ReceivedAudioFrame frame;
  frame.samples = samples;
  frame.timestamp_samples = index * 960;
  delivery.deliver({sink}, frame);  // copies: `samples` dies right after
}
}  // namespace

TEST(AudioDelivery, CopiesInOrderOnItsOwnThread) {
  auto sink = std::make_shared<Recording>();
  {
    AudioDelivery delivery;
    for (uint64_t i = 0; i < 20; ++i) deliver(delivery, sink, i);
    ASSERT_TRUE(sink->wait_for_count(20));
  }
  for (uint64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(sink->timestamps[i], i * 960);
    EXPECT_EQ(sink->first_samples[i], static_cast<int16_t>(i));
  }
  EXPECT_NE(sink->thread, std::this_thread::get_id());
}

TEST(AudioDelivery, ABlockedSinkNeitherBlocksTheCallerNorQueuesMoreThanASecond) {
  auto sink = std::make_shared<Recording>();
  std::promise<void> open_gate;
  sink->gate = open_gate.get_future().share();
  AudioDelivery delivery;
  deliver(delivery, sink, 0);
  ASSERT_EQ(sink->stuck.get_future().wait_for(5s), std::future_status::ready);
  // 4 s of frames while the sink is stuck: a deliver() that waited for the sink would never
  // return (the gate opens after the loop), and ctest's timeout would fail the test.
  for (uint64_t i = 1; i < 200; ++i) deliver(delivery, sink, i);
  EXPECT_EQ(delivery.dropped(), 199u - AudioDelivery::kMaxQueued);
  open_gate.set_value();
  ASSERT_TRUE(sink->wait_for_count(1 + AudioDelivery::kMaxQueued));
  // After the stuck first frame: the newest second, in order, ending with the last frame.
  std::lock_guard lock(sink->mutex);
  EXPECT_EQ(sink->timestamps.back(), 199u * 960);
  for (size_t i = 2; i < sink->timestamps.size(); ++i) EXPECT_EQ(sink->timestamps[i], sink->timestamps[i - 1] + 960);
}
