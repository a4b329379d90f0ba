// Meetings for Python: MeetingConfig keyword arguments, init_meeting, Meeting, participants,
// streams, stats. Blocking calls release the GIL; callbacks go through callbacks.hpp.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <set>

#include "bindings.hpp"
#include "callbacks.hpp"

namespace py = pybind11;

namespace roomcast::python {

namespace {

// A meeting as Python holds it. Dropped (or closed at interpreter exit): the meeting is
// left, queued callbacks run, and the dispatcher thread ends.
class PyMeeting {
 public:
  PyMeeting(Meeting meeting, std::shared_ptr<MeetingContext> context, py::object track)
      : meeting_(std::move(meeting)), context_(std::move(context)), track_(std::move(track)) {
    live().insert(this);
  }
  ~PyMeeting() {
    live().erase(this);
    close();
  }

  // GIL held on entry.
  void close() {
    if (!meeting_) return;
    {
      py::gil_scoped_release nogil;
      meeting_.reset();
      context_->dispatcher->stop();
      std::lock_guard lock(context_->mutex);
      context_->handlers.clear();  // breaks handler -> participant -> context cycles
    }
    track_ = py::none();  // the SDK no longer calls its recv()
  }

  Meeting& get() {
    if (!meeting_) throw Error(Error::Kind::Config, "this meeting was closed");
    return *meeting_;
  }
  const std::shared_ptr<MeetingContext>& context() const { return context_; }
  // A track given later (enable_mic(track), enable_webcam(track)) lives as long as the meeting.
  void keep(py::object track) { kept_.append(std::move(track)); }

  static std::set<PyMeeting*>& live() {
    static std::set<PyMeeting*> meetings;  // touched with the GIL held only
    return meetings;
  }

 private:
  std::optional<Meeting> meeting_;
  std::shared_ptr<MeetingContext> context_;
  py::object track_;  // keeps a Python subclass alive while the SDK calls its recv()
  py::list kept_;
};

// MeetingConfig plus the Python object of its track.
// Strings, not an enum: MeetingConfig(video_codec="h264") reads as the CLI's --video-codec.
VideoCodec parse_video_codec(const std::string& codec) {
  if (codec == "vp8") return VideoCodec::vp8;
  if (codec == "h264") return VideoCodec::h264;
  throw py::value_error("video_codec '" + codec + "' is not a codec roomcast sends; give 'vp8' or 'h264'");
}

struct PyMeetingConfig {
  MeetingConfig config;
  py::object track = py::none();
  py::object video_track = py::none();

  void set_video_track(py::object track_object) {
    if (track_object.is_none()) {
      config.custom_camera_video_track.reset();
    } else if (py::isinstance<CustomVideoTrack>(track_object)) {
      config.custom_camera_video_track = track_object.cast<std::shared_ptr<CustomVideoTrack>>();
      name_python_video_track(track_object);
    } else {
      throw py::type_error("custom_camera_video_track must be a roomcast.CustomVideoTrack (subclass) or None");
    }
    video_track = std::move(track_object);
  }

