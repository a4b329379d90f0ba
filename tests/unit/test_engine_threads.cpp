// The threaded core on real threads (the TSan stage of scripts/test.sh runs these): the worker
// pool under concurrent posters, the engine's shared-encode registry from several threads, and
// readers on the loop thread taking frames that the workers encode.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "core/worker_pool.hpp"
#include "engine/engine.hpp"
#include "media/encoded_track.hpp"
#include "test_media_signal.hpp"

namespace roomcast {
namespace {

using namespace std::chrono_literals;

// Waits (bounded) until done() holds; yields rather than sleeping a fixed time.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(WorkerPool, JobsFromManyThreadsRunExactlyOnce) {
  constexpr int kPosters = 4, kJobs = 2000;
  std::vector<std::atomic<int>> runs(kPosters * kJobs);
  core::WorkerPool pool(3);
  std::vector<std::thread> posters;
  for (int p = 0; p < kPosters; ++p) {
    posters.emplace_back([&, p] {
      for (int j = 0; j < kJobs; ++j) pool.post([&runs, i = p * kJobs + j] { ++runs[i]; });
    });
  }
  for (auto& t : posters) t.join();
  ASSERT_TRUE(eventually([&] { return pool.jobs_run() == kPosters * kJobs; }));
  for (const auto& r : runs) ASSERT_EQ(r.load(), 1);
}

TEST(WorkerPool, DestroyedWithJobsQueuedJoinsAndDropsTheRest) {
  std::atomic<int> ran{0};
  {
    core::WorkerPool pool(2);
    for (int j = 0; j < 10000; ++j) pool.post([&] { ++ran; });
  }  // joins here: a job that started has finished, the queued rest is dropped
  const int after = ran.load();
  EXPECT_LE(after, 10000);
  EXPECT_EQ(ran.load(), after);  // nothing runs once the pool is gone
}

class Tone : public CustomAudioTrack {
 public:
  explicit Tone(std::size_t frames) : pcm_(media::test::sine(441, 48000, frames, 1)) {}
  std::optional<AudioChunk> recv() override {
    if (at_ >= pcm_.size()) return std::nullopt;
    const std::size_t n = std::min<std::size_t>(4800, pcm_.size() - at_);
    auto chunk = AudioChunk::from_float(std::span(pcm_).subspan(at_, n), 48000, 1);
    at_ += n;
    return chunk;
  }

 private:
  std::vector<float> pcm_;
  std::size_t at_ = 0;  // worker side only (FrameSource calls recv() from one job at a time)
};

TEST(Engine, ThreeMeetingsShareOneEncodeReadOnTheLoopWhileWorkersEncode) {
  auto engine = engine::Engine::acquire();
  ASSERT_EQ(engine, engine::Engine::acquire());  // one per process
  auto track = std::make_shared<Tone>(48000 * 2);  // 2 s: 100 frames
  const media::EncoderSettings settings;

  // Three "meetings" ask for the encode at once, from three threads.
  std::vector<std::shared_ptr<media::EncodedTrack>> encodes(3);
  std::vector<std::thread> askers;
  for (int i = 0; i < 3; ++i)
    askers.emplace_back([&, i] { encodes[i] = engine->encoded_track(track, settings); });
  for (auto& t : askers) t.join();
  ASSERT_TRUE(encodes[0]);
  EXPECT_EQ(encodes[0], encodes[1]);
  EXPECT_EQ(encodes[0], encodes[2]);
  // Other settings still share it: two encodes pulling one track would each get a fraction.
  media::EncoderSettings stereo;
  stereo.channels = 2;
  stereo.bitrate_bps = 96000;
  EXPECT_EQ(engine->encoded_track(track, stereo), encodes[0]);
  EXPECT_EQ(encodes[0]->settings(), settings);

  // Readers live on the loop thread, as the senders do; the workers produce meanwhile.
  std::vector<std::unique_ptr<media::EncodedTrack::Reader>> readers;
  engine->loop().call([&] {
    for (int i = 0; i < 3; ++i) readers.push_back(encodes[i]->open_reader());
  });
  std::vector<uint64_t> frames(3, 0);
  std::vector<media::EncodedTrack::Status> ends(3, media::EncodedTrack::Status::Underrun);
  const bool all_ended = eventually([&] {
    return engine->loop().call([&] {
      bool done = true;
      for (int i = 0; i < 3; ++i) {
        std::shared_ptr<const media::EncodedFrame> frame;
        for (;;) {
          const auto status = readers[i]->next(frame);
          if (status != media::EncodedTrack::Status::Frame) {
            ends[i] = status;
            break;
          }
          readers[i]->report_loss(i * 0.05);  // steers adaptive FEC from the loop thread
          ++frames[i];
        }
        done = done && ends[i] != media::EncodedTrack::Status::Underrun;
      }
      return done;
    });
  });
  ASSERT_TRUE(all_ended) << frames[0] << " " << frames[1] << " " << frames[2];
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ends[i], media::EncodedTrack::Status::Ended);
    EXPECT_EQ(frames[i], 100u);
  }
  engine->loop().call([&] { readers.clear(); });
  encodes.clear();
  engine.reset();  // the last holder: stops the clock, the workers and the loop
}

}  // namespace
}  // namespace roomcast
