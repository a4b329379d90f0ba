// The public C++ API end to end, in one process: an embedded Janus, a publishing meeting
// fed by a CustomAudioTrack of awkward chunks, and a listening meeting hearing it through
// sinks. Runs inside tests/e2e/netns.sh (ICE needs a non-loopback interface).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <numbers>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "roomcast/roomcast.hpp"
#include "server/embedded_janus.hpp"

using namespace roomcast;
using namespace std::chrono_literals;

namespace {

constexpr double kToneHz = 441.0;

/// 441 Hz, Float32 stereo at 44.1 kHz, in chunks of 1000 frames (never a multiple of
/// 960 or of 20 ms): the SDK must resample, downmix and re-frame.
class ToneTrack : public CustomAudioTrack {
 public:
  explicit ToneTrack(double seconds) : total_(static_cast<long>(seconds * 44100)) {}
  std::optional<AudioChunk> recv() override {
    if (done_ >= total_) return std::nullopt;
    const long n = std::min<long>(1000, total_ - done_);
    std::vector<float> samples(static_cast<size_t>(2 * n));
    for (long i = 0; i < n; ++i) {
      float v = 0.4f * static_cast<float>(std::sin(2 * std::numbers::pi * kToneHz * (done_ + i) / 44100.0));
      samples[2 * i] = samples[2 * i + 1] = v;
    }
    done_ += n;
    return AudioChunk::from_float(samples, 44100, 2);
  }
  std::optional<std::chrono::milliseconds> duration() const override {
    return std::chrono::milliseconds(total_ * 1000 / 44100);
  }

 private:
  long total_;
  long done_ = 0;
};

/// Collects a stream's frames; waits for conditions with deadlines.
class Collector : public AudioSink {
 public:
  void on_audio_frame(const ReceivedAudioFrame& frame) override {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(frame.samples.size(), 960u);
    EXPECT_EQ(frame.sample_rate_hz, 48000);
    if (!samples_.empty()) {
      EXPECT_EQ(frame.timestamp_samples, next_) << "timestamps count samples";
    }
    next_ = frame.timestamp_samples + frame.samples.size();
    samples_.insert(samples_.end(), frame.samples.begin(), frame.samples.end());
    concealed_ += frame.concealed;
    ++frames_;
    changed_.notify_all();
  }
  bool wait_for_frames(size_t frames, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return frames_ >= frames; });
  }
  std::vector<int16_t> samples() {
    std::lock_guard lock(mutex_);
    return samples_;
  }
  size_t frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  size_t concealed() {
    std::lock_guard lock(mutex_);
    return concealed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int16_t> samples_;
  uint64_t next_ = 0;
  size_t frames_ = 0;
  size_t concealed_ = 0;
};

double goertzel_power(const std::vector<int16_t>& x, double hz) {
  double w = 2 * std::numbers::pi * hz / 48000, c = 2 * std::cos(w), s1 = 0, s2 = 0;
  for (int16_t v : x) {
    double s0 = v + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/// Frequency of the strongest tone between lo and hi Hz: a 1 Hz scan, then 0.05 Hz steps
/// around the best bin.
double dominant_hz(const std::vector<int16_t>& x, double lo, double hi) {
  auto scan = [&](double from, double to, double step) {
    double best = from, best_power = -1;
    for (double f = from; f <= to; f += step)
      if (double p = goertzel_power(x, f); p > best_power) best_power = p, best = f;
    return best;
  };
  double coarse = scan(lo, hi, 1.0);
  return scan(coarse - 1, coarse + 1, 0.05);
}

/// Records what a remote participant's streams do, and sinks their audio.
class Listener : public MeetingEventHandler, public ParticipantEventHandler {
 public:
  void on_participant_joined(Participant p) override {
    std::lock_guard lock(mutex_);
    joined_.push_back(p);
    p.add_event_listener(self.lock());
  }
  void on_stream_enabled(const Stream& stream) override {
    if (stream.kind() == "audio" && !stream.is_local()) stream.add_sink(per_stream);
    std::lock_guard lock(mutex_);
    ++enabled_;
    changed_.notify_all();
  }
  void on_stream_disabled(const Stream& stream) override {
    std::lock_guard lock(mutex_);
    last_stats_ = stream.stats();
    ++disabled_;
    changed_.notify_all();
  }
  void on_meeting_left(const MeetingLeftInfo& info) override {
    std::lock_guard lock(mutex_);
    left_reason_ = info.reason;
    changed_.notify_all();
  }
  template <typename P>
  bool wait(P predicate, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return predicate(*this); });
  }

  std::weak_ptr<Listener> self;
  std::shared_ptr<Collector> per_stream = std::make_shared<Collector>();
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Participant> joined_;
  int enabled_ = 0, disabled_ = 0;
  AudioReceiveStats last_stats_;
  std::string left_reason_;
};

