// roomcast load: many publishing and listening participants in one process, with a report.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/load_plan.hpp"
#include "cli/load_report.hpp"
#include "cli/meeting_flags.hpp"
#include "cli/process_usage.hpp"
#include "meeting/config_check.hpp"
#include "roomcast/roomcast.hpp"
#include "server/embedded_janus.hpp"

namespace roomcast::cli {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

const char* kLoadHelp = R"(Usage: roomcast load FILE --participants N [options]

Runs N publishing participants (each a full WebRTC peer: its own session, ICE, DTLS, SRTP
and SSRC) and M listening ones in this one process, all playing FILE (looped), for load
and QA tests of a conferencing setup. Shows a live summary on a terminal and prints a
report at the end: join times, frames sent, late frames, CPU and memory per participant,
and what the listeners received. Ctrl-C leaves everyone cleanly.

Options:
  --participants N  publishing participants (required; 0 with --listeners only)
  --listeners M     listening participants: each subscribes to every publisher of its
                    room through one PeerConnection and decodes all (default 0)
  --ramp PER_SEC    joins started per second (default 50)
  --duration S      seconds everyone stays after the last join (default 30)
  --server URL      Janus WebSocket URL; without it roomcast starts its embedded Janus,
                    configured for load (room size, RTP port range, event loops)
  --room ID         first room id (default 1234)
  --rooms K         spread participants over rooms ID .. ID+K-1 (default 1)
  --encode MODE     shared: FILE is decoded and encoded once for everyone (default);
                    each: every publisher has its own decoder and encoder
  --shard I/N       run the I-th of N equal slices of this spec (0-based); names and rooms
                    never collide across shards; merge outputs with 'roomcast report'
  --run ID          a name for this run, shared by its shards (default "run")
  --create-room     create the rooms on --server if they do not exist
  --token T         Janus API token;  --pin P  room PIN
  --video           publishers send FILE's video too (VP8 640x360 at 30 fps, looped with
                    the audio; --encode applies to it as well: one encode for everyone,
                    or one each); FILE must have a video stream
  --bitrate BPS     Opus bitrate (default 32000);  --complexity 0-10 (default 9)
  --fec MODE        adaptive (default), on or off: Opus in-band FEC
  --janus-pid PID   also measure this Janus process's CPU (the embedded one is measured)
  --json            JSON lines: live progress, one record per participant, one for the
                    process, then the summary (the input of 'roomcast report')
  --help            this text

Exit status: 0 when every participant joined and stayed; 1 when some failed; 2 usage;
3 FILE unusable; 4 server errors; 130 when interrupted (after leaving cleanly).
)";

// The file over and over: a load test lasts as long as it is told, not as long as FILE.
class LoopedFileTrack : public CustomAudioTrack {
 public:
  explicit LoopedFileTrack(std::string path) : path_(std::move(path)), file_(std::make_unique<FileAudioTrack>(path_)) {}
  std::optional<AudioChunk> recv() override {
    if (auto chunk = file_->recv()) return chunk;
    file_ = std::make_unique<FileAudioTrack>(path_);
    return file_->recv();
  }
  std::string description() const override { return path_ + " (looped)"; }

 private:
  std::string path_;
  std::unique_ptr<FileAudioTrack> file_;
};

// The file's picture over and over, its timestamps running on across loops like the audio's.
std::shared_ptr<CustomVideoTrack> looped_video(const std::string& path) {
  FileVideoTrack::Options options;
  options.loop = FileVideoTrack::kLoopForever;
  return std::make_shared<FileVideoTrack>(path, options);
}

// A listener decodes every stream it hears (a counting sink makes the SDK decode) and
// keeps the streams so their receive stats can be summed at the end.
class ListenerEars : public MeetingEventHandler {
 public:
  class Counter : public AudioSink {
   public:
    void on_audio_frame(const ReceivedAudioFrame&) override { frames.fetch_add(1, std::memory_order_relaxed); }
    std::atomic<uint64_t> frames{0};
  };
  class StreamCollector : public ParticipantEventHandler {
   public:
    explicit StreamCollector(ListenerEars& owner) : owner_(owner) {}
    void on_stream_enabled(const Stream& stream) override {
      if (stream.kind() != "audio" || stream.is_local()) return;
      stream.add_sink(owner_.counter_);
      std::lock_guard lock(owner_.mutex_);
      owner_.streams_.push_back(stream);
    }

