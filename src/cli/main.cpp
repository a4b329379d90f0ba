// roomcast command line: publish a file into a meeting, or run the embedded server.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/meeting_flags.hpp"
#include "cli/recorder.hpp"
#include "cli/report.hpp"
#include "cli/stats_printer.hpp"
#include "roomcast/roomcast.hpp"
#include "meeting/config_check.hpp"
#include "roomcast/version.hpp"
#include "server/embedded_janus.hpp"

using namespace roomcast;
using cli::Args;
using cli::UsageError;

namespace {

std::atomic<int> interrupted{0};
void on_signal(int signal) { interrupted = signal; }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

const char* kMainHelp = R"(roomcast: bring audio into a live WebRTC meeting (Janus VideoRoom).

Usage:
  roomcast publish FILE [options]   publish a media file's audio as a participant's microphone
  roomcast listen [options]         follow a meeting: print who joins, leaves, speaks; record it
  roomcast server [options]         run the embedded Janus server until Ctrl-C
  roomcast load FILE --participants N   many participants in one process (load and QA rigs)
  roomcast report FILE... [--json]  merge the JSON lines of load shards into one report
  roomcast --help | COMMAND --help
  roomcast --version                print the version

Run 'roomcast COMMAND --help' for the options of each command.
)";

const char* kPublishHelp = R"(Usage: roomcast publish FILE [options]

Publishes the audio of FILE (MP4/AAC, M4A, MP3, WAV, OGG Vorbis/Opus, FLAC, WebM/Opus,
anything FFmpeg decodes) into a meeting as a participant's microphone: decoded,
resampled to 48 kHz, cut into exact 20 ms Opus frames and paced in real time. Leaves the
meeting at the end of the file, after --duration, or on Ctrl-C.

Options:
  --server URL      Janus WebSocket URL, e.g. ws://10.0.0.5:8188. Without it roomcast
                    starts its embedded Janus server (Debian package 'janus') and
                    stops it on exit.
  --room ID         meeting (VideoRoom room) id, numeric (default 1234)
  --name NAME       display name (default "roomcast")
  --token T         Janus API token, if the server requires one
  --pin P           room PIN, if the room has one
  --duration SECS   stop after SECS seconds even if the file is longer
  --ca FILE         trust this PEM certificate (or CA) for a wss:// server, e.g. one with a
                    self-signed certificate
  --require-tls     refuse unencrypted signaling: --server must be a wss:// URL
  --create-room     create the room on --server if it does not exist
  --bitrate BPS     Opus bitrate, 6000 to 510000 (default 32000)
  --lead-in SECS    silence before the file starts, so participants already in the room
                    (who subscribe when we go live) hear it from the start (0 to 5, default 0.3)
  --stream N        use the file's Nth audio stream (default 0, the first)
  --record FILE     also record the other participants' mixed audio to a WAV file
                    (without --record/--record-dir, publish receives no audio)
  --record-dir DIR  also record each other participant to DIR/NAME-ID.wav
  --no-reconnect    leave (exit 4) when the server or the network is lost, instead of
                    reconnecting (reclaiming the session, or rejoining with the same id)
  --reconnect-give-up SECS  stop trying to get back after SECS seconds (default 120)
  --json            print one JSON object per event instead of text
  --stats           print one JSON line a second to stdout, {"type":"stats",...}: packets,
                    bytes, fraction lost, cumulative lost, jitter (ms) and round-trip time
                    (ms) of our stream from the server's RTCP receiver reports, and of each
                    participant we receive (with --record/--record-dir) from our own counters
  --quiet           no progress display
  --help            this text

Exit status: 0 when the file was played and the meeting left cleanly; 2 for usage
and option errors (refused before connecting); 3 media errors (file missing, not media, no audio); 4 server errors
(unreachable, not Janus, token, room, PIN, the server gone for good); 5 network/WebRTC
errors; 130 when interrupted (Ctrl-C), after leaving the meeting cleanly.
)";

const char* kListenHelp = R"(Usage: roomcast listen [options]

