// EncodedTrack: one encode for many readers, late joiners from the start, adaptive FEC, ends and failures.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <functional>
#include <stdexcept>
#include <vector>

#include "media/encoded_track.hpp"
#include "manual_jobs.hpp"
#include "receive/opus_decoder.hpp"
#include "test_media_signal.hpp"

namespace roomcast::media {
namespace {

using Status = EncodedTrack::Status;

using test::ManualJobs;

// 441 Hz, 44.1 kHz stereo float in 1000-frame chunks; counts recv() calls.
class ToneTrack : public CustomAudioTrack {
 public:
  explicit ToneTrack(std::size_t frames) : pcm_(test::sine(441, 44100, frames, 2)) {}
  std::optional<AudioChunk> recv() override {
    ++calls;
    if (at_ >= pcm_.size()) return std::nullopt;
    const std::size_t n = std::min<std::size_t>(2000, pcm_.size() - at_);
    auto chunk = AudioChunk::from_float(std::span(pcm_).subspan(at_, n), 44100, 2);
    at_ += n;
    return chunk;
  }
  std::atomic<int> calls{0};

 private:
  std::vector<float> pcm_;
  std::size_t at_ = 0;
};

class BrokenTrack : public CustomAudioTrack {
 public:
  std::optional<AudioChunk> recv() override {
    if (++calls_ > 3) throw std::runtime_error("tape snapped");
    return AudioChunk::from_s16(std::vector<int16_t>(960, 1000), 48000, 1);
  }
  std::string description() const override { return "reel"; }

 private:
  int calls_ = 0;
};

// Reads everything a reader can get, running producer jobs whenever it underruns.
std::vector<std::shared_ptr<const EncodedFrame>> read_all(EncodedTrack::Reader& reader, ManualJobs& jobs,
                                                          Status* end = nullptr, std::size_t limit = 100000) {
  std::vector<std::shared_ptr<const EncodedFrame>> frames;
  for (int guard = 0; guard < 1000000 && frames.size() < limit; ++guard) {
    std::shared_ptr<const EncodedFrame> frame;
    Status status = reader.next(frame);
    if (status == Status::Frame) {
      frames.push_back(frame);
    } else if (status == Status::Underrun) {
      jobs.run_all();
    } else {
      if (end) *end = status;
      return frames;
    }
  }
  return frames;
}

TEST(EncodedTrack, ThreeReadersShareOneEncodeAndEachGetsTheWholeTrackInTune) {
  ManualJobs jobs;
  auto track = std::make_shared<ToneTrack>(44100);  // 1 s
  auto encoded = std::make_shared<EncodedTrack>(track, EncoderSettings{}, jobs.runner());
  auto a = encoded->open_reader();
  auto b = encoded->open_reader();
  Status end_a = Status::Underrun;
  auto frames_a = read_all(*a, jobs, &end_a);
  auto c = encoded->open_reader();  // joins after the whole track was encoded: history
  Status end_b = Status::Underrun, end_c = Status::Underrun;
  auto frames_b = read_all(*b, jobs, &end_b);
  auto frames_c = read_all(*c, jobs, &end_c);
  EXPECT_EQ(end_a, Status::Ended);
  EXPECT_EQ(end_b, Status::Ended);
  EXPECT_EQ(end_c, Status::Ended);
  ASSERT_EQ(frames_a.size(), 50u) << "1 s of audio is exactly 50 frames of 20 ms";
  ASSERT_EQ(frames_b.size(), frames_a.size());
  ASSERT_EQ(frames_c.size(), frames_a.size());
  for (std::size_t i = 0; i < frames_a.size(); ++i) {
    EXPECT_EQ(frames_a[i]->index, i);
    EXPECT_EQ(frames_a[i].get(), frames_b[i].get()) << "the same encoded frame, not a second encode";
    EXPECT_EQ(frames_a[i].get(), frames_c[i].get());
  }
  EXPECT_EQ(encoded->stats().frames_encoded, frames_a.size()) << "encoded once for three readers";
  EXPECT_LE(track->calls.load(), 44100 / 1000 + 2) << "recv() once per chunk, not once per reader";

  // What a receiver decodes is the tone, at its pitch (no reader took chunks from another).
  receive::OpusDecoder decoder;
  std::vector<int16_t> pcm;
  for (const auto& f : frames_b) {
    auto out = decoder.decode(f->opus);
    ASSERT_TRUE(out);
    pcm.insert(pcm.end(), out->begin(), out->end());
  }
  EXPECT_NEAR(test::dominant_frequency(std::span(pcm).subspan(4800), 48000), 441.0, 1.5);
}

TEST(EncodedTrack, EncodesAheadInBatchesAndHoldsBoundedHistory) {
  ManualJobs jobs;
  auto encoded = std::make_shared<EncodedTrack>(std::make_shared<ToneTrack>(44100 * 30), EncoderSettings{}, jobs.runner());
  auto reader = encoded->open_reader();
  ASSERT_EQ(jobs.jobs.size(), 1u) << "opening starts the producer";
  jobs.run_all();
  EXPECT_EQ(encoded->stats().frames_encoded, EncodedTrack::kAheadFrames);
  auto frames = read_all(*reader, jobs, nullptr, 1200);
  ASSERT_EQ(frames.size(), 1200u);
  auto stats = encoded->stats();
  EXPECT_LE(stats.frames_held, EncodedTrack::kHistoryFrames + EncodedTrack::kAheadFrames);
  // A refill when fewer than kRefillBelow are left, up to kAheadFrames: about one job per 5 frames.
  EXPECT_LE(stats.fill_jobs, 1200 / (EncodedTrack::kAheadFrames - EncodedTrack::kRefillBelow) + 2);
  auto late = encoded->open_reader();
  std::shared_ptr<const EncodedFrame> first;
  ASSERT_EQ(late->next(first), Status::Frame);
  EXPECT_GT(first->index, 0u) << "beyond the history window a late reader starts at the oldest frame held";
  EXPECT_GE(first->index + EncodedTrack::kHistoryFrames + EncodedTrack::kAheadFrames, stats.frames_encoded);
}

std::size_t frames_with_fec(const std::vector<std::shared_ptr<const EncodedFrame>>& frames) {
  std::size_t n = 0;
  for (const auto& f : frames) n += f->fec ? 1 : 0;
  return n;
}

TEST(EncodedTrack, ASkippingReaderGoesOnFromWhereTimeTookItAndOthersReadOn) {
  ManualJobs jobs;
  auto track = std::make_shared<ToneTrack>(44100);  // 1 s: 50 frames
  auto encoded = std::make_shared<EncodedTrack>(track, EncoderSettings{}, jobs.runner());
  auto paused = encoded->open_reader();
  auto steady = encoded->open_reader();
  ASSERT_EQ(read_all(*paused, jobs, nullptr, 5).size(), 5u);  // frames 0-4, then a pause
  paused->skip(30);                                         // 600 ms went by meanwhile
  const auto after = read_all(*paused, jobs);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front()->index, 35u) << "the next frame is where the pause's 30 frames took it";
  EXPECT_EQ(after.back()->index, 49u);
  EXPECT_EQ(after.size(), 15u);
  // The skipped frames were encoded once and stay for the reader that did not pause.
  const auto all = read_all(*steady, jobs);
  ASSERT_EQ(all.size(), 50u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i]->index, i);
  // Past the end: the track's end, not a wait.
  auto late = encoded->open_reader();
  late->skip(1000);
  Status end = Status::Frame;
  EXPECT_TRUE(read_all(*late, jobs, &end).empty());
  EXPECT_EQ(end, Status::Ended);
}