  void set_track(py::object track_object) {
    if (track_object.is_none()) {
      config.custom_microphone_audio_track.reset();
    } else if (py::isinstance<CustomAudioTrack>(track_object)) {
      config.custom_microphone_audio_track = track_object.cast<std::shared_ptr<CustomAudioTrack>>();
      name_python_track(track_object);
    } else {
      throw py::type_error("custom_microphone_audio_track must be a roomcast.CustomAudioTrack (subclass) or None");
    }
    track = std::move(track_object);
  }
};

#define ROOMCAST_CONFIG_FIELD(cls, field) \
  def_property(#field, [](const PyMeetingConfig& c) { return c.config.field; }, \
               [](PyMeetingConfig& c, decltype(MeetingConfig::field) v) { c.config.field = std::move(v); })

PyMeeting* make_meeting(const PyMeetingConfig& config) {
  std::optional<Meeting> meeting;
  {
    py::gil_scoped_release nogil;
    meeting.emplace(init_meeting(config.config));
  }
  // After init_meeting succeeded: only a PyMeeting stops a context's dispatcher thread.
  // Both tracks stay alive while the SDK may call their recv().
  return new PyMeeting(std::move(*meeting), std::make_shared<MeetingContext>(),
                       py::make_tuple(config.track, config.video_track));
}

void add_meeting_handler(PyMeeting& self, py::object handler) {
  auto adapter = std::make_shared<PyMeetingHandler>(std::move(handler), self.context());
  {
    std::lock_guard lock(self.context()->mutex);
    self.context()->handlers.push_back(adapter);
  }
  self.get().add_event_listener(adapter);
}

bool run_until_left(PyMeeting& self, std::optional<double> timeout_seconds) {
  // In slices, so Ctrl-C (KeyboardInterrupt) is noticed while we wait.
  using namespace std::chrono;
  const auto deadline = timeout_seconds ? steady_clock::now() + duration_cast<steady_clock::duration>(
                                                                    duration<double>(*timeout_seconds))
                                        : steady_clock::time_point::max();
  Meeting& meeting = self.get();
  while (true) {
    const auto slice = std::min<steady_clock::duration>(milliseconds(100), deadline - steady_clock::now());
    bool left;
    {
      py::gil_scoped_release nogil;
      left = meeting.run_until_left(duration_cast<milliseconds>(std::max(slice, steady_clock::duration::zero())));
    }
    if (left) return true;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (steady_clock::now() >= deadline) return false;
  }
}

std::optional<double> to_seconds(const std::optional<std::chrono::milliseconds>& ms) {
  if (ms) return ms->count() / 1000.0;
  return std::nullopt;
}

}  // namespace

void register_meeting(py::module_& m) {
  py::enum_<OpusFec>(m, "OpusFec", "In-band FEC policy of our Opus stream.")
      .value("ADAPTIVE", OpusFec::Adaptive)
      .value("ON", OpusFec::On)
      .value("OFF", OpusFec::Off);

  py::enum_<IceTransportPolicy>(m, "IceTransportPolicy", "Which ICE candidates may carry media.")
      .value("ALL", IceTransportPolicy::All)
      .value("RELAY", IceTransportPolicy::Relay);

  py::enum_<SignalingProtocol>(m, "SignalingProtocol", "How roomcast talks to the server (MeetingConfig.protocol).")
      .value("JANUS_VIDEOROOM", SignalingProtocol::JanusVideoRoom)
      .value("WHIP", SignalingProtocol::Whip)
      .value("WHEP", SignalingProtocol::Whep);

  py::class_<IceServer>(m, "IceServer",
                        "A STUN or TURN server: urls like 'stun:HOST[:PORT]' or "
                        "'turn:HOST[:PORT][?transport=udp|tcp]', with a username and credential for TURN.")
      .def(py::init([](py::object urls, std::string username, std::string credential) {
             IceServer s;
             if (py::isinstance<py::str>(urls)) s.urls.push_back(urls.cast<std::string>());
             else s.urls = urls.cast<std::vector<std::string>>();
             s.username = std::move(username);
             s.credential = std::move(credential);
             return s;
           }),
           py::arg("urls"), py::kw_only(), py::arg("username") = "", py::arg("credential") = "")
      .def_readwrite("urls", &IceServer::urls)
      .def_readwrite("username", &IceServer::username)
      .def_readwrite("credential", &IceServer::credential)
      .def("__repr__", [](const IceServer& s) {
        // The credential is never shown.
        std::string urls;
        for (const auto& u : s.urls) urls += (urls.empty() ? "'" : ", '") + u + "'";
        return "IceServer(urls=[" + urls + "]" + (s.username.empty() ? "" : ", username=...") +
               (s.credential.empty() ? "" : ", credential=...") + ")";
      });

  py::class_<PyMeetingConfig>(m, "MeetingConfig", "Everything needed to join a meeting (seed SDK shape).")
      .def(py::init([](py::object meeting_id, std::string name, bool mic_enabled, bool webcam_enabled,
                       std::string token, py::object track, std::string server_url, std::string ca_file,
                       bool require_tls, std::string pin,
                       bool create_room_if_missing, bool auto_subscribe, double lead_in_seconds,
                       int audio_bitrate_bps, int audio_channels, int opus_complexity, OpusFec opus_fec,
                       bool opus_dtx, bool reconnect, double reconnect_give_up_seconds, py::object video_track,
                       int video_width, int video_height, int video_frame_rate, int video_max_bitrate_bps,
                       double video_keyframe_interval_seconds, const std::string& video_codec,
                       std::vector<IceServer> ice_servers, IceTransportPolicy ice_transport_policy,
                       SignalingProtocol protocol, bool ice_tcp, bool data_enabled) {
             PyMeetingConfig c;
             c.config.meeting_id = py::str(meeting_id);
             c.config.name = std::move(name);
             c.config.mic_enabled = mic_enabled;
             c.config.webcam_enabled = webcam_enabled;
             c.config.token = std::move(token);
             c.set_track(std::move(track));
             c.config.server_url = std::move(server_url);
             c.config.ca_file = std::move(ca_file);
             c.config.require_tls = require_tls;
             c.config.pin = std::move(pin);
             c.config.create_room_if_missing = create_room_if_missing;
             c.config.auto_subscribe = auto_subscribe;
             c.config.lead_in = std::chrono::milliseconds(static_cast<int64_t>(lead_in_seconds * 1000));
             c.config.audio_bitrate_bps = audio_bitrate_bps;
             c.config.audio_channels = audio_channels;
             c.config.opus_complexity = opus_complexity;
             c.config.opus_fec = opus_fec;
             c.config.opus_dtx = opus_dtx;
             c.config.reconnect = reconnect;
             c.config.reconnect_give_up =
                 std::chrono::milliseconds(static_cast<int64_t>(reconnect_give_up_seconds * 1000));
             c.set_video_track(std::move(video_track));
             c.config.video.width = video_width;
             c.config.video.height = video_height;
             c.config.video.frame_rate = video_frame_rate;
             c.config.video.max_bitrate_bps = video_max_bitrate_bps;
             c.config.video.keyframe_interval =
                 std::chrono::milliseconds(std::llround(video_keyframe_interval_seconds * 1000));
             c.config.video.codec = parse_video_codec(video_codec);
             c.config.ice_servers = std::move(ice_servers);
             c.config.ice_transport_policy = ice_transport_policy;
             c.config.protocol = protocol;
             c.config.ice_tcp = ice_tcp;
             c.config.data_enabled = data_enabled;
             return c;
           }),
           py::kw_only(), py::arg("meeting_id") = "1234", py::arg("name") = "roomcast",
           py::arg("mic_enabled") = true, py::arg("webcam_enabled") = false, py::arg("token") = "",
           py::arg("custom_microphone_audio_track") = py::none(), py::arg("server_url") = "",
           py::arg("ca_file") = "", py::arg("require_tls") = false, py::arg("pin") = "",
           py::arg("create_room_if_missing") = false, py::arg("auto_subscribe") = true,
           py::arg("lead_in_seconds") = 0.3, py::arg("audio_bitrate_bps") = 32000, py::arg("audio_channels") = 1,
           py::arg("opus_complexity") = 9,
           py::arg("opus_fec") = OpusFec::Adaptive, py::arg("opus_dtx") = false, py::arg("reconnect") = true,
           py::arg("reconnect_give_up_seconds") = 120.0, py::arg("custom_camera_video_track") = py::none(),
           py::arg("video_width") = 640, py::arg("video_height") = 360, py::arg("video_frame_rate") = 30,
           py::arg("video_max_bitrate_bps") = 800000, py::arg("video_keyframe_interval_seconds") = 3.0,
           py::arg("video_codec") = "vp8", py::arg("ice_servers") = std::vector<IceServer>{},
           py::arg("ice_transport_policy") = IceTransportPolicy::All,
           py::arg("protocol") = SignalingProtocol::JanusVideoRoom, py::arg("ice_tcp") = true,
           py::arg("data_enabled") = false)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, meeting_id)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, name)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, mic_enabled)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, webcam_enabled)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, token)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, protocol)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, server_url)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, ca_file)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, require_tls)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, pin)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, create_room_if_missing)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, auto_subscribe)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, audio_bitrate_bps)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, audio_channels)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, opus_complexity)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, opus_fec)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, opus_dtx)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, reconnect)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, ice_transport_policy)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, ice_tcp)
      .ROOMCAST_CONFIG_FIELD(PyMeetingConfig, data_enabled)
      .def_property(
          "ice_servers", [](const PyMeetingConfig& c) { return c.config.ice_servers; },
          [](PyMeetingConfig& c, std::vector<IceServer> servers) { c.config.ice_servers = std::move(servers); },
          "STUN/TURN servers (a list of IceServer; assign a new list, the returned one is a copy).")
      .def_property(
          "custom_camera_video_track", [](const PyMeetingConfig& c) { return c.video_track; },
          [](PyMeetingConfig& c, py::object track) { c.set_video_track(std::move(track)); })
      .def_property(
          "reconnect_give_up_seconds", [](const PyMeetingConfig& c) { return c.config.reconnect_give_up.count() / 1000.0; },
          [](PyMeetingConfig& c, double s) {
            c.config.reconnect_give_up = std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
          })
      .def_property(
          "video_codec",
          [](const PyMeetingConfig& c) { return std::string(c.config.video.codec == VideoCodec::h264 ? "h264" : "vp8"); },
          [](PyMeetingConfig& c, const std::string& codec) { c.config.video.codec = parse_video_codec(codec); })
      .def_property(
          "lead_in_seconds", [](const PyMeetingConfig& c) { return c.config.lead_in.count() / 1000.0; },
          [](PyMeetingConfig& c, double s) { c.config.lead_in = std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); })
      .def_property(
          "custom_microphone_audio_track", [](const PyMeetingConfig& c) { return c.track; },
          &PyMeetingConfig::set_track);

  py::class_<MeetingJoinedInfo>(m, "MeetingJoinedInfo")
      .def_readonly("meeting_id", &MeetingJoinedInfo::meeting_id)
      .def_readonly("participant_id", &MeetingJoinedInfo::participant_id)
      .def_readonly("server_url", &MeetingJoinedInfo::server_url)
      .def("__repr__", [](const MeetingJoinedInfo& i) {
        return "<MeetingJoinedInfo meeting " + i.meeting_id + ", participant " + i.participant_id + ">";
      });
  py::class_<MeetingLeftInfo>(m, "MeetingLeftInfo")
      .def_readonly("reason", &MeetingLeftInfo::reason)
      .def_readonly("error", &MeetingLeftInfo::error)
      .def("__repr__", [](const MeetingLeftInfo& i) { return "<MeetingLeftInfo " + i.reason + ">"; });

  py::class_<ReconnectingInfo>(m, "ReconnectingInfo")
      .def_readonly("reason", &ReconnectingInfo::reason)
      .def("__repr__", [](const ReconnectingInfo& i) { return "<ReconnectingInfo " + i.reason + ">"; });
  py::class_<ReconnectedInfo>(m, "ReconnectedInfo")
      .def_readonly("how", &ReconnectedInfo::how)
      .def_readonly("attempts", &ReconnectedInfo::attempts)
      .def_property_readonly("downtime_seconds", [](const ReconnectedInfo& i) { return i.downtime.count() / 1000.0; })
      .def_property_readonly("last_attempt_seconds",
                             [](const ReconnectedInfo& i) { return i.last_attempt.count() / 1000.0; })
      .def("__repr__", [](const ReconnectedInfo& i) { return "<ReconnectedInfo " + i.how + ">"; });

  py::class_<VideoPublishStats>(m, "VideoPublishStats", "Our camera stream so far (PublishStats.video).")
      .def_readonly("frames_sent", &VideoPublishStats::frames_sent)
      .def_readonly("keyframes_sent", &VideoPublishStats::keyframes_sent)
      .def_readonly("packets_sent", &VideoPublishStats::packets_sent)
      .def_readonly("bytes_sent", &VideoPublishStats::bytes_sent)
      .def_readonly("nacks_received", &VideoPublishStats::nacks_received)
      .def_readonly("retransmissions", &VideoPublishStats::retransmissions)
      .def_readonly("retransmissions_rtx", &VideoPublishStats::retransmissions_rtx)
      .def_readonly("rtx", &VideoPublishStats::rtx)
      .def_readonly("keyframe_requests", &VideoPublishStats::keyframe_requests)
      .def_readonly("keyframe_requests_unanswered", &VideoPublishStats::keyframe_requests_unanswered)
      .def_readonly("frames_late", &VideoPublishStats::frames_late)
      .def_readonly("bitrate_bps", &VideoPublishStats::bitrate_bps)
      .def_readonly("remb_bps", &VideoPublishStats::remb_bps)
      .def_readonly("fraction_lost", &VideoPublishStats::fraction_lost)
      .def_readonly("loss_estimate_bps", &VideoPublishStats::loss_estimate_bps)
      .def_readonly("pacing_rate_bps", &VideoPublishStats::pacing_rate_bps)
      .def_readonly("pacer_dropped", &VideoPublishStats::pacer_dropped);

  py::class_<PublishStats>(m, "PublishStats")
      .def_readonly("video", &PublishStats::video, "Our camera stream (None without video).")
      .def_readonly("frames_sent", &PublishStats::frames_sent)
      .def_readonly("packets_sent", &PublishStats::packets_sent)
      .def_readonly("bytes_sent", &PublishStats::bytes_sent)
      .def_readonly("late_frames", &PublishStats::late_frames)
      .def_readonly("underruns", &PublishStats::underruns)
      .def_readonly("fec_frames", &PublishStats::fec_frames)
      .def_readonly("remote_fraction_lost", &PublishStats::remote_fraction_lost)
      .def_readonly("remote_packets_lost", &PublishStats::remote_packets_lost)
      .def_readonly("remote_jitter_ms", &PublishStats::remote_jitter_ms)
      .def_readonly("receiver_reports", &PublishStats::receiver_reports)
      .def_readonly("selected_candidate_pair", &PublishStats::selected_candidate_pair,
                    "The ICE pair carrying our media, e.g. 'relay/udp -> host/udp (TURN over udp)'; '' until connected.")
      .def_property_readonly("round_trip_time_ms",
                             [](const PublishStats& s) -> std::optional<double> {
                               if (!s.round_trip_time) return std::nullopt;
                               return s.round_trip_time->count() / 1000.0;
                             })
      .def_property_readonly("time_to_first_packet_seconds",
                             [](const PublishStats& s) { return to_seconds(s.time_to_first_packet); })
      .def_property_readonly("position_seconds", [](const PublishStats& s) { return s.position.count() / 1000.0; })
      .def_property_readonly("duration_seconds", [](const PublishStats& s) { return to_seconds(s.duration); });

  py::class_<AudioReceiveStats>(m, "AudioReceiveStats")
      .def_readonly("packets_received", &AudioReceiveStats::packets_received)
      .def_readonly("packets_lost", &AudioReceiveStats::packets_lost)
      .def_readonly("packets_late", &AudioReceiveStats::packets_late)
      .def_readonly("frames_played", &AudioReceiveStats::frames_played)
      .def_readonly("frames_concealed", &AudioReceiveStats::frames_concealed)
      .def_readonly("frames_fec", &AudioReceiveStats::frames_fec)
      .def_readonly("bytes_received", &AudioReceiveStats::bytes_received)
      .def_readonly("fraction_lost", &AudioReceiveStats::fraction_lost)
      .def_readonly("cumulative_lost", &AudioReceiveStats::cumulative_lost)
      .def_readonly("jitter_ms", &AudioReceiveStats::jitter_ms);

  py::class_<RemoteAudioStats>(m, "RemoteAudioStats")
      .def_readonly("participant_id", &RemoteAudioStats::participant_id)
      .def_readonly("display_name", &RemoteAudioStats::display_name)
      .def_readonly("stream_id", &RemoteAudioStats::stream_id)
      .def_readonly("audio", &RemoteAudioStats::audio);

  py::class_<MeetingStats>(m, "MeetingStats")
      .def_readonly("publishing", &MeetingStats::publishing)
      .def_readonly("sending", &MeetingStats::sending)
      .def_readonly("receiving", &MeetingStats::receiving)
      .def_readonly("receiving_candidate_pair", &MeetingStats::receiving_candidate_pair)
      .def_readonly("messages", &MeetingStats::messages, "Messages sent and received (roomcast.MessageStats).");

  py::class_<PyAudioFrame>(m, "AudioFrame", "20 ms of received audio: 960 mono int16 samples at 48 kHz.")
      .def_readonly("samples", &PyAudioFrame::samples)
      .def_readonly("sample_rate_hz", &PyAudioFrame::sample_rate_hz)
      .def_readonly("timestamp_samples", &PyAudioFrame::timestamp_samples)
      .def_readonly("concealed", &PyAudioFrame::concealed);

  py::class_<PyStream>(m, "Stream", "A participant's media stream.")
      .def_property_readonly("id", [](const PyStream& s) { return s.stream.id(); })
      .def_property_readonly("kind", [](const PyStream& s) { return s.stream.kind(); })
      .def_property_readonly("participant_id", [](const PyStream& s) { return s.stream.participant_id(); })
      .def_property_readonly("is_local", [](const PyStream& s) { return s.stream.is_local(); })
      .def(
          "add_sink",
          [](const PyStream& s, py::object sink) {
            // A MediaRecorder writes natively, never waiting for the callback thread.
            if (py::isinstance<MediaRecorder>(sink)) {
              auto recorder = sink.cast<std::shared_ptr<MediaRecorder>>();
              if (s.stream.kind() == "video") return s.stream.add_sink(std::shared_ptr<VideoSink>(recorder));
              return s.stream.add_sink(std::shared_ptr<AudioSink>(recorder));
            }
            if (s.stream.kind() == "video") return s.stream.add_sink(std::make_shared<PyVideoSink>(std::move(sink), s.context));
            s.stream.add_sink(std::make_shared<PySink>(std::move(sink), s.context));
          },
          py::arg("sink"),
          "Remote audio: sink.on_audio_frame(frame) gets every decoded 20 ms frame (roomcast.AudioFrame); remote "
          "video: sink.on_video_frame(frame) gets every decoded picture (roomcast.ReceivedVideoFrame, numpy I420 "
          "planes); both on the meeting's callback thread (a sink that falls behind loses frames). A "
          "roomcast.MediaRecorder records either kind natively.")
      .def("stats", [](const PyStream& s) { return s.stream.stats(); })
      .def("__repr__", [](const PyStream& s) { return "<Stream " + s.stream.kind() + " " + s.stream.id() + ">"; });

  py::class_<PyParticipant>(m, "Participant", "Someone in the meeting, local or remote.")
      .def_property_readonly("id", [](const PyParticipant& p) { return p.participant.id(); })
      .def_property_readonly("display_name", [](const PyParticipant& p) { return p.participant.display_name(); })
      .def_property_readonly("is_local", [](const PyParticipant& p) { return p.participant.is_local(); })
      .def_property_readonly("streams",
                             [](const PyParticipant& p) {
                               std::vector<PyStream> out;
                               for (auto& s : p.participant.streams()) out.push_back(PyStream{s, p.context});
                               return out;
                             })
      .def(
          "add_event_listener",
          [](PyParticipant& p, py::object handler) {
            auto adapter = std::make_shared<PyParticipantHandler>(std::move(handler), p.context);
            p.participant.add_event_listener(adapter);
            adapter->replay_enabled(p.participant);
          },
          py::arg("handler"), "handler.on_stream_enabled(stream) / on_stream_disabled(stream), if defined.")
      .def(
          "capture_image",
          [](const PyParticipant& p) -> py::object {
            std::optional<std::vector<uint8_t>> png;
            {
              py::gil_scoped_release release;
              png = p.participant.capture_image();
            }
            if (!png) return py::none();
            return py::bytes(reinterpret_cast<const char*>(png->data()), png->size());
          },
          "The participant's latest decoded picture as PNG bytes (RGB, its own size), or None before one was "
          "decoded (its video stream needs a sink: stream.add_sink).")
      .def("__repr__", [](const PyParticipant& p) {
        return "<Participant " + p.participant.display_name() + " " + p.participant.id() + ">";
      });

  py::class_<PyMeeting>(m, "Meeting", "A meeting: join, publish the microphone track, follow events.")
      .def("add_event_listener", &add_meeting_handler, py::arg("handler"),
           "handler.on_meeting_joined(data), on_meeting_left(data), on_participant_joined(participant), "
           "on_participant_left(participant), on_speaker_changed(participant_id), on_reconnecting(info), "
           "on_reconnected(info), on_error(message): "
           "each if defined, on the meeting's callback thread.")
      .def_property_readonly("local_participant",
                             [](PyMeeting& self) { return PyParticipant{self.get().local_participant(), self.context()}; })
      .def_property_readonly("participants",
                             [](PyMeeting& self) {
                               std::vector<PyParticipant> out;
                               for (auto& p : self.get().participants()) out.push_back(PyParticipant{p, self.context()});
                               return out;
                             })
      .def(
          "add_mixed_audio_sink",
          [](PyMeeting& self, py::object sink) {
            self.get().add_mixed_audio_sink(std::make_shared<PySink>(std::move(sink), self.context()));
          },
          py::arg("sink"), "Every remote participant's audio mixed: sink.on_audio_frame(frame) every 20 ms.")
      .def("subscribe", [](PyMeeting& self, const PyParticipant& p) { self.get().subscribe(p.participant); })
      .def("unsubscribe", [](PyMeeting& self, const PyParticipant& p) { self.get().unsubscribe(p.participant); })
      .def(
          "join", [](PyMeeting& self) { self.get().join(); }, py::call_guard<py::gil_scoped_release>(),
          "Connects, joins and starts publishing; returns once the microphone stream is live.")
      .def(
          "leave", [](PyMeeting& self) { self.get().leave(); }, py::call_guard<py::gil_scoped_release>(),
          "Leaves the meeting cleanly. Idempotent.")
      .def(
          "enable_mic",
          [](PyMeeting& self, py::object track) {
            std::shared_ptr<CustomAudioTrack> native;
            if (!track.is_none()) {
              native = track.cast<std::shared_ptr<CustomAudioTrack>>();
              name_python_track(track);
              self.keep(track);
            }
            py::gil_scoped_release nogil;
            self.get().enable_mic(native);
          },
          py::arg("track") = py::none(), "Unmutes the microphone (with another track: a swap). Blocks briefly.")
      .def(
          "disable_mic", [](PyMeeting& self) { self.get().disable_mic(); }, py::call_guard<py::gil_scoped_release>(),
          "Mutes the microphone: the others get on_stream_disabled.")
      .def(
          "enable_webcam",
          [](PyMeeting& self, py::object track) {
            std::shared_ptr<CustomVideoTrack> native;
            if (!track.is_none()) {
              native = track.cast<std::shared_ptr<CustomVideoTrack>>();
              name_python_video_track(track);
              self.keep(track);
            }
            py::gil_scoped_release nogil;
            self.get().enable_webcam(native);
          },
          py::arg("track") = py::none(), "Turns the camera on (with another track: a swap). Blocks briefly.")
      .def(
          "disable_webcam", [](PyMeeting& self) { self.get().disable_webcam(); },
          py::call_guard<py::gil_scoped_release>(), "Turns the camera off; audio goes on.")
      .def("run_until_left", &run_until_left, py::arg("timeout_seconds") = py::none(),
           "Waits until the meeting is left (or the timeout passes); True if it was left.")
      .def_property_readonly("joined", [](PyMeeting& self) { return self.get().joined(); })
      .def_property_readonly("left_info", [](PyMeeting& self) { return self.get().left_info(); })
      .def("publish_stats", [](PyMeeting& self) { return self.get().publish_stats(); })
      .def(
          "stats", [](PyMeeting& self) { return self.get().stats(); }, py::call_guard<py::gil_scoped_release>(),
          "What we send and receive, with RTCP loss, jitter and round-trip time.")
      .def_property_readonly("server_url", [](PyMeeting& self) { return self.get().server_url(); })
      .def_property_readonly(
          "pubsub",
          [](py::object self) {
            auto* meeting = &self.cast<PyMeeting&>();
            meeting->get();  // a closed meeting says so here
            return make_pubsub(self, [meeting]() -> Meeting& { return meeting->get(); }, meeting->context());
          },
          "The meeting's messages (roomcast.PubSub): publish(topic, message), subscribe(topic, handler), "
          "messages(topic) for async for. Sending needs MeetingConfig(data_enabled=True).")
      .def("close", &PyMeeting::close, "Leaves (if joined) and releases the meeting now.");

  m.def("init_meeting", &make_meeting, py::arg("config"), py::return_value_policy::take_ownership,
        "Validates the config and prepares a meeting; join() connects.");

  // Meetings still alive at interpreter exit are left while Python can still run callbacks.
  py::module_::import("atexit").attr("register")(py::cpp_function([] {
    auto meetings = PyMeeting::live();
    for (PyMeeting* meeting : meetings) meeting->close();
  }));
}

}  // namespace roomcast::python
