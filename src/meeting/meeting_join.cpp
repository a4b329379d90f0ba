// Joining: connect, session, VideoRoom handle, join the room, publish our track.
#include <cctype>

#include "meeting/meeting_impl.hpp"
#include "roomcast/meeting.hpp"
#include "roomcast/push_audio_track.hpp"

namespace roomcast {

using signaling::janus::error_of;
using signaling::janus::JanusClient;
namespace videoroom = signaling::janus::videoroom;

namespace {
// A peer connection that does not come up within this long fails the join.
constexpr auto kMediaTimeout = std::chrono::seconds(15);
}  // namespace

// ---- join --------------------------------------------------------------------------------------

void Meeting::Impl::join() {
  if (loop->in_loop_thread())
    throw Error(Error::Kind::Config, "join() blocks until the audio is live; call it from your own thread, "
                                     "not from an event handler");
  {
    std::lock_guard lock(mutex);
    if (state != State::Idle) throw Error(Error::Kind::Config, "join() was already called on this meeting");
    state = State::Joining;
  }
  join_started = std::chrono::steady_clock::now();
  try {
    join_steps();
  } catch (...) {
    teardown_after_failed_join();
    throw;
  }
}

void Meeting::Impl::join_steps() {
  if (config.server_url.empty()) {
    embedded = std::make_unique<server::EmbeddedJanus>(server::EmbeddedJanusOptions{});
    url = embedded->url();
    config.create_room_if_missing = true;
  } else {
    url = config.server_url;
  }
  connect();
  create_session();
  attach();
  if (config.create_room_if_missing) ensure_room();
  announce_joined(join_room());
  if (config.mic_enabled) publish();
  std::lock_guard lock(mutex);
  if (state == State::Joining) state = State::Joined;
}

void Meeting::Impl::connect() {
  auto future = loop->call([this] {
    JanusClient::Callbacks callbacks;
    callbacks.on_handle_event = [this](uint64_t handle, const Json& message) {
      contain("server event", [&] { on_handle_event(handle, message); });
    };
    callbacks.on_closed = [this](const std::string& why) {
      contain("connection closed", [&] { on_connection_closed(why); });
    };
    client = std::make_unique<JanusClient>(*loop, url, config.token, std::move(callbacks));
    client->set_ca_file(config.ca_file);
    return client->connect();
  });
  if (future.wait_for(kRequestTimeout) != std::future_status::ready)
    signaling_error("cannot connect to the Janus server at " + url + ": no answer within " +
                    std::to_string(kRequestTimeout.count()) + " s; check the URL and that Janus is running");
  if (auto error = future.get()) {
    std::string why = *error;
    if (!why.empty() && why.back() == '.') why.pop_back();
    // libsoup says "Could not connect to HOST: Connection refused"; the URL already names HOST.
    if (auto colon = why.find(": "); why.rfind("Could not connect to ", 0) == 0 && colon != std::string::npos)
      why = why.substr(colon + 2);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    if (why.find("--ca FILE") != std::string::npos)  // TLS trust: the text says what to do
      signaling_error("cannot connect to the Janus server at " + url + ": " + why);
    if (why.find("WebSocket handshake") != std::string::npos || why.find("subprotocol") != std::string::npos)
      signaling_error(url + " is not a Janus WebSocket server (" + why +
                      "); check the URL: it must point at Janus's WebSocket transport, e.g. ws://HOST:8188");
    signaling_error("cannot connect to the Janus server at " + url + ": " + why +
                    "; check the URL (ws://HOST:PORT of Janus's WebSocket transport) and that Janus is "
                    "running there");
  }
}

void Meeting::Impl::create_session() {
  // Keepalives often enough for this server's session timeout (Janus may be set far below 60 s).
  if (auto timeout = videoroom::read_session_timeout(request({{"janus", "info"}}, std::nullopt, "info")))
    keepalive_interval = JanusClient::keepalive_for(*timeout);
  Json reply = request({{"janus", "create"}}, std::nullopt, "create session");
  if (auto error = error_of(reply)) signaling_error(videoroom::session_refusal(*error, url, !config.token.empty()));
  if (!reply.contains("data") || !reply["data"].contains("id"))
    signaling_error("the server at " + url + " answered 'create' without a session id; is it Janus?");
  uint64_t session = reply["data"]["id"].get<uint64_t>();
  loop->call([&] { client->set_session(session, keepalive_interval); });
}

void Meeting::Impl::attach() {
  Json reply = request({{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}}, std::nullopt,
                       "attach videoroom");
  if (auto error = error_of(reply))
    signaling_error("the Janus server at " + url + " cannot attach the VideoRoom plugin (error " +
                    std::to_string(error->code) + ": " + error->reason +
                    "); enable janus.plugin.videoroom on the server");
  handle_id = reply["data"]["id"].get<uint64_t>();
}

void Meeting::Impl::ensure_room() {
  if (videoroom::read_exists(plugin_request(videoroom::exists_request(room_id), "exists")).value_or(false)) return;
  videoroom::RoomSettings settings;
  settings.room = room_id;
  settings.description = "roomcast " + config.meeting_id;
  settings.pin = config.pin;
  Json reply = plugin_request(videoroom::create_request(settings), "create room");
  if (auto error = error_of(reply); error && error->code != videoroom::kRoomExists)
    signaling_error("cannot create meeting " + config.meeting_id + " on " + url + " (error " +
                    std::to_string(error->code) + ": " + error->reason + ")");
}

videoroom::Joined Meeting::Impl::join_room() {
  Json reply = plugin_request(videoroom::join_request(room_id, config.name, config.pin), "join");
  if (auto error = error_of(reply)) signaling_error(videoroom::join_refusal(*error, config.meeting_id, url));
  auto joined = videoroom::read_joined(reply);
  if (!joined)
    signaling_error("cannot join meeting " + config.meeting_id + " on " + url + ": unexpected answer " +
                    videoroom::plugin_data(reply).dump());
  return *joined;
}

void Meeting::Impl::announce_joined(const videoroom::Joined& joined) {
  local_state->id = id_string(joined.id);
  local_id = joined.id;
  local_state->display_name = config.name;
  local_state->local = true;
  private_id = joined.private_id;
  // listparticipants also reports attendees who do not publish.
  const Json present =
      videoroom::read_participants(plugin_request(videoroom::list_participants_request(room_id), "listparticipants"));
  loop->call([&] {
    for_handlers([&](MeetingEventHandler& h) {
      h.on_meeting_joined(MeetingJoinedInfo{config.meeting_id, local_state->id, url});
    });
    for (const auto& p : present)
      if (id_string(p["id"]) != local_state->id) participant_joined(p["id"], p.value("display", ""));
    for (const auto& p : joined.publishers) publisher_seen(p);
    start_receive_tick();
  });
}

void Meeting::Impl::publish() {
  // Meetings given the same track object (and settings) share one encode; the producer
  // starts encoding ahead now, while ICE and DTLS connect (a live track's waits for the wire).
  media::EncoderSettings settings{config.audio_bitrate_bps, config.opus_complexity, config.opus_fec,
                                  config.opus_dtx, config.audio_channels};
  track_reader = engine->encoded_track(config.custom_microphone_audio_track, settings)->open_reader();
  if (config.webcam_enabled) {
    video_track = engine->encoded_video(config.custom_camera_video_track, media::video_encode_settings(config.video));
  }

  loop->call([&] {
    peer = std::make_unique<peer::PeerSession>(*loop, publisher_callbacks());
    peer->send_stereo(config.audio_channels == 2);
    peer->set_video_codec(config.video.codec);
    if (video_track) peer->offer_video(config.video.nack);
    peer->create_offer([this](const std::string& sdp) {
      contain("local offer", [&] {
        std::lock_guard lock(mutex);
        local_offer = sdp;
        state_changed.notify_all();
      });
    });
  });
  {
    // Gathering ends in an offer or in a failure (no usable interface): wait for either.
    std::unique_lock lock(mutex);
    state_changed.wait_for(lock, kRequestTimeout, [&] { return local_offer || media_error; });
    if (media_error) throw Error(Error::Kind::Transport, *media_error);
    if (!local_offer) throw Error(Error::Kind::Transport, "ICE gathering did not finish within 10 s");
  }

  Json reply = plugin_request(videoroom::configure_request(video_track != nullptr), "configure",
                              Json{{"type", "offer"}, {"sdp", *local_offer}});
  if (auto error = error_of(reply))
    signaling_error("the server at " + url + " refused our offer (Janus error " +
                    std::to_string(error->code) + ": " + error->reason + ")");
  if (!reply.contains("jsep") || !reply["jsep"].contains("sdp"))
    signaling_error("the server at " + url + " accepted our offer but sent no SDP answer");
  std::string answer = reply["jsep"]["sdp"];
  auto problem = loop->call([&] { return peer->apply_answer(answer); });
  if (problem) throw Error(Error::Kind::Transport, *problem);
  if (video_track) {
    // The room may not take our video (another codec): say so once, and keep the audio.
    auto refusal = loop->call([&] { return peer->video_refusal(); });
    if (refusal) {
      core::log_warn("meeting ", config.meeting_id, ": our video is not sent: ", *refusal);
      video_track.reset();
    }
  }
  {
    std::lock_guard controls(controls_mutex);
    publishing = Publishing{true, video_track != nullptr};
  }

  std::unique_lock lock(mutex);
  bool settled = state_changed.wait_for(
      lock, kMediaTimeout, [this] { return media_live || media_error.has_value() || state == State::Left; });
  if (media_error) throw Error(Error::Kind::Transport, *media_error);
  if (state == State::Left) signaling_error("the meeting ended while joining: " + left_info.reason);
  if (!settled) throw Error(Error::Kind::Transport, "the audio stream to " + url + " did not go live within 15 s");
  // A live track: return once the lead-in is out, i.e. once the participants who subscribe
  // on our announcement can hear us: audio pushed from then on goes out at once and whole.
  if (dynamic_cast<const PushAudioTrack*>(config.custom_microphone_audio_track.get())) {
    state_changed.wait_for(lock, config.lead_in, [this] { return media_error.has_value() || state == State::Left; });
    if (media_error) throw Error(Error::Kind::Transport, *media_error);
  }
}

void Meeting::Impl::teardown_after_failed_join() {
  release_loop_objects();
  embedded.reset();
  std::lock_guard lock(mutex);
  state = State::Left;
  state_changed.notify_all();
}

}  // namespace roomcast