TEST(EncodedTrack, AdaptiveFecFollowsTheWorstReadersLoss) {
  ManualJobs jobs;
  auto encoded = std::make_shared<EncodedTrack>(std::make_shared<ToneTrack>(44100 * 10), EncoderSettings{}, jobs.runner());
  auto clean = encoded->open_reader();
  auto lossy = encoded->open_reader();
  EXPECT_EQ(frames_with_fec(read_all(*clean, jobs, nullptr, 50)), 0u) << "a clean path costs no FEC";
  EXPECT_FALSE(encoded->stats().fec);
  read_all(*lossy, jobs, nullptr, 50);
  lossy->report_loss(0.03);
  EXPECT_TRUE(encoded->stats().fec);
  EXPECT_EQ(encoded->stats().expected_loss_percent, EncodedTrack::kMinExpectedLossPercent);
  lossy->report_loss(0.2);
  EXPECT_EQ(encoded->stats().expected_loss_percent, 20);
  // Frames encoded from now on carry FEC data (the ones already ahead keep their settings).
  auto after = read_all(*clean, jobs, nullptr, 200);
  EXPECT_GT(frames_with_fec(after), 50u) << "FEC asked for must be in the packets";
  lossy->report_loss(0.0);
  EXPECT_FALSE(encoded->stats().fec);
  lossy->report_loss(0.2);
  lossy.reset();  // a reader leaving takes its loss with it
  EXPECT_FALSE(encoded->stats().fec);
}

TEST(EncodedTrack, FixedFecPoliciesIgnoreReports) {
  ManualJobs jobs;
  EncoderSettings off;
  off.fec = OpusFec::Off;
  auto none = std::make_shared<EncodedTrack>(std::make_shared<ToneTrack>(44100 * 2), off, jobs.runner());
  auto r = none->open_reader();
  r->report_loss(0.3);
  EXPECT_EQ(frames_with_fec(read_all(*r, jobs)), 0u);
  EncoderSettings on;
  on.fec = OpusFec::On;
  auto always = std::make_shared<EncodedTrack>(std::make_shared<ToneTrack>(44100 * 2), on, jobs.runner());
  auto s = always->open_reader();
  EXPECT_GT(frames_with_fec(read_all(*s, jobs)), 50u);
}

TEST(EncodedTrack, AFailingTrackFailsEveryReaderWithItsMessageAfterItsFrames) {
  ManualJobs jobs;
  auto encoded = std::make_shared<EncodedTrack>(std::make_shared<BrokenTrack>(), EncoderSettings{}, jobs.runner());
  auto a = encoded->open_reader();
  auto b = encoded->open_reader();
  Status end = Status::Underrun;
  auto frames = read_all(*a, jobs, &end);
  EXPECT_EQ(end, Status::Failed);
  EXPECT_EQ(frames.size(), 3u);
  EXPECT_EQ(a->error(), "audio track 'reel' failed: tape snapped");
  Status end_b = Status::Underrun;
  EXPECT_EQ(read_all(*b, jobs, &end_b).size(), 3u);
  EXPECT_EQ(end_b, Status::Failed);
}

TEST(EncodedTrack, SilenceIsAValidOpusFrame) {
  ManualJobs jobs;
  auto encoded = std::make_shared<EncodedTrack>(std::make_shared<ToneTrack>(100), EncoderSettings{}, jobs.runner());
  receive::OpusDecoder decoder;
  auto pcm = decoder.decode(encoded->silence());
  ASSERT_TRUE(pcm);
  EXPECT_EQ(pcm->size(), static_cast<std::size_t>(kFrameSamples));
  EXPECT_LT(test::energy(*pcm), 1.0);
}

}  // namespace
}  // namespace roomcast::media
