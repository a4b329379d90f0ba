// PushVideoTrack: latest wins, stale frames dropped, idle repeats, end; the slot on made-up
// times, the track across threads, and the live encode (stamped when taken, never paced on
// the frames' own timestamps, never stuck waiting for a push).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "media/encoded_video_track.hpp"
#include "media/push_video_slot.hpp"
#include "roomcast/error.hpp"
#include "roomcast/push_video_track.hpp"

namespace roomcast::media {
namespace {

using namespace std::chrono_literals;
using Slot = detail::PushVideoSlot;
using Take = Slot::Take;
const Slot::Clock::time_point t0 = Slot::Clock::time_point{} + 1000s;

// A 4x4 grey I420 frame whose first byte is its number; `timestamp` is what a user might set.
VideoFrame numbered(int n, std::chrono::microseconds timestamp = 0us) {
  VideoFrame f;
  f.width = f.height = 4;
  f.format = PixelFormat::I420;
  f.data.assign(VideoFrame::size_for(f.format, 4, 4), std::byte{128});
  f.data[0] = static_cast<std::byte>(n);
  f.timestamp = timestamp;
  return f;
}
int number_of(const VideoFrame& f) { return static_cast<int>(f.data[0]); }

TEST(PushVideoSlot, TheLatestFrameWinsAndTheReplacedOnesAreCounted) {
  Slot slot({});
  EXPECT_EQ(slot.take(t0).kind, Take::Kind::Nothing);  // the encoder is here, nothing yet
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(slot.push(numbered(n), t0 + 1ms));
  Take take = slot.take(t0 + 2ms);
  ASSERT_EQ(take.kind, Take::Kind::Frame);
  EXPECT_EQ(number_of(*take.frame), 3);
  EXPECT_FALSE(take.repeat);
  EXPECT_EQ(slot.take(t0 + 3ms).kind, Take::Kind::Nothing);  // taken once only
  const auto s = slot.stats();
  EXPECT_EQ(s.pushed, 3u);
  EXPECT_EQ(s.replaced, 2u);
  EXPECT_EQ(s.sent, 1u);
  EXPECT_EQ(s.stale, 0u);
}

TEST(PushVideoSlot, AnIdleSlotRepeatsItsLastFrameOncePerIntervalUntilTheNextPush) {
  Slot slot({.repeat_interval = 1000ms});
  ASSERT_TRUE(slot.push(numbered(7), t0));
  ASSERT_EQ(slot.take(t0).kind, Take::Kind::Frame);
  Take idle = slot.take(t0 + 500ms);
  EXPECT_EQ(idle.kind, Take::Kind::Nothing);
  EXPECT_EQ(idle.wake_at, t0 + 1000ms);  // the encoder's thread sleeps until then
  Take repeat = slot.take(t0 + 1000ms);
  ASSERT_EQ(repeat.kind, Take::Kind::Frame);
  EXPECT_TRUE(repeat.repeat);
  EXPECT_EQ(number_of(*repeat.frame), 7);
  EXPECT_EQ(slot.take(t0 + 1999ms).kind, Take::Kind::Nothing);
  EXPECT_EQ(slot.take(t0 + 2000ms).kind, Take::Kind::Frame);
  // A push restarts the count: no repeat until an interval after it.
  ASSERT_TRUE(slot.push(numbered(8), t0 + 2500ms));
  EXPECT_EQ(number_of(*slot.take(t0 + 2500ms).frame), 8);
  EXPECT_EQ(slot.take(t0 + 3499ms).kind, Take::Kind::Nothing);
  EXPECT_EQ(number_of(*slot.take(t0 + 3500ms).frame), 8);
  const auto s = slot.stats();
  EXPECT_EQ(s.repeated, 3u);
  EXPECT_EQ(s.sent, 2u);  // repeats are not pushed frames sent
}

TEST(PushVideoSlot, RepeatIntervalZeroNeverRepeats) {
  Slot slot({.repeat_interval = 0ms});
  ASSERT_TRUE(slot.push(numbered(1), t0));
  ASSERT_EQ(slot.take(t0).kind, Take::Kind::Frame);
  Take idle = slot.take(t0 + 1h);
  EXPECT_EQ(idle.kind, Take::Kind::Nothing);
  EXPECT_EQ(idle.wake_at, Slot::Clock::time_point::max());
}

TEST(PushVideoSlot, AFrameThatWaitedLongerThanMaxAgeForTheEncoderIsDroppedAsStaleThenRepeated) {
  Slot slot({.repeat_interval = 1000ms, .max_age = 100ms});
  EXPECT_EQ(slot.take(t0).kind, Take::Kind::Nothing);
  ASSERT_TRUE(slot.push(numbered(1), t0 + 10ms));
  // The encoder was busy for 150 ms after the push: the frame is not sent that late.
  Take late = slot.take(t0 + 160ms);
  EXPECT_EQ(late.kind, Take::Kind::Nothing);
  EXPECT_EQ(late.wake_at, t0 + 1010ms);  // a second after the push, the picture comes back
  ASSERT_TRUE(slot.push(numbered(2), t0 + 200ms));
  Take fresh = slot.take(t0 + 300ms);  // exactly max_age: still sent
  ASSERT_EQ(fresh.kind, Take::Kind::Frame);
  EXPECT_EQ(number_of(*fresh.frame), 2);
  auto s = slot.stats();
  EXPECT_EQ(s.stale, 1u);
  EXPECT_EQ(s.sent, 1u);
  EXPECT_EQ(s.pushed, s.sent + s.stale + s.replaced);

  // Dropped as stale, it is still the picture a repeat shows.
  ASSERT_TRUE(slot.push(numbered(3), t0 + 400ms));
  EXPECT_EQ(slot.take(t0 + 600ms).kind, Take::Kind::Nothing);
  Take repeat = slot.take(t0 + 1400ms);
  ASSERT_EQ(repeat.kind, Take::Kind::Frame);
  EXPECT_TRUE(repeat.repeat);
  EXPECT_EQ(number_of(*repeat.frame), 3);
  s = slot.stats();
  EXPECT_EQ(s.stale, 2u);
  EXPECT_EQ(s.repeated, 1u);
}

TEST(PushVideoSlot, AFramePushedBeforeTheEncoderFirstCameIsNotStale) {
  Slot slot({.max_age = 100ms});
  ASSERT_TRUE(slot.push(numbered(5), t0));  // before join: the meeting is not live yet
  Take take = slot.take(t0 + 5s);
  ASSERT_EQ(take.kind, Take::Kind::Frame);
  EXPECT_EQ(number_of(*take.frame), 5);
  EXPECT_EQ(slot.stats().stale, 0u);
}

TEST(PushVideoSlot, EndSendsTheWaitingFrameThenEndsAndRefusesPushes) {
  Slot slot({});
  ASSERT_TRUE(slot.push(numbered(4), t0));
  slot.end();
  EXPECT_FALSE(slot.push(numbered(5), t0));
  Take take = slot.take(t0);
  ASSERT_EQ(take.kind, Take::Kind::Frame);
  EXPECT_EQ(number_of(*take.frame), 4);
  EXPECT_EQ(slot.take(t0 + 10s).kind, Take::Kind::Ended);  // and no repeats after the end
  EXPECT_EQ(slot.stats().pushed, 1u);
}

TEST(PushVideoTrack, RefusesBadOptionsAndBadFramesSayingWhatIsWrong) {
  EXPECT_THROW(PushVideoTrack({.repeat_interval = -1ms}), Error);
  try {
    PushVideoTrack track({.max_age = 0ms});
    FAIL() << "accepted max_age 0";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_NE(std::string(e.what()).find("max_age is 0 ms"), std::string::npos) << e.what();
  }
  PushVideoTrack track;
  VideoFrame short_frame = numbered(1);
  short_frame.data.pop_back();
  try {
    track.push(short_frame);
    FAIL() << "accepted a frame one byte short";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    EXPECT_NE(std::string(e.what()).find("23 bytes for a 4x4 frame, which takes 24"), std::string::npos) << e.what();
  }
  VideoFrame empty;
  EXPECT_THROW(track.push(empty), Error);
  EXPECT_EQ(track.stats().pushed, 0u);
}

TEST(PushVideoTrack, RecvWaitsForAPushFromAnotherThreadAndReturnsNulloptAfterEnd) {
  PushVideoTrack track;
  auto first = std::async(std::launch::async, [&] { return track.recv(); });
  EXPECT_EQ(first.wait_for(20ms), std::future_status::timeout);  // nothing pushed: it waits
  ASSERT_TRUE(track.push(numbered(9, 123456789us)));
  ASSERT_EQ(first.wait_for(10s), std::future_status::ready);
  auto frame = first.get();
  ASSERT_TRUE(frame);
  EXPECT_EQ(number_of(*frame), 9);
  EXPECT_NE(frame->timestamp, 123456789us);  // the user's timestamp is not used
  auto last = std::async(std::launch::async, [&] { return track.recv(); });
  track.end();
  ASSERT_EQ(last.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(last.get());
  EXPECT_FALSE(track.push(numbered(10)));
}

TEST(PushVideoTrack, ConcurrentPushersNeverBlockNorLoseCountAndFramesComeOutInOrder) {
  PushVideoTrack track({.repeat_interval = 0ms, .max_age = 10s});
  std::vector<int> seen;
  auto reader = std::async(std::launch::async, [&] {
    while (auto f = track.recv()) seen.push_back(number_of(*f));
  });
  for (int n = 0; n < 250; ++n) ASSERT_TRUE(track.push(numbered(n)));
  track.end();
  ASSERT_EQ(reader.wait_for(10s), std::future_status::ready);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), 249);  // the last push is never replaced: end() sends it
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1], seen[i]) << "at " << i;
  const auto s = track.stats();
  EXPECT_EQ(s.pushed, 250u);
  EXPECT_EQ(s.sent, seen.size());
  EXPECT_EQ(s.pushed, s.sent + s.replaced + s.stale);
}

