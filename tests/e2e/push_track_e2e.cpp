// A voice agent's session through the public API (run_push_test.py listens and judges): one
// meeting publishes a PushAudioTrack and, printing one JSON line per step with CLOCK_MONOTONIC
// times (Python's time.monotonic()):
//   live:     a producer thread pushes 441 Hz in real time in irregular 5-80 ms chunks, at
//             22.05, 24 and 44.1 kHz in turn (--live-seconds), then wait_for_playout();
//   pause:    pushes nothing for 2 s, then 441 Hz again for 2 s, wait_for_playout();
//   clear:    pushes 5 s of 660 Hz at once, lets 1 s of it play, clear() (barge-in);
//   playout:  pushes 1.5 s of 550 Hz at once, wait_for_playout() (its return time);
//   end:      end(); the meeting ends at the end of the stream.
// --dtx 1 turns on MeetingConfig::opus_dtx (silence is not sent but for a packet per 400 ms).
// --go-file F: after join(), wait (10 s at most) until F exists: the driver makes it once its
// listeners hear us, so the session starts with everyone listening.
//   push_track_e2e --server URL --room ID [--name pusher] [--live-seconds 10] [--dtx 0|1] [--go-file F]
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "roomcast/roomcast.hpp"

using namespace roomcast;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

namespace {

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

void emit(Json line) {
  line["t"] = now_s();
  std::cout << line.dump() << std::endl;
}

std::string arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  if (!fallback) {
    std::cerr << "usage: push_track_e2e --server URL --room ID [--name pusher] [--live-seconds 10]\n";
    std::exit(2);
  }
  return fallback;
}

/// A continuous sine at any rate, cut into chunks of any length (its phase carries on).
class Tone {
 public:
  Tone(double hz, int rate) : hz_(hz), rate_(rate) {}
  AudioChunk next(std::size_t frames) {
    std::vector<float> pcm(frames);
    for (auto& s : pcm) s = static_cast<float>(0.25 * std::sin(2 * M_PI * hz_ * static_cast<double>(n_++) / rate_));
    return AudioChunk::from_float(pcm, rate_, 1);
  }
  AudioChunk seconds(double s) { return next(static_cast<std::size_t>(s * rate_)); }

 private:
  double hz_;
  int rate_;
  uint64_t n_ = 0;
};

/// Pushes `seconds` of 441 Hz in real time: irregular chunks, each pushed once the audio
/// before it is within `lead` of the wall clock (a live source a little ahead, as TTS is).
void push_live(PushAudioTrack& track, double seconds, int rate, std::mt19937& random, Clock::duration lead) {
  Tone tone(441, rate);
  const auto start = Clock::now();
  double pushed = 0;
  while (pushed < seconds) {
    const double chunk_s = std::min(seconds - pushed, (5 + random() % 76) / 1000.0);
    const auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(pushed)) - lead;
    std::this_thread::sleep_until(due);
    if (!track.push(tone.seconds(chunk_s), 5s)) throw std::runtime_error("push timed out in the live phase");
    pushed += chunk_s;
  }
}

}  // namespace

int main(int argc, char** argv) {
  MeetingConfig config;
  config.server_url = arg(argc, argv, "--server", nullptr);
  config.meeting_id = arg(argc, argv, "--room", nullptr);
  config.name = arg(argc, argv, "--name", "pusher");
  const double live_seconds = std::stod(arg(argc, argv, "--live-seconds", "10"));
  config.opus_dtx = arg(argc, argv, "--dtx", "0") == "1";
  auto track = std::make_shared<PushAudioTrack>(PushAudioTrack::Options{10s});
  config.custom_microphone_audio_track = track;
  try {
    Meeting meeting = init_meeting(config);
    meeting.join();
    emit({{"step", "joined"}});
    if (const std::string go = arg(argc, argv, "--go-file", ""); !go.empty()) {
      const auto deadline = Clock::now() + 10s;
      while (!std::filesystem::exists(go) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
      emit({{"step", "go"}, {"ok", std::filesystem::exists(go)}});
    }

    std::mt19937 random(7);
    emit({{"step", "live_start"}});
    const int rates[] = {22050, 24000, 44100};
    for (int rate : rates) push_live(*track, live_seconds / 3, rate, random, 100ms);
    const bool live_out = track->wait_for_playout(5s);
    emit({{"step", "live_end"}, {"played_out", live_out}});

    std::this_thread::sleep_for(2s);  // the pause: nothing pushed, the meeting must stay up
    emit({{"step", "resume"}, {"joined", meeting.joined()}});
    push_live(*track, 2, 48000, random, 100ms);
    const bool resumed_out = track->wait_for_playout(5s);
    emit({{"step", "resume_end"}, {"played_out", resumed_out}});

    Tone clear_tone(660, 48000);
    if (!track->push(clear_tone.seconds(5), 1s)) throw std::runtime_error("5 s push refused");
    emit({{"step", "clear_pushed"}, {"queued_ms", track->queued_duration().count()}});
    std::this_thread::sleep_for(1s);
    const auto before = track->queued_duration();
    const double clear_at = now_s();
    track->clear();
    emit({{"step", "cleared"}, {"clear_at", clear_at}, {"queued_before_ms", before.count()},
          {"queued_after_ms", track->queued_duration().count()}});
    std::this_thread::sleep_for(500ms);

    Tone playout_tone(550, 48000);
    // Packets the meeting sent (silence or DTX counted by frames) before and at the return:
    // the 75 frames of the push must all be out when wait_for_playout() returns.
    const auto frames_out = [&] {
      const PublishStats s = meeting.publish_stats();
      return s.packets_sent;
    };
    const uint64_t before_push = frames_out();
    if (!track->push(playout_tone.seconds(1.5), 1s)) throw std::runtime_error("1.5 s push refused");
    const double wait_from = now_s();
    const bool played = track->wait_for_playout(10s);
    const uint64_t at_return = frames_out();
    emit({{"step", "played_out"}, {"ok", played}, {"waited_s", now_s() - wait_from},
          {"packets_during_wait", at_return - before_push}});
    std::this_thread::sleep_for(500ms);

    track->end();
    meeting.run_until_left(10s);
    const PublishStats ps = meeting.publish_stats();
    const PushAudioTrack::Stats ts = track->stats();
    emit({{"step", "summary"}, {"left", meeting.left_info() ? meeting.left_info()->reason : ""},
          {"frames_sent", ps.frames_sent}, {"late_frames", ps.late_frames}, {"underruns", ts.underruns},
          {"talkspurts", ts.talkspurts}, {"pushed_ms", ts.pushed.count()}, {"cleared_ms", ts.cleared.count()},
          {"sent_ms", ts.sent.count()}});
  } catch (const std::exception& e) {
    std::cerr << "push_track_e2e: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