Joins a meeting without sending audio, prints who joins and leaves, their streams and
who is speaking, and records what it hears (48 kHz mono WAV). Leaves after --duration
or on Ctrl-C; the WAV files stay valid even if interrupted.

Options:
  --server URL      Janus WebSocket URL; without it the embedded server is started
  --room ID         meeting id, numeric (default 1234)
  --name NAME       display name (default "roomcast listener")
  --token T         Janus API token, if the server requires one
  --pin P           room PIN, if the room has one
  --duration SECS   leave after SECS seconds
  --ca FILE         trust this PEM certificate (or CA) for a wss:// server, e.g. one with a
                    self-signed certificate
  --require-tls     refuse unencrypted signaling: --server must be a wss:// URL
  --record FILE     record everyone's audio mixed into one WAV file
  --record-dir DIR  record one WAV file per participant: DIR/NAME-ID.wav
  --create-room     create the room on --server if it does not exist
  --no-reconnect    leave (exit 4) when the server or the network is lost, instead of
                    reconnecting (reclaiming the session, or rejoining with the same id)
  --reconnect-give-up SECS  stop trying to get back after SECS seconds (default 120)
  --json            print one JSON object per event instead of text
  --stats           print one JSON line a second to stdout, {"type":"stats",...}: for each
                    participant we receive, packets, bytes, fraction lost (last second),
                    cumulative lost and interarrival jitter (ms), as our RTCP receiver
                    reports carry them (RFC 3550 §6.4)
  --help            this text
)";

const char* kServerHelp = R"(Usage: roomcast server [options]

Runs the embedded Janus VideoRoom server (Debian package 'janus') with a private
generated configuration (WebSocket transport on 127.0.0.1) until Ctrl-C, then stops it
and removes its files. Prints 'roomcast server: URL room ID' once it accepts connections.

Options:
  --port N           WebSocket port (default: a free port)
  --room ID          create this room (numeric, default 1234); repeatable as ID,ID,...
  --pin P            give the room(s) this PIN
  --token-secret S   require signed tokens made with secret S (prints a valid token)
  --rtp-ports A-B    UDP port range for media (default 20000-29999)
  --session-timeout S  end sessions idle for S seconds (default 60, Janus's; at least 5)
  --reclaim-timeout S  keep a session whose WebSocket dropped for S seconds, so its client
                     can reconnect and claim it with its media untouched (default 10; 0: a
                     dropped WebSocket ends the session at once)
  --publishers N     publishers each room admits (default 100; load tests need more)
  --help             this text
)";

int exit_code_for(const Error& error) {
  switch (error.kind()) {
    case Error::Kind::Config: return 2;
    case Error::Kind::Media: return 3;
    case Error::Kind::Signaling: return 4;
    case Error::Kind::Transport: return 5;
  }
  return 1;
}

std::string format_seconds(std::chrono::milliseconds ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", ms.count() / 1000.0);
  return text;
}

/// Prints meeting events as text lines or JSON objects; optionally records remote audio.
class PrintingHandler : public MeetingEventHandler {
 public:
  PrintingHandler(bool json, std::string local_name, std::string record_dir)
      : json_(json), local_name_(std::move(local_name)), record_dir_(std::move(record_dir)) {}

  /// Prints one participant's stream changes.
  class StreamPrinter : public ParticipantEventHandler {
   public:
    // No Participant member: the participant holds this handler (that would be a cycle),
    // and our own id is only known after joining; the stream names its participant.
    explicit StreamPrinter(PrintingHandler& owner) : owner_(owner) {}
    void on_stream_enabled(const Stream& stream) override { report(stream, true); }
    void on_stream_disabled(const Stream& stream) override { report(stream, false); }

