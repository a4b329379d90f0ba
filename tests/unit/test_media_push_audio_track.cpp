// PushAudioTrack: back-pressure, partial frames, barge-in, playout accounting, and the live
// encode (one frame per tick taken when a reader asks, shared by every reader).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <random>
#include <thread>
#include <vector>

#include "media/encoded_track.hpp"
#include "manual_jobs.hpp"
#include "media/push_queue.hpp"
#include "roomcast/error.hpp"
#include "roomcast/push_audio_track.hpp"
#include "test_media_signal.hpp"

namespace roomcast::media {
namespace {

using namespace std::chrono_literals;
using Take = detail::PushQueue::Take;

using test::ManualJobs;

AudioChunk s16_chunk(std::size_t samples, int16_t value = 1000, int rate = 48000) {
  return AudioChunk::from_s16(std::vector<int16_t>(samples, value), rate, 1);
}

// Takes frames until the queue runs dry; the samples of the audio frames in order.
std::vector<int16_t> drain(detail::PushQueue& queue, int* dry_frames = nullptr) {
  std::vector<int16_t> out;
  for (int i = 0; i < 100000; ++i) {
    AudioFrame frame;
    Take take = queue.take_frame(frame);
    if (take.kind != Take::Kind::Audio) {
      if (dry_frames) ++*dry_frames;
      if (queue.queued_duration() == 0ms) break;
      continue;
    }
    out.insert(out.end(), frame.samples.begin(), frame.samples.begin() + frame.valid_samples);
  }
  return out;
}

TEST(PushAudioTrack, RefusesAQueueLimitOutsideItsRangeSayingWhichIsAllowed) {
  try {
    PushAudioTrack track(PushAudioTrack::Options{5ms});
    FAIL() << "accepted max_queue 5 ms";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_NE(std::string(e.what()).find("max_queue is 5 ms; use 20 ms to 60 s"), std::string::npos) << e.what();
  }
}

TEST(PushAudioTrack, IrregularChunksAtOddRatesComeOutAsOneContinuousToneWithoutClicks) {
  for (int rate : {22050, 24000, 44100}) {
    detail::PushQueue queue(60000ms);
    const std::vector<float> tone = test::sine(441, rate, static_cast<std::size_t>(rate) * 2);
    std::mt19937 random(rate);
    std::size_t at = 0;
    std::vector<int16_t> out;
    while (at < tone.size()) {
      // 5 to 80 ms per chunk, taking frames in between as the clock would.
      const std::size_t n = std::min(tone.size() - at, static_cast<std::size_t>(rate) * (5 + random() % 76) / 1000);
      ASSERT_TRUE(queue.push(AudioChunk::from_float(std::span(tone).subspan(at, n), rate, 1), 1s));
      at += n;
      AudioFrame frame;
      if (queue.queued_duration() >= 20ms && queue.take_frame(frame).kind == Take::Kind::Audio)
        out.insert(out.end(), frame.samples.begin(), frame.samples.begin() + frame.valid_samples);
    }
    queue.end();  // the resampler's tail and the partial last frame go out
    std::vector<int16_t> rest = drain(queue);
    out.insert(out.end(), rest.begin(), rest.end());
    // 2 s in, 2 s out (within the resampler's few samples), at the pitch pushed.
    EXPECT_NEAR(static_cast<double>(out.size()), 96000.0, 64) << rate;
    EXPECT_NEAR(test::dominant_frequency(std::span(out).subspan(4800, 48000), 48000), 441, 1) << rate;
    // A click (a lost or repeated stretch at a chunk join) jumps far more than the sine's
    // own steepest step, 2 pi 441 / 48000 * 16384 = 946.
    int worst = 0;
    for (std::size_t i = 100; i + 100 < out.size(); ++i) worst = std::max(worst, std::abs(out[i] - out[i - 1]));
    EXPECT_LT(worst, 1100) << rate;
  }
}

TEST(PushAudioTrack, APartialFrameWaitsWhileThePushesGoOnAndGoesOutPaddedWhenTheyStop) {
  detail::PushQueue queue(1000ms);
  ASSERT_TRUE(queue.push(s16_chunk(480), std::nullopt));
  AudioFrame frame;
  // Half a frame, just pushed: silence now, the audio whole a frame later.
  EXPECT_EQ(queue.take_frame(frame).kind, Take::Kind::Dry);
  EXPECT_EQ(queue.stats().underruns, 1u);
  ASSERT_TRUE(queue.push(s16_chunk(240), std::nullopt));
  EXPECT_EQ(queue.take_frame(frame).kind, Take::Kind::Dry);
  // No push since the last frame: the producer stopped; 720 samples go out, padded.
  Take take = queue.take_frame(frame);
  ASSERT_EQ(take.kind, Take::Kind::Audio);
  EXPECT_TRUE(take.talkspurt_start);
  EXPECT_EQ(frame.valid_samples, 720);
  EXPECT_EQ(frame.samples[719], 1000);
  EXPECT_EQ(frame.samples[720], 0);
  EXPECT_EQ(take.source_end, 720u);
  EXPECT_EQ(queue.take_frame(frame).kind, Take::Kind::Dry);
  // The next audio starts a new talkspurt (the RTP marker bit).
  ASSERT_TRUE(queue.push(s16_chunk(1920), std::nullopt));
  take = queue.take_frame(frame);
  EXPECT_TRUE(take.talkspurt_start);
  EXPECT_FALSE(queue.take_frame(frame).talkspurt_start);
  EXPECT_EQ(queue.stats().talkspurts, 2u);
}

TEST(PushAudioTrack, PushBlocksWhileTheQueueIsFullAndTimesOutQueuingNothing) {
  detail::PushQueue queue(100ms);
  ASSERT_TRUE(queue.push(s16_chunk(4800), 0ms));  // 100 ms: full
  EXPECT_FALSE(queue.push(s16_chunk(960), 30ms));
  EXPECT_EQ(queue.queued_duration(), 100ms);
  // A frame taken makes room: the blocked push goes through.
  auto pushed = std::async(std::launch::async, [&] { return queue.push(s16_chunk(960), 5s); });
  for (int i = 0; i < 1000 && queue.pushes_waiting() == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(queue.pushes_waiting(), 1u) << "the push did not block on the full queue";
  AudioFrame frame;
  queue.take_frame(frame);
  EXPECT_TRUE(pushed.get());
  EXPECT_EQ(queue.queued_duration(), 100ms);
  // Larger than the whole queue: accepted once the queue is empty.
  drain(queue);
  EXPECT_TRUE(queue.push(s16_chunk(48000), 0ms));
  EXPECT_EQ(queue.queued_duration(), 1000ms);
}

TEST(PushAudioTrack, ClearDropsTheQueueAndThePushesWaitingAndTheNextFrameIsSilence) {
  detail::PushQueue queue(5000ms);
  ASSERT_TRUE(queue.push(s16_chunk(48000 * 5), 0ms));
  // 100 ms: still blocked after the frame taken below frees 20 ms.
  auto blocked = std::async(std::launch::async, [&] { return queue.push(s16_chunk(4800), 10s); });
  for (int i = 0; i < 1000 && queue.pushes_waiting() == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(queue.pushes_waiting(), 1u);
  AudioFrame frame;
  Take in_flight = queue.take_frame(frame);
  ASSERT_EQ(in_flight.kind, Take::Kind::Audio);
  queue.clear();
  EXPECT_FALSE(blocked.get()) << "a push waiting across clear() must not sneak its audio in";
  EXPECT_EQ(queue.queued_duration(), 0ms);
  EXPECT_EQ(queue.take_frame(frame).kind, Take::Kind::Dry);
  EXPECT_GE(queue.stats().cleared, 4970ms);
  // Everything pushed is gone once the frame that was on its way went out.
  EXPECT_FALSE(queue.wait_for_playout(0ms));
  queue.mark_sent(in_flight.source_end);
  EXPECT_TRUE(queue.wait_for_playout(0ms));
}

TEST(PushAudioTrack, WaitForPlayoutReturnsOnlyOnceTheFrameWithTheLastSampleWentOut) {
  detail::PushQueue queue(1000ms);
  ASSERT_TRUE(queue.push(s16_chunk(2000), 0ms));  // 2 frames and a partial one
  EXPECT_FALSE(queue.wait_for_playout(0ms));       // nothing out yet
  auto waited = std::async(std::launch::async, [&] { return queue.wait_for_playout(5s); });
  std::vector<Take> takes;
  AudioFrame frame;
  for (int i = 0; i < 3; ++i) takes.push_back(queue.take_frame(frame));
  // wait_for_playout() asked for the partial frame at once: no extra frame of waiting.
  EXPECT_EQ(takes[2].kind, Take::Kind::Audio);
  EXPECT_EQ(frame.valid_samples, 80);
  queue.mark_sent(takes[0].source_end);
  queue.mark_sent(takes[1].source_end);
  EXPECT_EQ(waited.wait_for(50ms), std::future_status::timeout) << "returned before the last sample left";
  queue.mark_sent(takes[2].source_end);
  EXPECT_TRUE(waited.get());
  EXPECT_TRUE(queue.wait_for_playout(0ms));  // nothing new pushed: true at once
}

TEST(PushAudioTrack, EndSendsWhatIsQueuedThenEndsAndRefusesMore) {
  detail::PushQueue queue(1000ms);
  ASSERT_TRUE(queue.push(s16_chunk(1000), 0ms));
  queue.end();
  EXPECT_FALSE(queue.push(s16_chunk(960), 0ms));
  AudioFrame frame;
  EXPECT_EQ(queue.take_frame(frame).kind, Take::Kind::Audio);
  EXPECT_EQ(queue.take_frame(frame).kind, Take::Kind::Audio);
  EXPECT_EQ(frame.valid_samples, 40);
  EXPECT_EQ(queue.take_frame(frame).kind, Take::Kind::Ended);
}

TEST(PushAudioTrack, LiveEncodeTakesOneFramePerIndexWhenAReaderAsksAndWakesEveryWaitingReader) {
  ManualJobs jobs;
  auto track = std::make_shared<PushAudioTrack>();
  auto encoded = std::make_shared<EncodedTrack>(track, EncoderSettings{}, jobs.runner());
  ASSERT_TRUE(encoded->live());
  auto a = encoded->open_reader();
  auto b = encoded->open_reader();
  int woken = 0;
  a->set_wakeup([&] { ++woken; });
  b->set_wakeup([&] { ++woken; });
  EXPECT_TRUE(jobs.jobs.empty()) << "a live track is not read ahead";

  const std::vector<float> tone = test::sine(441, 24000, 24000);
  ASSERT_TRUE(track->push(AudioChunk::from_float(tone, 24000, 1), 0ms));
  const auto queued = track->queued_duration();
  std::shared_ptr<const EncodedFrame> fa, fb;
  ASSERT_EQ(a->next(fa), EncodedTrack::Status::Pending);
  ASSERT_EQ(b->next(fb), EncodedTrack::Status::Pending);
  EXPECT_EQ(jobs.jobs.size(), 1u) << "one frame made for both readers";
  jobs.run_all();
  EXPECT_EQ(woken, 2);
  ASSERT_EQ(a->next(fa), EncodedTrack::Status::Frame);
  ASSERT_EQ(b->next(fb), EncodedTrack::Status::Frame);
  EXPECT_EQ(fa, fb);
  EXPECT_TRUE(fa->talkspurt_start);
  EXPECT_FALSE(fa->dry);
  EXPECT_LT(fa->audio_level, 20);  // a loud tone, not silence
  EXPECT_EQ(track->queued_duration(), queued - 20ms) << "taken from the queue once, not per reader";
  // Playout follows the readers' reports.
  a->mark_sent(*fa);
  EXPECT_EQ(track->stats().sent, 20ms);

  // Cleared: the next frame is silence, marked dry.
  track->clear();
  ASSERT_EQ(a->next(fa), EncodedTrack::Status::Pending);
  jobs.run_all();
  ASSERT_EQ(a->next(fa), EncodedTrack::Status::Frame);
  EXPECT_TRUE(fa->dry);
  EXPECT_EQ(fa->audio_level, 127);

  track->end();
  ASSERT_EQ(a->next(fa), EncodedTrack::Status::Pending);
  jobs.run_all();
  EXPECT_EQ(a->next(fa), EncodedTrack::Status::Ended);
}

TEST(PushAudioTrack, WithFewLiveTracksTheFrameIsMadeOnTheReadersThreadAtOnceAndWithManyOnTheWorkers) {
  ManualJobs jobs;
  auto live_tracks = std::make_shared<std::atomic<int>>(0);
  std::vector<std::shared_ptr<EncodedTrack>> encodes;
  for (int i = 0; i < EncodedTrack::kInlineLiveTracks; ++i) {
    encodes.push_back(std::make_shared<EncodedTrack>(std::make_shared<PushAudioTrack>(), EncoderSettings{}, jobs.runner()));
    encodes.back()->count_live_in(live_tracks);
  }
  EXPECT_EQ(*live_tracks, EncodedTrack::kInlineLiveTracks);
  auto reader = encodes.front()->open_reader();
  std::shared_ptr<const EncodedFrame> frame;
  EXPECT_EQ(reader->next(frame), EncodedTrack::Status::Frame) << "made inline, no job";
  EXPECT_TRUE(jobs.jobs.empty());
  // One more live track in the process: frames go to the workers.
  auto extra = std::make_shared<EncodedTrack>(std::make_shared<PushAudioTrack>(), EncoderSettings{}, jobs.runner());
  extra->count_live_in(live_tracks);
  EXPECT_EQ(reader->next(frame), EncodedTrack::Status::Pending);
  EXPECT_EQ(jobs.jobs.size(), 1u);
  jobs.run_all();
  EXPECT_EQ(reader->next(frame), EncodedTrack::Status::Frame);
  extra.reset();
  EXPECT_EQ(*live_tracks, EncodedTrack::kInlineLiveTracks) << "a live encode leaves the count when it goes";
}

TEST(PushAudioTrack, AReaderBackFromAPauseSkipsToThePresentInsteadOfReplayingThePast) {
  ManualJobs jobs;
  auto track = std::make_shared<PushAudioTrack>();
  auto encoded = std::make_shared<EncodedTrack>(track, EncoderSettings{}, jobs.runner());
  auto fast = encoded->open_reader();
  auto paused = encoded->open_reader();
  std::shared_ptr<const EncodedFrame> frame;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(fast->next(frame), EncodedTrack::Status::Pending);
    jobs.run_all();
    ASSERT_EQ(fast->next(frame), EncodedTrack::Status::Frame);
  }
  ASSERT_EQ(paused->next(frame), EncodedTrack::Status::Frame);
  EXPECT_EQ(frame->index, 19u);
}

TEST(PushAudioTrack, WithDtxSilenceBecomesPacketsTheSenderSkipsButForOneEvery400Ms) {
  ManualJobs jobs;
  auto track = std::make_shared<PushAudioTrack>();
  EncoderSettings settings;
  settings.dtx = true;
  auto encoded = std::make_shared<EncodedTrack>(track, settings, jobs.runner());
  auto reader = encoded->open_reader();
  int dtx = 0;
  const int frames = 100;  // 2 s of nothing queued
  for (int i = 0; i < frames; ++i) {
    std::shared_ptr<const EncodedFrame> frame;
    ASSERT_EQ(reader->next(frame), EncodedTrack::Status::Pending);
    jobs.run_all();
    ASSERT_EQ(reader->next(frame), EncodedTrack::Status::Frame);
    EXPECT_TRUE(frame->dry);
    if (frame->dtx) ++dtx;
  }
  // libopus sends a few frames before DTX starts, then a real one every 400 ms (20 frames).
  EXPECT_GE(dtx, 80);
  EXPECT_LT(dtx, frames);
}

}  // namespace
}  // namespace roomcast::media
