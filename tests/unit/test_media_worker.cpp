// FrameSource + MediaWorker: tracks are pulled on the worker, frames popped without blocking.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "media/frame_source.hpp"
#include "media/media_worker.hpp"
#include "roomcast/error.hpp"
#include "test_media_signal.hpp"

namespace roomcast::media {
namespace {

using Status = FrameSource::Status;
using namespace std::chrono_literals;

// 48 kHz mono S16 counting pattern in irregular chunks: output must match bit for bit.
class PatternTrack : public CustomAudioTrack {
public:
  explicit PatternTrack(std::size_t total, std::size_t chunk = 1234)
      : total_(total), chunk_(chunk) {}
  std::optional<AudioChunk> recv() override {
    ++calls_;
    if (at_ >= total_) {
      return std::nullopt;
    }
    const std::size_t n = std::min(chunk_, total_ - at_);
    std::vector<int16_t> samples(n);
    for (std::size_t i = 0; i < n; ++i) {
      samples[i] = value(at_ + i);
    }
    at_ += n;
    return AudioChunk::from_s16(samples, 48000, 1);
  }
  std::string description() const override { return "pattern"; }
  static int16_t value(std::size_t i) { return static_cast<int16_t>(i % 20011 - 10000); }
  std::atomic<int> calls_{0};

private:
  std::size_t total_;
  std::size_t chunk_;
  std::size_t at_ = 0;
};

// 441 Hz at 44.1 kHz stereo float, in 1152-frame chunks (MP3-sized).
class SineTrack : public CustomAudioTrack {
public:
  explicit SineTrack(std::size_t frames) : pcm_(test::sine(441, 44100, frames, 2)) {}
  std::optional<AudioChunk> recv() override {
    if (at_ >= pcm_.size()) {
      return std::nullopt;
    }
    const std::size_t n = std::min<std::size_t>(1152 * 2, pcm_.size() - at_);
    AudioChunk chunk = AudioChunk::from_float(std::span(pcm_).subspan(at_, n), 44100, 2);
    at_ += n;
    return chunk;
  }

private:
  std::vector<float> pcm_;
  std::size_t at_ = 0;
};

class ThrowingTrack : public CustomAudioTrack {
public:
  std::optional<AudioChunk> recv() override {
    if (++calls_ > 2) {
      throw std::runtime_error("disk on fire");
    }
    return AudioChunk::from_s16(std::vector<int16_t>(1500, 100), 48000, 1);
  }
  std::string description() const override { return "flaky"; }

private:
  int calls_ = 0;
};

// Endless silence; counts recv() calls.
class EndlessTrack : public CustomAudioTrack {
public:
  std::optional<AudioChunk> recv() override {
    ++calls;
    return AudioChunk::from_s16(std::vector<int16_t>(480, 1), 48000, 1);
  }
  std::atomic<int> calls{0};
};

struct Drained {
  std::vector<AudioFrame> frames;
  Status end = Status::Underrun;
  std::string error;
};

// Pops until Ended or Failed, as a network thread would (without a pacer: as fast as
// frames come). Underruns are expected while the worker catches up; the deadline
// only guards against a hang.
Drained drain(FrameSource& source) {
  Drained out;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    FrameSource::PopResult result = source.pop();
    if (result.status == Status::Frame) {
      out.frames.push_back(result.frame);
    } else if (result.status == Status::Underrun) {
      std::this_thread::yield();
    } else {
      out.end = result.status;
      out.error = result.error;
      return out;
    }
  }
  ADD_FAILURE() << "source did not finish in time";
  return out;
}

void expect_continuous(const std::vector<AudioFrame>& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_EQ(frames[i].first_sample, i * kFrameSamples);
    if (i + 1 < frames.size()) {
      ASSERT_EQ(frames[i].valid_samples, kFrameSamples);
    }
  }
}

TEST(MediaWorkerTest, TwoSourcesWithDifferentTracksDeliverEveryFrame) {
  const std::size_t pattern_total = 48000 + 500;
  auto pattern_track = std::make_shared<PatternTrack>(pattern_total);
  auto pattern = std::make_shared<FrameSource>(pattern_track);
  auto sine = std::make_shared<FrameSource>(std::make_shared<SineTrack>(44100));
  MediaWorker worker;
  worker.add(pattern);
  worker.add(sine);
  EXPECT_EQ(worker.size(), 2u);

  Drained a;
  Drained b;
  std::thread other([&] { b = drain(*sine); }); // two network threads at once
  a = drain(*pattern);
  other.join();

  ASSERT_EQ(a.end, Status::Ended) << a.error;
  expect_continuous(a.frames);
  ASSERT_EQ(a.frames.size(), 51u); // 50 full frames + 500 samples padded
  EXPECT_EQ(a.frames.back().valid_samples, 500);
  std::size_t i = 0;
  for (const AudioFrame& frame : a.frames) {
    for (int s = 0; s < kFrameSamples; ++s, ++i) {
      const int16_t expected = i < pattern_total ? PatternTrack::value(i) : 0;
      ASSERT_EQ(frame.samples[s], expected) << "sample " << i;
    }
  }
  EXPECT_EQ(pattern->frames_delivered(), 51u);
  EXPECT_EQ(pattern->position(), 1010ms);
  EXPECT_EQ(pattern->pop().status, Status::Ended); // and stays ended
  EXPECT_LE(pattern_track->calls_.load(), 41 + 1); // ceil(48500/1234) chunks + end: no extra

  ASSERT_EQ(b.end, Status::Ended) << b.error;
  expect_continuous(b.frames);
  std::vector<int16_t> pcm;
  for (const AudioFrame& frame : b.frames) {
    pcm.insert(pcm.end(), frame.samples.begin(), frame.samples.begin() + frame.valid_samples);
  }
  EXPECT_NEAR(static_cast<double>(pcm.size()), 48000.0, 2.0);
  EXPECT_NEAR(test::dominant_frequency(pcm, kSampleRateHz), 441.0, 1.0);
  EXPECT_EQ(sine->position(), std::chrono::milliseconds(pcm.size() * 1000 / 48000));
}

