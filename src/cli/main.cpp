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
#include "cli/help_texts.hpp"
#include "cli/meeting_flags.hpp"
#include "cli/message_flags.hpp"
#include "cli/progress_line.hpp"
#include "cli/publish_input.hpp"
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
    close_recording(p.id());
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
    if (clear_progress_line) std::cerr << "\r\x1b[K" << std::flush;  // the bar is redrawn below
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

  /// Set while publish's progress bar owns the terminal line.
  std::atomic<bool> clear_progress_line{false};

  void close_recordings() {
    std::lock_guard lock(mutex_);
    for (auto& r : recorders_) r->close_all();
  }

  /// A participant left: their files are finished now (duration, index), not at the end.
  void close_recording(const std::string& participant_id) {
    std::shared_ptr<cli::PerParticipantRecorder> recorder;
    {
      std::lock_guard lock(mutex_);
      auto it = std::find_if(recorders_.begin(), recorders_.end(),
                             [&](const auto& r) { return r->participant_id() == participant_id; });
      if (it == recorders_.end()) return;
      recorder = *it;
      recorders_.erase(it);
    }
    recorder->close_all();
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
  std::set<std::string> with_value = {"server", "room", "name", "token", "pin", "duration", "bitrate", "stream",
                                      "record", "record-dir", "lead-in", "ca", "reconnect-give-up",
                                      "complexity", "fec", "channels", "whip", "whep"};
  if (publishing) with_value.insert(cli::publish_input_options().begin(), cli::publish_input_options().end());
  with_value.insert(cli::ice_options().begin(), cli::ice_options().end());
  with_value.insert(cli::message_options().begin(), cli::message_options().end());
  Args args(publishing ? cli::normalise_loop_flag(argv) : argv, with_value,
            {"help", "json", "quiet", "create-room", "require-tls", "no-reconnect", "dtx", "stats", "no-video",
             "no-video-nack", "video-copy", "no-ice-tcp", "print-messages", "unreliable"});
  if (args.has("help")) {
    std::cout << (publishing ? cli::kPublishHelp : cli::kListenHelp);
    return 0;
  }
  if (publishing && args.positional().empty()) throw UsageError("publish needs a FILE to play (or - for stdin)");
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
  // The token from the environment keeps it out of `ps` and shell history.
  const char* env_token = std::getenv("ROOMCAST_TOKEN");
  config.token = args.get_or("token", env_token ? env_token : "");
  config.pin = args.get_or("pin", "");
  config.server_url = args.get_or("server", "");
  if (auto whip = args.get("whip")) {
    if (!publishing)
      throw UsageError("listen takes no --whip: WHIP only publishes; listen with --server (Janus VideoRoom)");
    if (args.has("server")) throw UsageError("--whip and --server name two servers; give one");
    for (const char* flag : {"record", "record-dir", "create-room", "room", "pin"})
      if (args.has(flag))
        throw UsageError(std::string("--") + flag + " does not go with --whip: a WHIP endpoint takes our media "
                         "and shows us no room");
    config.protocol = SignalingProtocol::Whip;
    config.server_url = *whip;
  }
  if (auto whep = args.get("whep")) {
    if (publishing)
      throw UsageError("publish takes no --whep: WHEP only listens; publish with --whip or --server");
    if (args.has("server")) throw UsageError("--whep and --server name two servers; give one");
    for (const char* flag : {"create-room", "room", "pin"})
      if (args.has(flag))
        throw UsageError(std::string("--") + flag + " does not go with --whep: a WHEP endpoint names its feed");
    config.protocol = SignalingProtocol::Whep;
    config.server_url = *whep;
  }
  config.create_room_if_missing = args.has("create-room");
  config.ca_file = args.get_or("ca", "");
  config.require_tls = args.has("require-tls");
  // Range-checked wide, before narrowing to MeetingConfig's int.
  const int64_t channels = args.get_integer("channels").value_or(1);
  if (auto problem = meeting::channels_problem(channels)) throw Error(Error::Kind::Config, "--channels " + *problem);
  config.audio_channels = static_cast<int>(channels);
  // Stereo music needs about twice the bits for the same quality.
  const int64_t bitrate = args.get_integer("bitrate").value_or(channels == 2 ? 64000 : 32000);
  if (auto problem = meeting::bitrate_problem(bitrate)) throw Error(Error::Kind::Config, "--bitrate " + *problem);
  config.audio_bitrate_bps = static_cast<int>(bitrate);
  const int64_t complexity = args.get_integer("complexity").value_or(9);
  if (auto problem = meeting::complexity_problem(complexity))
    throw Error(Error::Kind::Config, "--complexity " + *problem);
  config.opus_complexity = static_cast<int>(complexity);
  config.opus_fec = cli::parse_fec(args.get_or("fec", "adaptive"));
  config.opus_dtx = args.has("dtx");
  config.mic_enabled = publishing;
  // A publisher that records nothing has no use for the others' audio: receiving and
  // decoding it would cost every participant of a load rig N-1 streams.
  config.auto_subscribe = !publishing || args.has("record") || args.has("record-dir");
  config.reconnect = !args.has("no-reconnect");
  if (auto give_up = args.get_number("reconnect-give-up"))
    config.reconnect_give_up = std::chrono::milliseconds(static_cast<int64_t>(std::min(*give_up * 1000, 1e15)));
  if (auto lead_in = args.get_number("lead-in"))
    config.lead_in = std::chrono::milliseconds(static_cast<int64_t>(std::min(*lead_in * 1000, 1e15)));
  cli::apply_ice_flags(args, config, [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    return value ? std::optional<std::string>(value) : std::nullopt;
  });
  const cli::MessageOptions message_options = cli::parse_message_flags(args);
  if (message_options.any() && config.protocol != SignalingProtocol::JanusVideoRoom)
    throw UsageError("--send and --send-stdin need a Janus VideoRoom (--server): a WHIP or WHEP endpoint carries "
                     "no messages");
  if (message_options.stdin_topic && publishing &&
      std::find(args.positional().begin(), args.positional().end(), "-") != args.positional().end())
    throw UsageError("--send-stdin reads lines from stdin, which 'publish -' reads audio from; give one of them");
  config.data_enabled = message_options.any();  // our data channels only when we send
  // listen prints the others' messages; publish when asked (receiving costs a data stream each).
  const bool print_messages = !publishing || args.has("print-messages");
  if (print_messages && config.protocol != SignalingProtocol::JanusVideoRoom && args.has("print-messages"))
    throw UsageError("--print-messages needs a Janus VideoRoom (--server): a WHIP endpoint carries no messages");
  cli::check_meeting_flags(config);  // every option, before the file is opened or anything connects
  // Every input opened and probed here: a bad file is refused before anything connects.
  std::optional<cli::PublishMedia> published;
  if (publishing) {
    published = cli::open_publish_media(args, config.video);
    config.custom_microphone_audio_track = published->audio;
    // The file's picture too, when it has one: from the same demuxer, on the same timeline.
    config.video.nack = !args.has("no-video-nack");
    if (published->video) {
      config.webcam_enabled = true;
      config.custom_camera_video_track = published->video;
    }
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
  if (print_messages && config.protocol == SignalingProtocol::JanusVideoRoom)
    meeting.pubsub().subscribe("*", [printer](const PubSubMessage& message) {
      printer->emit(cli::message_json(message), cli::message_text(message));
    });
  if (published && !json)
    std::cout << "roomcast: publishing " << published->summary() << std::endl;
  if (config.webcam_enabled && !json) {
    if (args.has("video-copy"))
      std::cout << "roomcast: with its video (" << published->video_summary() << ", sent as it is, "
                << (config.video.codec == VideoCodec::h264 ? "H.264" : "VP8") << ", not re-encoded)" << std::endl;
    else
      std::cout << "roomcast: with its video (" << published->video_summary() << ", sent as "
                << (config.video.codec == VideoCodec::h264 ? "H.264 " : "VP8 ") << config.video.width << "x"
                << config.video.height << " at " << config.video.frame_rate << " fps)" << std::endl;
  }
  meeting.join();
  std::optional<cli::MessageSender> message_sender;
  if (message_options.any())
    message_sender.emplace(meeting, message_options, [printer](const std::string& why) { printer->on_error(why); });

  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  std::optional<cli::StatsSchedule> stats_schedule;
  if (args.has("stats")) stats_schedule.emplace(started);
  const bool tty = isatty(STDERR_FILENO) && !json;
  printer->clear_progress_line = publishing && tty && !args.has("quiet");
  const std::size_t file_count = std::max<std::size_t>(args.positional().size(), 1);
  const auto loop_value = args.get("loop");
  const std::optional<int> plays =
      !loop_value ? std::optional<int>(1)
                  : *loop_value == "0" ? std::nullopt : std::optional<int>(std::atoi(loop_value->c_str()));
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
      if (!json) {
        // Where the track is in its file (decoded ~200 ms ahead of the wire) and its level.
        cli::ProgressState state;
        state.position = published->position();
        state.file = published->current_file();
        state.files = file_count;
        state.play = published->current_play();
        state.plays = plays;
        state.level_dbfs = published->audio->level_dbfs();
        state.length = published->current_file_duration();
        line = cli::progress_line(state, tty);
      }
      if (json)
        printer->emit({{"event", "progress"}, {"position_ms", stats.position.count()},
                       {"packets_sent", stats.packets_sent}, {"fec_frames", stats.fec_frames},
                       {"remote_fraction_lost", stats.remote_fraction_lost}},
                      line);
      else if (tty)
        std::cerr << "\r" << line << "\x1b[K" << std::flush;
      else
        std::cerr << "roomcast: " << line << std::endl;
    }
  }
  if (publishing && tty && !args.has("quiet")) {
    printer->clear_progress_line = false;
    std::cerr << "\r\x1b[K" << std::flush;  // the bar goes; the summary follows
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
            {"help", "ice-tcp", "ipv6"});
  if (args.has("help")) {
    std::cout << cli::kServerHelp;
    return 0;
  }
  if (!args.positional().empty()) throw UsageError("server takes no arguments");
  server::EmbeddedJanusOptions options;
  const int64_t port = args.get_integer("port").value_or(0);
  if (port < 0 || port > 65535) throw UsageError("--port needs 0 (any free port) to 65535, got " + std::to_string(port));
  options.ws_port = static_cast<int>(port);
  options.rtp_port_range = args.get_or("rtp-ports", options.rtp_port_range);
  options.ice_tcp = args.has("ice-tcp");
  options.ipv6 = args.has("ipv6");
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
    std::cout << cli::kMainHelp;
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