   private:
    ListenerEars& owner_;
  };

  void on_participant_joined(Participant p) override { p.add_event_listener(std::make_shared<StreamCollector>(*this)); }

  json stats() {
    std::lock_guard lock(mutex_);
    AudioReceiveStats sum;
    for (const auto& s : streams_) {
      auto st = s.stats();
      sum.packets_received += st.packets_received;
      sum.packets_lost += st.packets_lost;
      sum.frames_played += st.frames_played;
      sum.frames_concealed += st.frames_concealed;
      sum.frames_fec += st.frames_fec;
    }
    return {{"streams", streams_.size()},          {"packets_received", sum.packets_received},
            {"packets_lost", sum.packets_lost},    {"frames_played", sum.frames_played},
            {"frames_concealed", sum.frames_concealed}, {"frames_fec", sum.frames_fec}};
  }

 private:
  std::mutex mutex_;
  std::vector<Stream> streams_;
  std::shared_ptr<Counter> counter_ = std::make_shared<Counter>();
};

struct LoadParticipant {
  PlannedParticipant plan;
  std::optional<Meeting> meeting;
  std::shared_ptr<ListenerEars> ears;
  std::optional<double> join_ms;
  std::string error;
  std::atomic<bool> joined{false};  // set by a join thread once `meeting` is in place
  std::optional<uint64_t> packets_seen;  // by the live summary (its thread only)
};

int count_of(const Args& args, const std::string& name, int fallback, int lowest) {
  auto value = args.get_number(name);
  if (!value) return fallback;
  if (*value > 1e9 || *value != static_cast<int>(*value) || *value < lowest)
    throw UsageError("--" + name + " needs a whole number of at least " + std::to_string(lowest) + ", got " +
                     args.get_or(name, ""));
  return static_cast<int>(*value);
}

class LoadRun {
 public:
  LoadRun(const Args& args) : args_(args), json_(args.has("json")), tty_(isatty(STDERR_FILENO)) {}

