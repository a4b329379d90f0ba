// Many meetings in one process sharing ONE FileAudioTrack (the engine's shared encode), for
// run_engine_test.py: joins N meetings to a room on --server from a few threads at --rate
// joins/s, stays, leaves, and prints one JSON line per meeting and a summary line.
//   engine_e2e --server URL --room ID --file TONE --meetings N [--rate PER_S] [--threads T]
//              [--stay S | (default) until the file ends] [--lead-in MS] [--name PREFIX]
//              [--rooms K: meeting i joins room ID + i % K] [--video FILE: ONE FileVideoTrack
//              of FILE is every meeting's camera too]
// With --stay, each meeting's stats are taken after S s and compared with the frames its
// time on the wire allows (the program's own clock); without it the file plays to its end.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "roomcast/roomcast.hpp"

using namespace roomcast;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto kFrame = 20ms;

struct Options {
  std::string server, room = "1234", file, name = "engine", video;
  int meetings = 3, threads = 4, rooms = 1;
  double rate = 50, stay_s = -1;
  int lead_in_ms = 300;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "engine_e2e: " << why
            << "\nusage: engine_e2e --server URL --room ID --file PATH --meetings N [--rate PER_S] "
               "[--threads T] [--stay S] [--lead-in MS] [--name PREFIX] [--rooms K] [--video PATH]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  std::map<std::string, std::string> kv;
  for (int i = 1; i < argc; i += 2) {
    if (std::strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) usage(std::string("bad argument ") + argv[i]);
    kv[argv[i] + 2] = argv[i + 1];
  }
  for (auto& [k, v] : kv) {
    if (k == "server") o.server = v;
    else if (k == "room") o.room = v;
    else if (k == "file") o.file = v;
    else if (k == "video") o.video = v;
    else if (k == "name") o.name = v;
    else if (k == "meetings") o.meetings = std::stoi(v);
    else if (k == "threads") o.threads = std::stoi(v);
    else if (k == "rooms") o.rooms = std::stoi(v);
    else if (k == "rate") o.rate = std::stod(v);
    else if (k == "stay") o.stay_s = std::stod(v);
    else if (k == "lead-in") o.lead_in_ms = std::stoi(v);
    else usage("unknown option --" + k);
  }
  if (o.server.empty() || o.file.empty() || o.meetings < 1 || o.threads < 1 || o.rate <= 0)
    usage("--server, --file and a positive --meetings, --threads, --rate are needed");
  return o;
}