std::shared_ptr<Listener> make_listener() {
  auto l = std::make_shared<Listener>();
  l->self = l;
  return l;
}

class ApiE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    server::EmbeddedJanusOptions options;
    options.rooms.push_back(server::RoomOptions{1234});
    janus_ = std::make_unique<server::EmbeddedJanus>(options);
  }
  MeetingConfig config(const std::string& name, std::shared_ptr<CustomAudioTrack> track) {
    MeetingConfig c;
    c.meeting_id = "1234";
    c.name = name;
    c.server_url = janus_->url();
    c.mic_enabled = track != nullptr;
    c.custom_microphone_audio_track = std::move(track);
    return c;
  }
  std::unique_ptr<server::EmbeddedJanus> janus_;
};

}  // namespace

TEST_F(ApiE2e, CustomTrackOfAwkwardChunksIsHeardInTune) {
  auto listener = make_listener();
  auto mixed = std::make_shared<Collector>();
  auto listening = init_meeting(config("listener", nullptr));
  listening.add_event_listener(listener);
  listening.add_mixed_audio_sink(mixed);
  listening.join();

  auto publishing = init_meeting(config("tone", std::make_shared<ToneTrack>(4.0)));
  publishing.join();
  ASSERT_TRUE(publishing.run_until_left(15s)) << "the 4 s track did not end";
  EXPECT_EQ(publishing.left_info()->reason, "end of stream");
  EXPECT_FALSE(publishing.left_info()->error);
  EXPECT_EQ(publishing.publish_stats().frames_sent, 200u) << "4 s = 200 frames of 20 ms, the last padded";

  ASSERT_TRUE(listener->wait([](Listener& l) { return l.disabled_ >= 1; }, 5s))
      << "no on_stream_disabled after the publisher left";
  auto all = listener->per_stream->samples();
  // The publisher's lead-in silence covers our subscription set-up: all 4 s are heard.
  auto loud = [](int16_t v) { return std::abs(v) > 2000; };
  auto first = std::find_if(all.begin(), all.end(), loud);
  auto last = std::find_if(all.rbegin(), all.rend(), loud).base();
  ASSERT_LT(first, last) << "no tone heard";
  std::vector<int16_t> heard(first, last);
  double seconds = heard.size() / 48000.0;
  EXPECT_NEAR(seconds, 4.0, 0.02) << "the tone from its first to its last sample";
  EXPECT_GT(first - all.begin(), 48000 / 20) << "the lead-in silence came first";
  size_t quiet = 0;
  for (size_t i = 0; i + 960 <= heard.size(); i += 960) {
    double energy = 0;
    for (size_t j = i; j < i + 960; ++j) energy += double(heard[j]) * heard[j];
    quiet += std::sqrt(energy / 960) < 1000;  // the tone's RMS is ~9000
  }
  EXPECT_LE(quiet, 1u) << "silent 20 ms frames inside the heard audio";
  EXPECT_LE(listener->per_stream->concealed(), listener->per_stream->frames() / 100) << "< 1% concealed";
  std::vector<int16_t> middle(heard.begin() + heard.size() / 4, heard.begin() + 3 * heard.size() / 4);
  EXPECT_NEAR(dominant_hz(middle, 400, 480), kToneHz, 0.5);
  EXPECT_EQ(listener->last_stats_.frames_played, listener->per_stream->frames());
  EXPECT_EQ(listener->last_stats_.packets_lost, 0u);

  // The room mix has run since join, silence included, and holds the same tone.
  EXPECT_GE(mixed->frames(), listener->per_stream->frames());
  EXPECT_NEAR(dominant_hz(mixed->samples(), 400, 480), kToneHz, 0.5);
  listening.leave();
  EXPECT_EQ(listener->left_reason_, "left");
}