TEST(MediaWorkerTest, ThrowingTrackFailsWithItsMessageAfterItsGoodFrames) {
  auto source = std::make_shared<FrameSource>(std::make_shared<ThrowingTrack>());
  MediaWorker worker;
  worker.add(source);
  const Drained d = drain(*source);
  ASSERT_EQ(d.end, Status::Failed);
  EXPECT_EQ(d.error, "audio track 'flaky' failed: disk on fire");
  EXPECT_EQ(d.frames.size(), 3u); // 3000 samples: 3 whole frames; the 120 left never complete
  EXPECT_EQ(source->pop().status, Status::Failed);
}

TEST(MediaWorkerTest, FillsToTargetAheadAndNoFurther) {
  auto track = std::make_shared<EndlessTrack>();
  auto source = std::make_shared<FrameSource>(track);
  // Without a worker nothing is pulled: pop() never calls the track itself.
  EXPECT_EQ(source->pop().status, Status::Underrun);
  EXPECT_EQ(track->calls.load(), 0);
  EXPECT_EQ(source->underruns(), 1u);
  // fill() is what the worker runs: it stops at the target.
  EXPECT_FALSE(source->fill());
  EXPECT_EQ(source->frames_ready(), FrameSource::kDefaultTargetFrames);
  EXPECT_EQ(track->calls.load(), 20); // 10 frames of 960 from 480-sample chunks
  EXPECT_FALSE(source->fill());
  EXPECT_EQ(track->calls.load(), 20); // already full
  EXPECT_EQ(source->pop().status, Status::Frame);
  EXPECT_FALSE(source->fill());
  EXPECT_EQ(track->calls.load(), 22);
}

TEST(MediaWorkerTest, RemovedSourceIsNotPulledAgain) {
  auto track = std::make_shared<EndlessTrack>();
  auto source = std::make_shared<FrameSource>(track);
  MediaWorker worker;
  worker.add(source);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (source->frames_ready() < source->target_frames() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(source->frames_ready(), source->target_frames());
  worker.remove(source);
  EXPECT_EQ(worker.size(), 0u);
  const int calls = track->calls.load();
  for (std::size_t i = 0; i < source->target_frames(); ++i) {
    EXPECT_EQ(source->pop().status, Status::Frame);
  }
  EXPECT_EQ(source->pop().status, Status::Underrun);
  EXPECT_EQ(track->calls.load(), calls);
  // It can be served again, by the same or another worker.
  MediaWorker second;
  second.add(source);
  EXPECT_THROW(worker.add(source), Error); // one worker per source
  std::vector<AudioFrame> resumed;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (resumed.size() < 20 && std::chrono::steady_clock::now() < until) {
    FrameSource::PopResult r = source->pop();
    if (r.status == Status::Frame) {
      resumed.push_back(r.frame);
    } else {
      std::this_thread::yield();
    }
  }
  ASSERT_EQ(resumed.size(), 20u);
  EXPECT_EQ(resumed.front().first_sample, 10u * kFrameSamples); // continues, no gap
}

TEST(MediaWorkerTest, OneWorkerServesManySources) {
  MediaWorker worker;
  std::vector<std::shared_ptr<FrameSource>> sources;
  for (int i = 0; i < 200; ++i) {
    sources.push_back(std::make_shared<FrameSource>(
        std::make_shared<PatternTrack>(9600 + static_cast<std::size_t>(i), 100 + i)));
    worker.add(sources.back());
  }
  // Round-robin pops, as one pacer thread serving everyone would.
  std::vector<std::size_t> frames(sources.size(), 0);
  std::size_t ended = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::vector<bool> done(sources.size(), false);
  while (ended < sources.size() && std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (done[i])
        continue;
      FrameSource::PopResult r = sources[i]->pop();
      if (r.status == Status::Frame) {
        ASSERT_EQ(r.frame.first_sample, frames[i] * kFrameSamples);
        ++frames[i];
      } else if (r.status != Status::Underrun) {
        ASSERT_EQ(r.status, Status::Ended) << r.error;
        done[i] = true;
        ++ended;
      }
    }
  }
  ASSERT_EQ(ended, sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    EXPECT_EQ(frames[i], i == 0 ? 10u : 11u) << i; // 9600 + i samples
  }
}

TEST(MediaWorkerTest, SourcesOutliveTheirWorker) {
  auto source = std::make_shared<FrameSource>(std::make_shared<EndlessTrack>());
  {
    MediaWorker worker;
    worker.add(source);
  } // joined; the source is detached
  for (int i = 0; i < 30; ++i) {
    const Status status = source->pop().status;
    ASSERT_TRUE(status == Status::Frame || status == Status::Underrun);
  }
  EXPECT_EQ(source->pop().status, Status::Underrun); // nobody fills it now
}

} // namespace
} // namespace roomcast::media
