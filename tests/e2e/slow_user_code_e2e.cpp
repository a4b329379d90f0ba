// Slow user code must delay only itself (run_slow_code_test.py). In one process:
//   --meetings N ordinary meetings share one FileAudioTrack (--file) and publish it;
//   --slow-tracks K meetings publish a CustomAudioTrack whose recv() blocks 2 s every 3 s
//     (K >= the cores: every worker thread is blocked at once);
//   one listening meeting whose mixed-audio sink blocks 2 s every 3 s.
// After --stay S seconds it prints one JSON line per meeting (late frames, frames sent) and a
// summary with a control thread's late wake-ups on the same 20 ms grid, then leaves.
//   slow_user_code_e2e --server URL --room ID --file TONE [--meetings 8] [--slow-tracks 2] [--stay 12]
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "roomcast/roomcast.hpp"

using namespace roomcast;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// A 330 Hz tone in 10 ms chunks whose recv() blocks 2 s once every 3 s of audio it produced.
class SlowTrack : public CustomAudioTrack {
 public:
  std::optional<AudioChunk> recv() override {
    if (produced_ > 0 && produced_ % (3 * 48000) == 0) std::this_thread::sleep_for(2s);  // the user's stall
    std::vector<int16_t> samples(480);
    for (auto& s : samples) s = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 330 * (produced_++) / 48000.0));
    return AudioChunk::from_s16(samples, 48000, 1);
  }
  std::string description() const override { return "slow track"; }

 private:
  uint64_t produced_ = 0;
};

/// Blocks 2 s on every 150th frame (3 s of audio).
class SlowSink : public AudioSink {
 public:
  void on_audio_frame(const ReceivedAudioFrame&) override {
    if (++frames % 150 == 0 && stall) std::this_thread::sleep_for(2s);
  }
  std::atomic<uint64_t> frames{0};
  bool stall = true;
};

std::string arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  if (!fallback) {
    std::cerr << "usage: slow_user_code_e2e --server URL --room ID --file TONE [--meetings N] [--slow-tracks K] "
                 "[--stay S]\n";
    std::exit(2);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string server = arg(argc, argv, "--server", nullptr);
  const std::string room = arg(argc, argv, "--room", "1234");
  const std::string file = arg(argc, argv, "--file", nullptr);
  const int meetings = std::stoi(arg(argc, argv, "--meetings", "8"));
  const int slow_tracks = std::stoi(arg(argc, argv, "--slow-tracks", "2"));
  const int stay_s = std::stoi(arg(argc, argv, "--stay", "12"));

  auto shared = std::make_shared<FileAudioTrack>(file);
  auto config_for = [&](const std::string& name, std::shared_ptr<CustomAudioTrack> track) {
    MeetingConfig config;
    config.server_url = server;
    config.meeting_id = room;
    config.name = name;
    config.mic_enabled = track != nullptr;
    config.auto_subscribe = track == nullptr;  // only the listener receives
    config.custom_microphone_audio_track = std::move(track);
    return config;
  };
  struct Entry {
    std::string name;
    bool slow;
    Meeting meeting;
  };
  std::vector<Entry> all;
  // The listener with the stalling sink first, so it hears everyone.
  auto sink = std::make_shared<SlowSink>();
  Meeting listener = init_meeting(config_for("slow-sink", nullptr));
  listener.add_mixed_audio_sink(sink);
  listener.join();
  for (int i = 0; i < slow_tracks; ++i) {
    Meeting m = init_meeting(config_for("slow-track-" + std::to_string(i), std::make_shared<SlowTrack>()));
    m.join();
    all.push_back({"slow-track-" + std::to_string(i), true, std::move(m)});
  }
  for (int i = 0; i < meetings; ++i) {
    Meeting m = init_meeting(config_for("ordinary-" + std::to_string(i), shared));
    m.join();
    all.push_back({"ordinary-" + std::to_string(i), false, std::move(m)});
  }

  // Control: a plain thread on the same 20 ms grid. A tick it too wakes late for was the
  // machine's doing, not the SDK's.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> probe_late{0};
  std::thread probe([&] {
    auto next = Clock::now();
    while (!stop) {
      next += 20ms;
      std::this_thread::sleep_until(next);
      if (Clock::now() - next >= 20ms) {
        ++probe_late;
        next = Clock::now();
      }
    }
  });
  // Counted from 2 s after the joins: the listener's subscription is renegotiated for each
  // publisher meanwhile, on the network thread (join-time lateness is engine_e2e's subject).
  std::this_thread::sleep_for(2s);
  std::vector<uint64_t> late_before;
  for (auto& e : all) late_before.push_back(e.meeting.publish_stats().late_frames);
  std::this_thread::sleep_for(std::chrono::seconds(stay_s));
  stop = true;
  probe.join();

  for (size_t i = 0; i < all.size(); ++i) {
    auto st = all[i].meeting.publish_stats();
    std::cout << "{\"name\":\"" << all[i].name << "\",\"slow\":" << (all[i].slow ? "true" : "false")
              << ",\"late_frames\":" << st.late_frames - late_before[i] << ",\"underruns\":" << st.underruns
              << ",\"frames_sent\":" << st.frames_sent << ",\"joined\":" << (all[i].meeting.joined() ? "true" : "false")
              << "}" << std::endl;
  }
  std::cout << "{\"summary\":true,\"probe_late_wakeups\":" << probe_late << ",\"sink_frames\":" << sink->frames
            << ",\"stay_s\":" << stay_s << "}" << std::endl;
  for (auto& e : all) e.meeting.leave();
  listener.leave();
  return 0;
}
