// FrameSource: chunks of any shape in, exact 20 ms 48 kHz mono frames out, bit for bit.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "media/frame_source.hpp"
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

// Pops until Ended or Failed, filling on each underrun as the encoder's job does.
Drained drain(FrameSource& source) {
  Drained out;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    FrameSource::PopResult result = source.pop();
    if (result.status == Status::Frame) {
      out.frames.push_back(result.frame);
    } else if (result.status == Status::Underrun) {
      source.fill();
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

TEST(FrameSourceTest, IrregularChunksComeOutAsExactFramesBitForBit) {
  auto track = std::make_shared<PatternTrack>(48000 + 500);
  FrameSource source(track);
  Drained d = drain(source);
  ASSERT_EQ(d.end, Status::Ended) << d.error;
  expect_continuous(d.frames);
  ASSERT_EQ(d.frames.size(), 51u); // 50 full frames + 500 samples padded
  EXPECT_EQ(d.frames.back().valid_samples, 500);
  for (std::size_t i = 0; i < 48500; ++i) {
    ASSERT_EQ(d.frames[i / kFrameSamples].samples[i % kFrameSamples], PatternTrack::value(i)) << "sample " << i;
  }
  EXPECT_EQ(source.frames_delivered(), 51u);
  EXPECT_EQ(source.position(), 1010ms);
  EXPECT_EQ(source.pop().status, Status::Ended); // and stays ended
  EXPECT_LE(track->calls_.load(), 41 + 1);       // ceil(48500/1234) chunks + end: no extra
}

TEST(FrameSourceTest, StereoFloatAt441kHzIsResampledInTune) {
  FrameSource source(std::make_shared<SineTrack>(44100));
  Drained d = drain(source);
  ASSERT_EQ(d.end, Status::Ended) << d.error;
  expect_continuous(d.frames);
  std::vector<int16_t> pcm;
  for (const auto& f : d.frames) pcm.insert(pcm.end(), f.samples.begin(), f.samples.begin() + f.valid_samples);
  EXPECT_NEAR(static_cast<double>(pcm.size()), 48000.0, 2.0);
  EXPECT_NEAR(test::dominant_frequency(pcm, kSampleRateHz), 441.0, 1.0);
}

TEST(FrameSourceTest, ThrowingTrackFailsWithItsMessageAfterItsGoodFrames) {
  FrameSource source(std::make_shared<ThrowingTrack>());
  Drained d = drain(source);
  ASSERT_EQ(d.end, Status::Failed);
  EXPECT_EQ(d.error, "audio track 'flaky' failed: disk on fire");
  EXPECT_EQ(d.frames.size(), 3u); // 3000 samples: 3 whole frames; the 120 left never complete
  EXPECT_EQ(source.pop().status, Status::Failed);
}

TEST(FrameSourceTest, FillsOneBatchAndNoFurther) {
  auto track = std::make_shared<EndlessTrack>();
  FrameSource source(track);
  EXPECT_EQ(source.pop().status, Status::Underrun);
  EXPECT_EQ(track->calls.load(), 0) << "pop() never calls user code";
  EXPECT_FALSE(source.fill());
  EXPECT_EQ(source.frames_ready(), FrameSource::kDefaultTargetFrames);
  EXPECT_EQ(track->calls.load(), 20); // 10 frames of 960 from 480-sample chunks
  EXPECT_FALSE(source.fill());
  EXPECT_EQ(track->calls.load(), 20); // already full
  EXPECT_EQ(source.pop().status, Status::Frame);
  EXPECT_FALSE(source.fill());
  EXPECT_EQ(track->calls.load(), 22);
}

} // namespace
} // namespace roomcast::media