   private:
    void report(const Stream& stream, bool enabled) {
      const bool local = stream.is_local();
      const std::string id = stream.participant_id();
      const std::string name = owner_.name_of(id);
      nlohmann::json event{{"event", enabled ? "stream_enabled" : "stream_disabled"},
                           {"kind", stream.kind()},
                           {"local", local},
                           {"participant_id", id},
                           {"name", name}};
      std::string text = (local ? "our" : name + " (" + id + ")'s") + " " + stream.kind() + " stream " +
                         (enabled ? "is live" : "stopped");
      // What the receive side did with a remote audio stream that ends.
      if (!enabled && !local && stream.kind() == "audio") {
        auto st = stream.stats();
        event["stats"] = {{"packets_received", st.packets_received}, {"packets_lost", st.packets_lost},
                          {"packets_late", st.packets_late},         {"frames_played", st.frames_played},
                          {"frames_concealed", st.frames_concealed}, {"frames_fec", st.frames_fec}};
        text += ": " + std::to_string(st.packets_received) + " packets received, " +
                std::to_string(st.packets_lost) + " lost, " + std::to_string(st.frames_concealed) + " of " +
                std::to_string(st.frames_played) + " frames concealed (" + std::to_string(st.frames_fec) +
                " by FEC)";
      }
      owner_.emit(event, text);
    }
    PrintingHandler& owner_;
  };

  void watch(Participant participant) {
    participant.add_event_listener(std::make_shared<StreamPrinter>(*this));
  }

  std::string name_of(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = names_.find(id);
    return it == names_.end() ? std::string() : it->second;
  }

  void on_meeting_joined(const MeetingJoinedInfo& info) override {
    {
      std::lock_guard lock(mutex_);
      names_[info.participant_id] = local_name_;
    }
    emit({{"event", "meeting_joined"}, {"meeting_id", info.meeting_id},
          {"participant_id", info.participant_id}, {"server", info.server_url}},
         "joined meeting " + info.meeting_id + " on " + info.server_url + " as participant " +
             info.participant_id);
  }
  void on_meeting_left(const MeetingLeftInfo& info) override {
    emit({{"event", "meeting_left"}, {"reason", info.reason}, {"error", info.error}},
         "left the meeting: " + info.reason);
  }
  void on_participant_joined(Participant p) override {
    {
      std::lock_guard lock(mutex_);
      names_[p.id()] = p.display_name();
    }
    emit({{"event", "participant_joined"}, {"id", p.id()}, {"name", p.display_name()}},
         "participant joined: " + p.display_name() + " (" + p.id() + ")");
    watch(p);
    if (!record_dir_.empty()) {
      // A recording that fails (a full disk) is an error line; the meeting goes on.
      auto recorder = std::make_shared<cli::PerParticipantRecorder>(
          record_dir_, p, [this](const std::string& why) { on_error(why); });
      p.add_event_listener(recorder);
      std::lock_guard lock(mutex_);
      recorders_.push_back(recorder);
    }
  }
  void on_participant_left(Participant p) override {
    emit({{"event", "participant_left"}, {"id", p.id()}, {"name", p.display_name()}},
         "participant left: " + p.display_name() + " (" + p.id() + ")");
  }
  void on_speaker_changed(const std::optional<std::string>& id) override {
    emit({{"event", "speaker_changed"}, {"participant_id", id ? nlohmann::json(*id) : nlohmann::json()}},
         id ? "speaking: " + name_of(*id) + " (" + *id + ")" : "nobody is speaking");
  }
  void on_error(const std::string& message) override {
    emit({{"event", "error"}, {"message", message}}, "error: " + message);
  }
  void on_reconnecting(const ReconnectingInfo& info) override {
    emit({{"event", "reconnecting"}, {"reason", info.reason}}, "reconnecting: " + info.reason);
  }
  void on_reconnected(const ReconnectedInfo& info) override {
    emit({{"event", "reconnected"}, {"how", info.how}, {"attempts", info.attempts},
          {"downtime_ms", info.downtime.count()}, {"last_attempt_ms", info.last_attempt.count()}},
         "back in the meeting (" + info.how + ") after " + std::to_string(info.downtime.count()) + " ms, " +
             std::to_string(info.attempts) + (info.attempts == 1 ? " attempt" : " attempts"));
  }