TEST_F(ApiE2e, WithoutAutoSubscribeAudioFlowsOnlyAfterSubscribe) {
  auto listener = make_listener();
  auto c = config("listener", nullptr);
  c.auto_subscribe = false;
  auto listening = init_meeting(c);
  listening.add_event_listener(listener);
  listening.join();
  auto publishing = init_meeting(config("tone", std::make_shared<ToneTrack>(6.0)));
  publishing.join();

  ASSERT_TRUE(listener->wait([](Listener& l) { return l.enabled_ >= 1; }, 5s));
  EXPECT_FALSE(listener->per_stream->wait_for_frames(1, 1s)) << "audio arrived without subscribing";
  auto participants = listening.participants();
  ASSERT_EQ(participants.size(), 1u);
  EXPECT_EQ(participants[0].display_name(), "tone");
  listening.subscribe(participants[0]);
  EXPECT_TRUE(listener->per_stream->wait_for_frames(50, 5s)) << "no audio 5 s after subscribe()";
  listening.unsubscribe(participants[0]);
  publishing.leave();
  listening.leave();
}

// Meeting::stats() from other threads at once and from a handler (the SDK's own thread):
// the publisher's RTT from Janus's receiver reports, the listener's per-participant receive
// figures, the same as Stream::stats(), and the sending figures kept after leaving.
TEST_F(ApiE2e, StatsFromAnyThreadSendingAndReceiving) {
  class StatsInHandler : public MeetingEventHandler {
   public:
    Meeting* meeting = nullptr;
    std::atomic<int> calls{0};
    void on_participant_joined(Participant) override {
      (void)meeting->stats();  // on the SDK's thread: must not wait for itself
      ++calls;
    }
  };
  auto listener = make_listener();
  auto in_handler = std::make_shared<StatsInHandler>();
  auto listening = init_meeting(config("listener", nullptr));
  in_handler->meeting = &listening;
  listening.add_event_listener(listener);
  listening.add_event_listener(in_handler);
  listening.join();
  auto publishing = init_meeting(config("tone", std::make_shared<ToneTrack>(30.0)));
  publishing.join();

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> polls{0};
  std::vector<std::thread> pollers;
  for (int i = 0; i < 3; ++i)
    pollers.emplace_back([&] {
      while (!stop) {
        (void)listening.stats();
        (void)publishing.stats();
        ++polls;
      }
    });
  // Until Janus answered a few of our sender reports and 3 s of the tone arrived.
  MeetingStats sent, heard;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    sent = publishing.stats();
    heard = listening.stats();
    if (sent.sending.round_trip_time && sent.sending.receiver_reports >= 3 && heard.receiving.size() == 1 &&
        heard.receiving[0].audio.packets_received >= 150)
      break;
    publishing.run_until_left(50ms);  // a bounded wait, not a sleep: it returns if the meeting ends
  }
  stop = true;
  for (auto& t : pollers) t.join();
  EXPECT_GT(polls.load(), 10u);
  EXPECT_GE(in_handler->calls.load(), 1);

  EXPECT_TRUE(sent.publishing);
  ASSERT_TRUE(sent.sending.round_trip_time) << "no RTT from Janus's receiver reports";
  EXPECT_LT(*sent.sending.round_trip_time, 100ms) << "a local path";
  EXPECT_GE(sent.sending.receiver_reports, 3u);
  EXPECT_EQ(sent.sending.remote_packets_lost, 0);
  EXPECT_GE(sent.sending.remote_jitter_ms, 0.0);
  EXPECT_LT(sent.sending.remote_jitter_ms, 20.0);
  EXPECT_TRUE(sent.receiving.empty()) << "the publisher subscribes to nobody";

  EXPECT_FALSE(heard.publishing);
  ASSERT_EQ(heard.receiving.size(), 1u);
  const RemoteAudioStats& r = heard.receiving[0];
  EXPECT_EQ(r.display_name, "tone");
  EXPECT_EQ(r.stream_id, "audio:0");
  EXPECT_GE(r.audio.packets_received, 150u);
  EXPECT_GT(r.audio.bytes_received, r.audio.packets_received * 10) << "Opus payloads of a tone";
  EXPECT_EQ(r.audio.cumulative_lost, 0);
  EXPECT_EQ(r.audio.fraction_lost, 0.0);
  EXPECT_GT(r.audio.jitter_ms, 0.0) << "real arrival times always vary a little";
  EXPECT_LT(r.audio.jitter_ms, 20.0);
  auto participants = listening.participants();
  ASSERT_EQ(participants.size(), 1u);
  EXPECT_EQ(participants[0].id(), r.participant_id);
  auto streams = participants[0].streams();
  ASSERT_FALSE(streams.empty());
  const AudioReceiveStats via_stream = streams[0].stats();  // refreshed every 20 ms tick
  EXPECT_GE(via_stream.bytes_received, r.audio.bytes_received / 2);
  EXPECT_GT(via_stream.jitter_ms, 0.0);

  publishing.leave();
  const MeetingStats after = publishing.stats();
  EXPECT_EQ(after.sending.packets_sent, publishing.publish_stats().packets_sent);
  EXPECT_GE(after.sending.packets_sent, sent.sending.packets_sent);
  EXPECT_TRUE(after.sending.round_trip_time) << "the last figures stay after leaving";
  listening.leave();
}