// Collects what the live encode hands its sink.
struct Received {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::shared_ptr<const EncodedVideoFrame>> frames;
  bool wait_for_count(std::size_t n) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, 10s, [&] { return frames.size() >= n; });
  }
};

TEST(PushVideoTrackEncode, FramesAreStampedWhenTakenNotByTheirOwnTimestampsAndAnIdleTrackRepeats) {
  auto track = std::make_shared<PushVideoTrack>(PushVideoTrack::Options{.repeat_interval = 200ms});
  Received got;
  {
    EncodedVideoTrack encode(track, VideoEncodeSettings{64, 64, 30, 200000, 3000ms});
    encode.add_sink(
        [&](const std::shared_ptr<const EncodedVideoFrame>& f) {
          std::lock_guard lock(got.mutex);
          got.frames.push_back(f);
          got.cv.notify_all();
        },
        nullptr);
    const auto anchor = EncodedVideoTrack::Clock::now();
    encode.start(anchor);
    // A user timestamp an hour ahead: paced on it, this frame would not go out for an hour.
    ASSERT_TRUE(track->push(numbered(1, std::chrono::hours(1))));
    ASSERT_TRUE(got.wait_for_count(1));
    // Nobody pushes: the picture is repeated (a late subscriber's keyframe request gets it).
    ASSERT_TRUE(got.wait_for_count(3));
    const auto ts = encode.stats();
    EXPECT_EQ(ts.frames_late, 0u);
    EXPECT_EQ(ts.frames_over_rate, 0u);
    std::lock_guard lock(got.mutex);
    EXPECT_TRUE(got.frames[0]->keyframe);
    EXPECT_LT(got.frames[0]->timestamp, std::chrono::hours(1));
    for (std::size_t i = 1; i < got.frames.size(); ++i)
      EXPECT_GT(got.frames[i]->timestamp, got.frames[i - 1]->timestamp) << "at " << i;
    EXPECT_GE(track->stats().repeated, 2u);
    // Leaving the scope stops the encode while it waits for a push that never comes.
  }
  EXPECT_EQ(track->stats().sent, 1u);
}