struct Slot {
  std::optional<Meeting> meeting;
  std::atomic<bool> ready{false};  // `meeting` is in place (set by its join thread)
  Clock::time_point join_started{}, join_returned{};
  std::string error;
  // Taken just before leaving (--stay): the stats and the frames the time allows.
  std::optional<PublishStats> stats;
  Clock::time_point stats_at{};
  std::optional<std::string> left_reason;
  uint64_t late_at_all_joined = 0;  // late frames during the joins (the ramp)
  // The camera's counters as last seen while joined: a left meeting's publish_stats() has
  // had no `video` since its leave resets the video sender before the final snapshot.
  std::optional<VideoPublishStats> video_live;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

// Runs fn(i) for i in [0, n) on `threads` threads; item i starts no earlier than start + i / rate.
template <typename Fn>
void paced(int n, int threads, double rate, Clock::time_point start, Fn fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < std::min(n, threads); ++t)
    pool.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < n;) {
        std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(i / rate)));
        fn(i);
      }
    });
  for (auto& t : pool) t.join();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  // The one track object every meeting is given: the SDK encodes it once for all.
  std::shared_ptr<FileAudioTrack> track;
  std::shared_ptr<FileVideoTrack> camera;  // likewise one object for every meeting's camera
  try {
    track = std::make_shared<FileAudioTrack>(o.file);
    if (!o.video.empty()) camera = std::make_shared<FileVideoTrack>(o.video);
  } catch (const Error& e) {
    std::cerr << "engine_e2e: " << e.what() << "\n";
    return 3;
  }
  const auto track_ms = track->duration();
  std::vector<Slot> slots(static_cast<size_t>(o.meetings));
  const auto t0 = Clock::now();
  // Where late frames come from: every 500 ms, the first meeting's late_frames next to how
  // many have joined and this process's CPU use (stderr; the ramp and the stay apart).
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    auto cpu_s = [] {
      timespec ts{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return ts.tv_sec + ts.tv_nsec / 1e9;
    };
    double last_cpu = cpu_s();
    auto last = Clock::now();
    for (auto next = t0 + 500ms; sampling.load(); next += 500ms) {
      std::this_thread::sleep_until(next);
      int ready = 0;
      for (auto& s : slots) ready += s.ready.load(std::memory_order_acquire);
      std::string late0 = "null";
      if (slots[0].ready.load(std::memory_order_acquire) && sampling.load())
        late0 = std::to_string(slots[0].meeting->publish_stats().late_frames);
      const double cpu = cpu_s();
      const auto now = Clock::now();
      std::cerr << "{\"type\":\"sample\",\"t_s\":" << ms(now - t0) / 1000 << ",\"joined\":" << ready
                << ",\"late_frames_0\":" << late0 << ",\"cpu_percent\":" << 100 * (cpu - last_cpu) / (ms(now - last) / 1000)
                << "}" << std::endl;
      last_cpu = cpu;
      last = now;
    }
  });
  // Control for late frames: a plain thread of this process on the same 20 ms grid. When it
  // too wakes a tick (20 ms) late, the machine withheld the CPU; when only the SDK's loop
  // misses ticks, the loop itself was busy.
  std::atomic<bool> probing{true};
  std::atomic<uint64_t> probe_late{0}, probe_max_late_us{0}, probe_ticks{0};
  std::thread probe([&] {
    for (auto next = Clock::now() + kFrame; probing.load(); next += kFrame) {
      std::this_thread::sleep_until(next);
      const auto late_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - next).count();
      probe_ticks.fetch_add(1);
      if (late_us >= 20000) probe_late.fetch_add(1);
      if (static_cast<uint64_t>(late_us) > probe_max_late_us.load()) probe_max_late_us.store(late_us);
      if (late_us >= 20000) next = Clock::now();  // like the media clock: no burst of catch-up wake-ups
    }
  });
  struct Window {
    uint64_t probe_late = 0, probe_ticks = 0, late_0 = 0;
  };
  auto window_mark = [&] {
    Window w{probe_late.load(), probe_ticks.load(), 0};
    if (slots[0].ready.load(std::memory_order_acquire)) w.late_0 = slots[0].meeting->publish_stats().late_frames;
    return w;
  };
  paced(o.meetings, o.threads, o.rate, t0, [&](int i) {
    Slot& s = slots[static_cast<size_t>(i)];
    MeetingConfig c;
    c.meeting_id = std::to_string(std::stoull(o.room) + static_cast<uint64_t>(i % o.rooms));
    c.server_url = o.server;
    c.name = o.name + "-" + std::to_string(i);
    c.custom_microphone_audio_track = track;
    c.webcam_enabled = camera != nullptr;
    c.custom_camera_video_track = camera;
    c.auto_subscribe = false;
    c.lead_in = std::chrono::milliseconds(o.lead_in_ms);
    try {
      auto m = init_meeting(c);
      s.join_started = Clock::now();
      m.join();
      s.join_returned = Clock::now();
      s.meeting.emplace(std::move(m));
      s.ready.store(true, std::memory_order_release);
    } catch (const std::exception& e) {
      s.error = e.what();
    }
  });
  const auto all_joined = Clock::now();
  int joined = 0;
  for (auto& s : slots) joined += s.meeting.has_value();
  std::cerr << "engine_e2e: " << joined << "/" << o.meetings << " joined in " << ms(all_joined - t0) / 1000
            << " s" << std::endl;

  const Window at_joined = window_mark();
  for (auto& s : slots)
    if (s.meeting) s.late_at_all_joined = s.meeting->publish_stats().late_frames;
  const auto probe_max_ramp_us = probe_max_late_us.exchange(0);
  Window at_end{};
  uint64_t probe_max_stay_us = 0;
  if (o.stay_s >= 0) {
    std::this_thread::sleep_until(all_joined + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(o.stay_s)));
    at_end = window_mark();
    probe_max_stay_us = probe_max_late_us.load();
    // Stats first, for everyone at about the same moment, then the leaves.
    for (auto& s : slots)
      if (s.meeting) {
        s.stats = s.meeting->publish_stats();
        s.stats_at = Clock::now();
        if (auto left = s.meeting->left_info()) s.left_reason = left->reason;
      }
    sampling.store(false);
    sampler.join();
    paced(o.meetings, o.threads, 1e6, Clock::now(), [&](int i) {
      if (auto& m = slots[static_cast<size_t>(i)].meeting) m->leave();
    });
  } else {
    // Until the file ends (each meeting leaves by itself), bounded.
    const auto limit = std::chrono::milliseconds(track_ms ? track_ms->count() : 0) + 20s;
    for (bool all_left = false; !all_left && Clock::now() < all_joined + limit;) {
      all_left = true;
      for (auto& s : slots)
        if (s.meeting && !s.meeting->left_info()) {
          all_left = false;
          if (auto v = s.meeting->publish_stats().video) s.video_live = v;
        }
      if (!all_left) std::this_thread::sleep_for(50ms);
    }
    at_end = window_mark();
    probe_max_stay_us = probe_max_late_us.load();
    sampling.store(false);
    sampler.join();
    for (auto& s : slots)
      if (s.meeting) {
        s.stats = s.meeting->publish_stats();
        s.stats_at = Clock::now();
        if (auto left = s.meeting->left_info()) s.left_reason = left->reason;
        s.meeting->leave();
      }
  }

  const int lead_in_frames = o.lead_in_ms / 20;
  for (int i = 0; i < o.meetings; ++i) {
    Slot& s = slots[static_cast<size_t>(i)];
    std::string line = "{\"type\":\"meeting\",\"index\":" + std::to_string(i) +
                       ",\"name\":" + quoted(o.name + "-" + std::to_string(i)) +
                       ",\"joined\":" + (s.stats ? "true" : "false") + ",\"error\":" + quoted(s.error);
    if (s.stats) {
      const auto& st = *s.stats;
      line += ",\"join_ms\":" + std::to_string(ms(s.join_returned - s.join_started)) +
              ",\"join_started_s\":" + std::to_string(ms(s.join_started - t0) / 1000) +
              ",\"frames_sent\":" + std::to_string(st.frames_sent) +
              ",\"packets_sent\":" + std::to_string(st.packets_sent) +
              ",\"bytes_sent\":" + std::to_string(st.bytes_sent) +
              ",\"late_frames\":" + std::to_string(st.late_frames) +
              ",\"late_frames_ramp\":" + std::to_string(s.late_at_all_joined) +
              ",\"underruns\":" + std::to_string(st.underruns) +
              ",\"fec_frames\":" + std::to_string(st.fec_frames) +
              ",\"position_ms\":" + std::to_string(st.position.count()) +
              ",\"left_reason\":" + (s.left_reason ? quoted(*s.left_reason) : "null");
      // "final": false when the left meeting's stats had no video (the last seen while joined).
      if (const auto& v = st.video ? st.video : s.video_live)
        line += ",\"video\":{\"frames_sent\":" + std::to_string(v->frames_sent) +
                ",\"keyframes_sent\":" + std::to_string(v->keyframes_sent) +
                ",\"packets_sent\":" + std::to_string(v->packets_sent) +
                ",\"keyframe_requests\":" + std::to_string(v->keyframe_requests) +
                ",\"frames_late\":" + std::to_string(v->frames_late) +
                ",\"final\":" + (st.video ? "true" : "false") + "}";
      if (st.time_to_first_packet) {
        line += ",\"first_rtp_ms\":" + std::to_string(st.time_to_first_packet->count());
        // Packets due from the first one (sent at join_started + first_rtp) to the moment of
        // the stats, one per 20 ms; the lead-in is silence, not track frames.
        const auto first_at = s.join_started + *st.time_to_first_packet;
        const auto packets_due = (s.stats_at - first_at) / kFrame + 1;
        if (o.stay_s >= 0) line += ",\"expected_frames\":" + std::to_string(packets_due - lead_in_frames);
      }
    }
    std::cout << line << "}" << std::endl;
  }
  probing.store(false);
  probe.join();
  std::cout << "{\"type\":\"summary\",\"meetings\":" << o.meetings << ",\"joined\":" << joined
            << ",\"ramp\":{\"probe_ticks\":" << at_joined.probe_ticks << ",\"probe_late_wakeups\":"
            << at_joined.probe_late << ",\"probe_max_late_ms\":" << probe_max_ramp_us / 1000.0
            << ",\"late_frames_0\":" << at_joined.late_0 << "}"
            << ",\"stay\":{\"probe_ticks\":" << at_end.probe_ticks - at_joined.probe_ticks
            << ",\"probe_late_wakeups\":" << at_end.probe_late - at_joined.probe_late
            << ",\"probe_max_late_ms\":" << probe_max_stay_us / 1000.0
            << ",\"late_frames_0\":" << at_end.late_0 - at_joined.late_0 << "}"
            << ",\"join_wall_s\":" << ms(all_joined - t0) / 1000
            << ",\"track_ms\":" << (track_ms ? track_ms->count() : -1) << "}" << std::endl;
  slots.clear();
  return joined == o.meetings ? 0 : 1;
}