TEST_F(ApiE2e, LeaveFromAHandlerReturnsAndTheMeetingEnds) {
  class LeaveOnLive : public ParticipantEventHandler {
   public:
    Meeting* meeting = nullptr;
    void on_stream_enabled(const Stream&) override { meeting->leave(); }  // on the SDK thread
  };
  auto handler = std::make_shared<LeaveOnLive>();
  auto publishing = init_meeting(config("tone", std::make_shared<ToneTrack>(30.0)));
  handler->meeting = &publishing;
  publishing.local_participant().add_event_listener(handler);
  publishing.join();
  ASSERT_TRUE(publishing.run_until_left(10s)) << "leave() from a handler did not end the meeting";
  EXPECT_EQ(publishing.left_info()->reason, "left");
}

// A handler that destroys the meeting it belongs to (as a bot does when someone joins):
// the other meeting keeps sending, and the process's last meeting may go the same way.
TEST_F(ApiE2e, DestroyingMeetingsFromTheirOwnHandlersIsSafeAlsoTheLastOne) {
  struct Holder {
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<Meeting> meeting;
    bool destroyed = false;
    void destroy() {  // on the SDK thread, from inside the meeting's own event
      std::lock_guard lock(mutex);
      meeting.reset();
      destroyed = true;
      cv.notify_all();
    }
    bool wait_destroyed(std::chrono::seconds timeout) {
      std::unique_lock lock(mutex);
      return cv.wait_for(lock, timeout, [&] { return destroyed; });
    }
  };
  class DestroyOnJoin : public MeetingEventHandler {
   public:
    explicit DestroyOnJoin(Holder& holder) : holder_(holder) {}
    void on_participant_joined(Participant) override { holder_.destroy(); }

   private:
    Holder& holder_;
  };
  Holder first;
  first.meeting.emplace(init_meeting(config("first", std::make_shared<ToneTrack>(30.0))));
  first.meeting->add_event_listener(std::make_shared<DestroyOnJoin>(first));
  first.meeting->join();

  Holder second;
  second.meeting.emplace(init_meeting(config("second", std::make_shared<ToneTrack>(30.0))));
  second.meeting->join();  // "second" joining makes "first" destroy itself
  ASSERT_TRUE(first.wait_destroyed(10s)) << "the first meeting's handler never ran";
  const auto sent_before = second.meeting->publish_stats().packets_sent;
  std::this_thread::sleep_for(500ms);  // a measured span of sending, not a readiness wait
  EXPECT_GE(second.meeting->publish_stats().packets_sent, sent_before + 20) << "the surviving meeting stopped sending";

  // Now the last meeting of the process destroys itself from a handler of its own.
  second.meeting->add_event_listener(std::make_shared<DestroyOnJoin>(second));
  auto third = init_meeting(config("third", std::make_shared<ToneTrack>(30.0)));
  third.join();  // "second" sees "third" join and goes
  ASSERT_TRUE(second.wait_destroyed(10s));
  third.leave();
  EXPECT_FALSE(third.left_info()->error);
}