  int run() {
    if (args_.positional().size() != 1)
      throw UsageError(args_.positional().empty() ? "load needs a FILE to play" : "load takes one FILE");
    if (!args_.get("participants")) throw UsageError("load needs --participants N");
    LoadSpec spec;
    spec.participants = count_of(args_, "participants", 0, 0);
    spec.listeners = count_of(args_, "listeners", 0, 0);
    spec.rooms = count_of(args_, "rooms", 1, 1);
    spec.run_id = args_.get_or("run", "run");
    const std::string room_text = args_.get_or("room", "1234");
    if (auto problem = meeting::meeting_id_problem(room_text)) throw Error(Error::Kind::Config, "--room " + *problem);
    spec.room = std::stoull(room_text);
    if (auto shard = args_.get("shard")) spec.shard = ShardSpec::parse(*shard);
    shard_text_ = std::to_string(spec.shard.index) + "/" + std::to_string(spec.shard.count);
    run_id_ = spec.run_id;
    const double ramp = args_.get_number("ramp").value_or(50);
    if (!(ramp > 0)) throw UsageError("--ramp needs joins per second above 0");
    const double duration_s = args_.get_number("duration").value_or(30);
    if (!(duration_s >= 0)) throw UsageError("--duration needs seconds, 0 or more");
    const std::string encode = args_.get_or("encode", "shared");
    if (encode != "shared" && encode != "each") throw UsageError("--encode takes shared or each, got '" + encode + "'");
    encode_ = encode;
    if (auto pid = args_.get_number("janus-pid")) janus_pid_ = static_cast<int>(*pid);

    // Every option is checked before anything is opened or started.
    MeetingConfig base;
    base.token = args_.get_or("token", "");
    base.pin = args_.get_or("pin", "");
    base.create_room_if_missing = args_.has("create-room");
    base.audio_bitrate_bps = count_of(args_, "bitrate", 32000, 6000);
    if (base.audio_bitrate_bps > 510000) throw UsageError("--bitrate must be 6000 to 510000 bits/s (Opus's range)");
    base.opus_complexity = count_of(args_, "complexity", 9, 0);
    if (base.opus_complexity > 10) throw UsageError("--complexity must be 0 to 10");
    base.opus_fec = parse_fec(args_.get_or("fec", "adaptive"));
    base.server_url = args_.get_or("server", "");
    base.mic_enabled = false;  // checked per participant; the file is opened below
    cli::check_meeting_flags(base);

    auto plan = plan_shard(spec);
    // A bad FILE fails here, before anything connects.
    std::shared_ptr<CustomAudioTrack> shared_track;
    const std::string path = args_.positional()[0];
    if (encode_ == "shared") shared_track = std::make_shared<LoopedFileTrack>(path);
    else LoopedFileTrack probe(path);
    video_ = args_.has("video");
    if (video_ && !FileVideoTrack::has_video(path))
      throw Error(Error::Kind::Media, path + " has no video stream to send with --video; give a file with video "
                                            "(e.g. an MP4 from a camera) or drop --video");
    if (video_ && encode_ == "shared") shared_video_ = looped_video(path);

    std::string url = args_.get_or("server", "");
    std::unique_ptr<server::EmbeddedJanus> janus;
    if (url.empty()) {
      janus = std::make_unique<server::EmbeddedJanus>(embedded_options(spec, plan));
      url = janus->url();
      janus_pid_ = janus->pid();
    }
    if (!json_) std::cerr << "roomcast load: " << plan.size() << " participants (shard " << shard_text_ << ") on " << url << std::endl;

    people_.reserve(plan.size());
    for (auto& p : plan) {
      people_.push_back(std::make_unique<LoadParticipant>());
      people_.back()->plan = p;
    }
    base.server_url = url;

    started_ = Clock::now();
    join_all(base, shared_track, path, ramp);
    const auto last_join = Clock::now();
    const auto end = last_join + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
    // The steady window leaves out the ramp and 2 s of settling (when the run is long enough).
    const auto settle = duration_s > 4 ? std::chrono::seconds(2) : std::chrono::seconds(0);
    const auto window_start = last_join + settle;
    std::optional<CpuSample> cpu_from, janus_from;
    bool window_open = false;
    while (!interrupted() && Clock::now() < end) {
      if (!window_open && Clock::now() >= window_start) {
        window_open = true;
        cpu_from = sample_cpu();
        if (janus_pid_) janus_from = sample_cpu(janus_pid_);
      }
      progress(false);
      wait_until(std::min(end, Clock::now() + std::chrono::seconds(1)));
    }
    if (!window_open) cpu_from = sample_cpu(), janus_from = janus_pid_ ? sample_cpu(janus_pid_) : std::nullopt;
    auto cpu_to = sample_cpu();
    auto janus_to = janus_pid_ ? sample_cpu(janus_pid_) : std::nullopt;
    auto memory = sample_memory();

    // Records are taken before leaving: stats of meetings still in the room.
    LoadReport report;
    for (auto& person : people_) emit_line(report, participant_record(*person));
    json process{{"type", "process"},
                 {"shard", shard_text_},
                 {"run", run_id_},
                 {"publishers", count_role(false)},
                 {"listeners", count_role(true)},
                 {"encode", encode_},
                 {"wall_s", seconds_since(started_)},
                 {"steady_window_s", cpu_from && cpu_to ? std::chrono::duration<double>(cpu_to->at - cpu_from->at).count() : 0.0},
                 {"cpu_percent", cpu_from && cpu_to ? cpu_percent(*cpu_from, *cpu_to) : 0.0},
                 {"rss_bytes", memory.rss_bytes},
                 {"peak_rss_bytes", memory.peak_rss_bytes},
                 {"janus_cpu_percent", janus_from && janus_to ? json(cpu_percent(*janus_from, *janus_to)) : json()}};
    emit_line(report, process);
    leave_all();
    if (tty_ && !json_) std::cerr << "\n";
    if (json_) std::cout << json(report.summary()).dump() << std::endl;
    else std::cout << report.text() << std::flush;
    if (interrupted()) return 130;
    for (auto& person : people_)
      if (!person->joined || !person->error.empty()) return 1;
    return 0;
  }