  void emit(const nlohmann::json& object, const std::string& text) {
    std::lock_guard lock(print_mutex_);
    if (json_)
      std::cout << object.dump() << std::endl;
    else
      std::cout << "roomcast: " << text << std::endl;
  }

  /// A JSON line whatever the output mode (--stats).
  void emit_line(const nlohmann::json& object) {
    std::lock_guard lock(print_mutex_);
    std::cout << object.dump() << std::endl;
  }

  void close_recordings() {
    std::lock_guard lock(mutex_);
    for (auto& r : recorders_) r->close_all();
  }

 private:
  bool json_;
  std::string local_name_;
  std::string record_dir_;
  std::map<std::string, std::string> names_;  // participant id -> display name
  std::mutex mutex_;
  std::mutex print_mutex_;
  std::vector<std::shared_ptr<cli::PerParticipantRecorder>> recorders_;
};

/// publish and listen share everything but the microphone track.
int run_meeting(const std::vector<std::string>& argv, bool publishing) {
  Args args(argv,
            {"server", "room", "name", "token", "pin", "duration", "bitrate", "stream", "record",
             "record-dir", "lead-in", "ca", "reconnect-give-up"},
            {"help", "json", "quiet", "create-room", "require-tls", "no-reconnect", "stats"});
  if (args.has("help")) {
    std::cout << (publishing ? kPublishHelp : kListenHelp);
    return 0;
  }
  if (publishing && args.positional().size() != 1)
    throw UsageError(args.positional().empty() ? "publish needs a FILE to play"
                                               : "publish takes one FILE, got " +
                                                     std::to_string(args.positional().size()));
  if (!publishing && !args.positional().empty()) throw UsageError("listen takes no FILE");
  auto duration_limit = args.get_number("duration");
  const bool json = args.has("json");
  const std::string record_dir = args.get_or("record-dir", "");
  if (!record_dir.empty() && !std::filesystem::is_directory(record_dir))
    throw Error(Error::Kind::Config, "--record-dir '" + record_dir +
                                         "' is not a directory; create it first");

  MeetingConfig config;
  config.meeting_id = args.get_or("room", "1234");
  config.name = args.get_or("name", publishing ? "roomcast" : "roomcast listener");
  config.token = args.get_or("token", "");
  config.pin = args.get_or("pin", "");
  config.server_url = args.get_or("server", "");
  config.create_room_if_missing = args.has("create-room");
  config.ca_file = args.get_or("ca", "");
  config.require_tls = args.has("require-tls");
  // Range-checked wide, before narrowing to MeetingConfig's int.
  const int64_t bitrate = args.get_integer("bitrate").value_or(32000);
  if (auto problem = meeting::bitrate_problem(bitrate)) throw Error(Error::Kind::Config, "--bitrate " + *problem);
  config.audio_bitrate_bps = static_cast<int>(bitrate);
  config.mic_enabled = publishing;
  // A publisher that records nothing has no use for the others' audio: receiving and
  // decoding it would cost every participant of a load rig N-1 streams.
  config.auto_subscribe = !publishing || args.has("record") || args.has("record-dir");
  config.reconnect = !args.has("no-reconnect");
  if (auto give_up = args.get_number("reconnect-give-up"))
    config.reconnect_give_up = std::chrono::milliseconds(static_cast<int64_t>(std::min(*give_up * 1000, 1e15)));
  if (auto lead_in = args.get_number("lead-in"))
    config.lead_in = std::chrono::milliseconds(static_cast<int64_t>(std::min(*lead_in * 1000, 1e15)));
  cli::check_meeting_flags(config);  // every option, before the file is opened or anything connects
  const int64_t stream_index = args.get_integer("stream").value_or(0);
  if (publishing && (stream_index < 0 || stream_index > 1000))
    throw Error(Error::Kind::Config, "--stream is " + std::to_string(stream_index) +
                                         "; give the index of one of the file's audio streams (0 is the first)");

  std::shared_ptr<FileAudioTrack> track;
  if (publishing) {
    FileAudioTrack::Options track_options;
    track_options.audio_stream = static_cast<int>(stream_index);
    track = std::make_shared<FileAudioTrack>(args.positional()[0], track_options);
    config.custom_microphone_audio_track = track;
  }
  auto printer = std::make_shared<PrintingHandler>(json, config.name, record_dir);
  // Opened before joining so a bad path fails before anything connects; a write that fails
  // later (a full disk) stops the recording with an error line, not the meeting.
  std::shared_ptr<cli::WavRecorder> mix_recorder;
  if (auto path = args.get("record"))
    mix_recorder = std::make_shared<cli::WavRecorder>(
        *path, [printer](const std::string& why) { printer->on_error(why); });

  auto meeting = init_meeting(config);
  meeting.add_event_listener(printer);
  printer->watch(meeting.local_participant());
  if (mix_recorder) meeting.add_mixed_audio_sink(mix_recorder);
  if (track && !json)
    std::cout << "roomcast: publishing " << track->description() << " (" << track->codec_name() << ", "
              << track->source_sample_rate_hz() << " Hz, " << track->source_channels() << " ch"
              << (track->duration() ? ", " + format_seconds(*track->duration()) : "") << ")"
              << std::endl;
  meeting.join();

  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  std::optional<cli::StatsSchedule> stats_schedule;
  if (args.has("stats")) stats_schedule.emplace(started);
  const bool tty = isatty(STDERR_FILENO);
  while (!meeting.run_until_left(std::chrono::milliseconds(100))) {
    auto now = std::chrono::steady_clock::now();
    if (interrupted) {
      if (!json) std::cerr << (tty ? "\n" : "") << "roomcast: interrupted, leaving the meeting" << std::endl;
      meeting.leave();
      break;
    }
    if (duration_limit && now - started >= std::chrono::duration<double>(*duration_limit)) {
      meeting.leave();
      break;
    }
    if (stats_schedule && stats_schedule->due(now))
      printer->emit_line(cli::stats_json(meeting.stats(), stats_schedule->elapsed_s(now)));
    if (publishing && !args.has("quiet") && now - last_progress >= std::chrono::seconds(tty ? 0 : 2) &&
        now - last_progress >= std::chrono::milliseconds(250)) {
      last_progress = now;
      auto stats = meeting.publish_stats();
      std::string line = "playing " + format_seconds(stats.position) +
                         (stats.duration ? " / " + format_seconds(*stats.duration) : "");
      if (json)
        printer->emit({{"event", "progress"}, {"position_ms", stats.position.count()},
                       {"packets_sent", stats.packets_sent}, {"fec_frames", stats.fec_frames},
                       {"remote_fraction_lost", stats.remote_fraction_lost}},
                      line);
      else if (tty)
        std::cerr << "\r" << line << "   " << std::flush;
      else
        std::cerr << "roomcast: " << line << std::endl;
    }
  }
  if (mix_recorder) mix_recorder->close();
  printer->close_recordings();
  if (publishing) {
    auto stats = meeting.publish_stats();
    if (json)
      printer->emit({{"event", "summary"}, {"frames_sent", stats.frames_sent},
                     {"packets_sent", stats.packets_sent}, {"bytes_sent", stats.bytes_sent},
                     {"late_frames", stats.late_frames}, {"underruns", stats.underruns},
                     {"position_ms", stats.position.count()}, {"fec_frames", stats.fec_frames},
                     {"remote_fraction_lost", stats.remote_fraction_lost}},
                    "");
    else
      std::cout << "roomcast: sent " << stats.frames_sent << " frames (" << format_seconds(stats.position)
                << "), " << stats.packets_sent << " packets, " << stats.bytes_sent << " bytes, "
                << stats.late_frames << " late" << std::endl;
  }
  if (interrupted) return 130;
  if (auto left = meeting.left_info(); left && left->error) {
    std::cerr << "roomcast: error: the meeting ended: " << left->reason << std::endl;
    return 4;
  }
  return 0;
}