TEST(PushVideoTrackEncode, PushesFasterThanTheFrameRateReplaceEachOtherInsteadOfBeingDroppedAsOverRate) {
  auto track = std::make_shared<PushVideoTrack>();
  std::atomic<bool> ended{false};
  EncodedVideoTrack encode(track, VideoEncodeSettings{64, 64, 30, 200000, 3000ms});
  encode.add_sink([](const std::shared_ptr<const EncodedVideoFrame>&) {}, [&](const std::string&) { ended = true; });
  encode.start(EncodedVideoTrack::Clock::now());
  // 300 pushes, 2 ms apart: ~600 ms at 500 fps into a 30 fps encode.
  for (int n = 0; n < 300; ++n) {
    ASSERT_TRUE(track->push(numbered(n % 256)));
    std::this_thread::sleep_for(2ms);
  }
  track->end();
  for (int i = 0; i < 1000 && !ended; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(ended) << "end() did not end the encode";
  const auto s = track->stats();
  const auto e = encode.stats();
  EXPECT_EQ(e.frames_over_rate, 0u);
  EXPECT_GT(s.replaced, 0u);
  EXPECT_EQ(s.pushed, s.sent + s.replaced + s.stale);
  EXPECT_EQ(e.frames_read, s.sent + s.repeated);
}

}  // namespace
}  // namespace roomcast::media