TEST_F(ApiE2e, JoinErrorsAreTypedAndSayWhatToDo) {
  auto c = config("nobody", std::make_shared<ToneTrack>(1.0));
  c.meeting_id = "999";
  auto meeting = init_meeting(c);
  try {
    meeting.join();
    FAIL() << "joining a room that does not exist succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Signaling);
    EXPECT_NE(std::string(e.what()).find("no such meeting"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(meeting.run_until_left(0ms)) << "a failed join leaves the meeting ended";
}

// FileAudioTrack::pause() while publishing: the meeting stays up, the stream goes on as
// silence with contiguous timestamps (the Collector checks them), the position stands
// still, and after resume() the rest of the file follows: 4 s of tone heard in total.
// 20 ms frames at the end of `samples` that are silent (RMS at most 3000; the tone is ~11600).
static size_t trailing_quiet_frames(const std::vector<int16_t>& samples) {
  size_t quiet = 0;
  for (size_t end = samples.size() / 960 * 960; end >= 960; end -= 960, ++quiet) {
    double energy = 0;
    for (size_t j = end - 960; j < end; ++j) energy += double(samples[j]) * samples[j];
    if (std::sqrt(energy / 960) > 3000) break;
  }
  return quiet;
}

TEST_F(ApiE2e, PausedFileTrackSendsSilenceAndResumesWhereItStopped) {
  char dir[] = "/tmp/roomcast-api-pause-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string wav = std::string(dir) + "/tone.wav";
  ASSERT_EQ(std::system(("ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "
                         "'sine=frequency=441:sample_rate=44100:duration=4' -af volume=4 '" + wav + "'")
                            .c_str()),
            0);
  auto listener = make_listener();
  auto listening = init_meeting(config("listener", nullptr));
  listening.add_event_listener(listener);
  listening.join();
  auto track = std::make_shared<FileAudioTrack>(wav);
  auto publishing = init_meeting(config("file", track));
  publishing.join();
  ASSERT_TRUE(listener->per_stream->wait_for_frames(60, 10s)) << "nothing heard";
  track->pause();
  const auto paused_at = track->position();
  // The pause reaches the listener after what was already on its way (encoded ahead, on the
  // wire, in its jitter buffer; more of it on a loaded machine): wait, bounded, until it has
  // heard 2 s of silence in a row, the stream going on throughout.
  const auto deadline = std::chrono::steady_clock::now() + 6s;
  while (trailing_quiet_frames(listener->per_stream->samples()) < 100 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_GE(trailing_quiet_frames(listener->per_stream->samples()), 100u)
      << "2 s of silence heard while paused (the stream stopped, or the tone went on)";
  EXPECT_EQ(track->position(), paused_at) << "the position moved while paused";
  EXPECT_FALSE(publishing.run_until_left(0ms)) << "the meeting ended while paused";
  track->resume();
  ASSERT_TRUE(publishing.run_until_left(15s)) << "the file did not end after resume()";
  EXPECT_EQ(publishing.left_info()->reason, "end of stream");
  ASSERT_TRUE(listener->wait([](Listener& l) { return l.disabled_ >= 1; }, 5s));
  listening.leave();
  std::filesystem::remove_all(dir);

  // 20 ms frames: loud (the tone: amplitude 1/8 x 4, RMS ~ 11600) or silent.
  const auto all = listener->per_stream->samples();
  size_t loud = 0, longest_quiet = 0, quiet_run = 0, first_loud = SIZE_MAX, last_loud = 0;
  for (size_t i = 0, frame = 0; i + 960 <= all.size(); i += 960, ++frame) {
    double energy = 0;
    for (size_t j = i; j < i + 960; ++j) energy += double(all[j]) * all[j];
    if (std::sqrt(energy / 960) > 3000) {
      ++loud;
      first_loud = std::min(first_loud, frame);
      last_loud = frame;
      quiet_run = 0;
    } else if (first_loud != SIZE_MAX) {
      longest_quiet = std::max(longest_quiet, ++quiet_run);
    }
  }
  RecordProperty("loud_frames", std::to_string(loud));
  RecordProperty("pause_frames", std::to_string(longest_quiet));
  EXPECT_NEAR(static_cast<double>(loud), 200.0, 3.0) << "4 s of tone = 200 frames, none lost to the pause";
  EXPECT_GE(longest_quiet, 95u) << "the pause (>= 2 s) is heard as silence";
  EXPECT_NEAR(static_cast<double>(last_loud - first_loud + 1), 200.0 + longest_quiet, 3.0)
      << "one silent stretch, the pause, inside the tone";
  EXPECT_LE(listener->per_stream->concealed(), listener->per_stream->frames() / 100) << "< 1% concealed";
}