int run_server(const std::vector<std::string>& argv) {
  Args args(argv,
            {"port", "room", "pin", "token-secret", "rtp-ports", "session-timeout", "reclaim-timeout", "publishers"},
            {"help"});
  if (args.has("help")) {
    std::cout << kServerHelp;
    return 0;
  }
  if (!args.positional().empty()) throw UsageError("server takes no arguments");
  server::EmbeddedJanusOptions options;
  const int64_t port = args.get_integer("port").value_or(0);
  if (port < 0 || port > 65535) throw UsageError("--port needs 0 (any free port) to 65535, got " + std::to_string(port));
  options.ws_port = static_cast<int>(port);
  options.rtp_port_range = args.get_or("rtp-ports", options.rtp_port_range);
  options.token_secret = args.get_or("token-secret", "");
  options.session_timeout_s = static_cast<int>(args.get_number("session-timeout").value_or(60));
  // roomcast reads the timeout (Janus `info`) and keeps a third of it between keepalives.
  if (options.session_timeout_s < 5)
    throw UsageError("--session-timeout must be at least 5 s, got " + args.get_or("session-timeout", ""));
  options.reclaim_session_timeout_s =
      static_cast<int>(args.get_number("reclaim-timeout").value_or(options.reclaim_session_timeout_s));
  if (options.reclaim_session_timeout_s < 0)
    throw UsageError("--reclaim-timeout must be 0 (off) or more seconds, got " + args.get_or("reclaim-timeout", ""));
  const double publishers_value = args.get_number("publishers").value_or(100);
  if (publishers_value < 1 || publishers_value > 100000 || publishers_value != static_cast<int>(publishers_value))
    throw UsageError("--publishers needs a whole number from 1 to 100000, got " + args.get_or("publishers", ""));
  const int publishers = static_cast<int>(publishers_value);
  std::string rooms = args.get_or("room", "1234");
  for (size_t start = 0; start <= rooms.size();) {
    size_t comma = rooms.find(',', start);
    std::string id = rooms.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--room needs numeric ids, got '" + id + "'");
    options.rooms.push_back(server::RoomOptions{std::stoull(id), args.get_or("pin", ""), publishers});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  server::EmbeddedJanus janus(options);
  std::cout << "roomcast server: " << janus.url() << " room " << rooms << std::endl;
  if (!options.token_secret.empty())
    std::cout << "roomcast server: token "
              << server::make_signed_token(options.token_secret,
                                           std::chrono::system_clock::now() + std::chrono::hours(24))
              << std::endl;
  // Wait for Ctrl-C/SIGTERM, or for Janus to die (SIGCHLD), without polling.
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGINT);
  sigaddset(&wanted, SIGTERM);
  sigaddset(&wanted, SIGCHLD);
  sigprocmask(SIG_BLOCK, &wanted, nullptr);
  while (!interrupted) {
    if (!janus.running()) {
      std::cerr << "roomcast server: janus exited unexpectedly:\n" << janus.log_tail(20) << std::endl;
      return 4;
    }
    timespec tick{1, 0};
    int signal = sigtimedwait(&wanted, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) interrupted = signal;
  }
  std::cout << "roomcast server: stopping" << std::endl;
  return 0;
}

}  // namespace

int roomcast::cli::interrupted() { return ::interrupted.load(); }

int main(int argc, char** argv) {
  install_signal_handlers();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kMainHelp;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::cout << "roomcast " ROOMCAST_VERSION "\n";
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "publish") return run_meeting(args, true);
    if (command == "listen") return run_meeting(args, false);
    if (command == "server") return run_server(args);
    if (command == "load") return cli::run_load(args);
    if (command == "report") return cli::run_report(args);
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& e) {
    std::cerr << "roomcast: " << e.what() << "; see 'roomcast --help'" << std::endl;
    return 2;
  } catch (const Error& e) {
    std::cerr << "roomcast: error: " << e.what() << std::endl;
    return exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "roomcast: unexpected error: " << e.what() << std::endl;
    return 1;
  }
}