 private:
  server::EmbeddedJanusOptions embedded_options(const LoadSpec& spec, const std::vector<PlannedParticipant>& plan) {
    server::EmbeddedJanusOptions options;
    std::set<uint64_t> rooms;
    for (const auto& p : plan) rooms.insert(p.room);
    // Room size: every participant of the whole spec could land in one room.
    const int everyone = spec.participants + spec.listeners + 8;
    for (uint64_t room : rooms) {
      server::RoomOptions r;
      r.id = room;
      r.pin = args_.get_or("pin", "");
      r.publishers = everyone;
      options.rooms.push_back(r);
    }
    // One Janus loop thread per core instead of one thread per handle.
    options.event_loops = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return options;
  }

  int count_role(bool listener) const {
    return static_cast<int>(std::count_if(people_.begin(), people_.end(),
                                          [&](const auto& p) { return p->plan.listener == listener; }));
  }

  static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

  // Sliced: a signal handler cannot notify the condition variable, so look every 200 ms.
  void wait_until(Clock::time_point t) {
    std::unique_lock lock(mutex_);
    while (!interrupted() && Clock::now() < t)
      wake_.wait_until(lock, std::min(t, Clock::now() + std::chrono::milliseconds(200)));
  }

  // Joins on a few threads, each join started at its ramp time (join() blocks until
  // the participant's audio is live, ~100 ms, so joins overlap).
  void join_all(const MeetingConfig& base, const std::shared_ptr<CustomAudioTrack>& shared_track,
                const std::string& path, double ramp) {
    std::atomic<std::size_t> next{0};
    const std::size_t threads = std::min<std::size_t>(people_.size(), 32);
    std::vector<std::thread> joiners;
    for (std::size_t t = 0; t < threads; ++t) {
      joiners.emplace_back([&] {
        for (std::size_t i; (i = next.fetch_add(1)) < people_.size();) {
          wait_until(started_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / ramp)));
          if (interrupted()) return;
          join_one(*people_[i], base, shared_track, path);
        }
      });
    }
    // The live summary while the ramp runs.
    while (true) {
      std::size_t done;
      {
        std::lock_guard lock(mutex_);
        done = joins_done_;
      }
      if (done >= people_.size() || interrupted()) break;
      progress(false);
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(500), [&] { return joins_done_ >= people_.size() || interrupted(); });
    }
    for (auto& j : joiners) j.join();
  }

  void join_one(LoadParticipant& person, const MeetingConfig& base, const std::shared_ptr<CustomAudioTrack>& shared_track,
                const std::string& path) {
    MeetingConfig config = base;
    config.meeting_id = std::to_string(person.plan.room);
    config.name = person.plan.name;
    config.mic_enabled = !person.plan.listener;
    config.data_enabled = false;  // no messages: an SCTP association each would cost a timer each
    config.auto_subscribe = person.plan.listener;
    const auto begin = Clock::now();
    try {
      if (!person.plan.listener)
        config.custom_microphone_audio_track = shared_track ? shared_track : std::make_shared<LoopedFileTrack>(path);
      if (video_ && !person.plan.listener) {
        config.webcam_enabled = true;
        config.custom_camera_video_track = shared_video_ ? shared_video_ : looped_video(path);
      }
      auto meeting = init_meeting(config);
      if (person.plan.listener) {
        person.ears = std::make_shared<ListenerEars>();
        meeting.add_event_listener(person.ears);
      }
      meeting.join();
      person.join_ms = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
      person.meeting.emplace(std::move(meeting));
      person.joined.store(true, std::memory_order_release);
    } catch (const std::exception& e) {
      person.error = e.what();
    }
    std::lock_guard lock(mutex_);
    ++joins_done_;
    if (person.joined) ++joined_;
    else ++failed_;
    wake_.notify_all();
  }

  json participant_record(LoadParticipant& person) {
    json record{{"type", "participant"},
                {"shard", shard_text_},
                {"run", run_id_},
                {"name", person.plan.name},
                {"room", person.plan.room},
                {"role", person.plan.listener ? "listener" : "publisher"},
                {"joined", person.joined.load()},
                {"error", person.error}};
    if (person.join_ms) record["join_ms"] = *person.join_ms;
    if (person.meeting) {
      if (auto left = person.meeting->left_info(); left && person.error.empty())
        person.error = left->error ? left->reason : "left early: " + left->reason, record["error"] = person.error;
      if (!person.plan.listener) {
        auto stats = person.meeting->publish_stats();
        if (stats.time_to_first_packet) record["first_rtp_ms"] = stats.time_to_first_packet->count();
        record["frames_sent"] = stats.frames_sent;
        record["late_frames"] = stats.late_frames;
        record["underruns"] = stats.underruns;
        record["fec_frames"] = stats.fec_frames;
        if (stats.video) record["video_frames_sent"] = stats.video->frames_sent;
      } else if (person.ears) {
        record.update(person.ears->stats());
      }
    }
    return record;
  }

  void emit_line(LoadReport& report, const json& record) {
    const std::string line = record.dump();
    report.add_line(line);
    if (json_) std::cout << line << "\n";
  }

  // One line a second: joined / failed, packets per second, late frames, CPU.
  void progress(bool force) {
    auto now = Clock::now();
    if (!force && now - last_progress_ < std::chrono::seconds(1)) return;
    auto cpu = sample_cpu();
    uint64_t new_packets = 0, late = 0;
    std::size_t joined, failed;
    {
      std::lock_guard lock(mutex_);
      joined = joined_;
      failed = failed_;
    }
    for (auto& person : people_) {
      // join() threads fill `meeting` while we read: only look at finished ones.
      if (!person->joined.load(std::memory_order_acquire) || person->plan.listener) continue;
      auto stats = person->meeting->publish_stats();
      // Packets since the last summary; a newly joined participant counts from now on.
      if (person->packets_seen) new_packets += stats.packets_sent - *person->packets_seen;
      person->packets_seen = stats.packets_sent;
      late += stats.late_frames;
    }
    const double dt = std::chrono::duration<double>(now - last_progress_).count();
    const double pps = dt > 0 && last_progress_ != Clock::time_point{} ? new_packets / dt : 0.0;
    const double cpu_pct = cpu && last_cpu_ ? cpu_percent(*last_cpu_, *cpu) : 0.0;
    last_cpu_ = cpu;
    last_progress_ = now;
    char text[200];
    std::snprintf(text, sizeof text, "joined %zu/%zu, failed %zu, %.0f packets/s, %llu late frames, CPU %.0f %%", joined,
                  people_.size(), failed, pps, static_cast<unsigned long long>(late), cpu_pct);
    if (json_) {
      std::cout << json{{"type", "progress"}, {"shard", shard_text_}, {"run", run_id_},
                        {"t_s", seconds_since(started_)}, {"joined", joined}, {"failed", failed},
                        {"packets_per_s", pps}, {"late_frames", late}, {"cpu_percent", cpu_pct}}
                       .dump()
                << std::endl;
    } else if (tty_) {
      std::cerr << "\r" << text << "    " << std::flush;
    }
  }

  // Leaves on a few threads at once; each leave() waits for the server's answers.
  void leave_all() {
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> leavers;
    for (std::size_t t = 0; t < std::min<std::size_t>(people_.size(), 16); ++t) {
      leavers.emplace_back([&] {
        for (std::size_t i; (i = next.fetch_add(1)) < people_.size();)
          if (people_[i]->meeting) people_[i]->meeting->leave();
      });
    }
    for (auto& l : leavers) l.join();
    people_.clear();  // meetings destroyed here, before the embedded server stops
  }

  const Args& args_;
  const bool json_;
  const bool tty_;
  std::string shard_text_;
  std::string run_id_;
  std::string encode_;
  bool video_ = false;                           // --video: publishers send the picture too
  std::shared_ptr<CustomVideoTrack> shared_video_;  // --encode shared: one encode for all
  std::optional<int> janus_pid_;
  std::vector<std::unique_ptr<LoadParticipant>> people_;
  Clock::time_point started_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::size_t joins_done_ = 0, joined_ = 0, failed_ = 0;
  Clock::time_point last_progress_{};
  std::optional<CpuSample> last_cpu_;
};

}  // namespace

int run_load(const std::vector<std::string>& argv) {
  Args args(argv,
            {"participants", "listeners", "ramp", "duration", "server", "room", "rooms", "encode", "shard", "run",
             "token", "pin", "bitrate", "complexity", "fec", "janus-pid"},
            {"help", "json", "create-room", "video"});
  if (args.has("help")) {
    std::cout << kLoadHelp;
    return 0;
  }
  return LoadRun(args).run();
}

}  // namespace roomcast::cli
