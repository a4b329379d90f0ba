// Meeting facade, publishing side: connect, join, publish our track, leave.
#include "roomcast/meeting.hpp"

#include <cctype>

#include "core/log.hpp"
#include "meeting/config_check.hpp"
#include "meeting/meeting_impl.hpp"
#include "roomcast/push_audio_track.hpp"

namespace roomcast {

using signaling::janus::error_of;
using signaling::janus::JanusClient;
namespace videoroom = signaling::janus::videoroom;

namespace {
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr auto kMediaTimeout = std::chrono::seconds(15);
constexpr auto kLeaveTimeout = std::chrono::seconds(3);

[[noreturn]] void signaling_error(const std::string& message) {
  throw Error(Error::Kind::Signaling, message);
}

}  // namespace

std::string id_string(const Json& id) { return id.is_string() ? id.get<std::string>() : id.dump(); }

Meeting::Impl::~Impl() {
  leave();
  release_loop_objects();
  local_state->clear_handlers();
  for (auto& [id, participant] : participants) participant->clear_handlers();
  loop->call([this] { alive.reset(); });  // between tasks: none runs on us after this
  // Maybe the process's last meeting, destroyed from one of its handlers (the loop thread).
  engine::Engine::release(std::move(engine));
}

// ---- requests from the caller's thread ------------------------------------------------------

Json Meeting::Impl::wait(std::future<Json> reply, const std::string& what) {
  if (reply.wait_for(kRequestTimeout) != std::future_status::ready)
    signaling_error("the server at " + url + " did not answer '" + what + "' within " +
                    std::to_string(kRequestTimeout.count()) +
                    " s; check that it is a Janus server and that it is not overloaded");
  return reply.get();
}

Json Meeting::Impl::request(Json body, std::optional<uint64_t> handle, const std::string& what) {
  auto future = loop->call([&] { return client->request(std::move(body), handle); });
  return wait(std::move(future), what);
}

Json Meeting::Impl::plugin_request(Json body, const std::string& what, std::optional<Json> jsep) {
  Json message{{"janus", "message"}, {"body", std::move(body)}};
  if (jsep) message["jsep"] = *jsep;
  return request(std::move(message), handle_id, what);
}

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

  loop->call([&] {
    peer = std::make_unique<peer::PeerSession>(*loop, publisher_callbacks());
    peer->send_stereo(config.audio_channels == 2);
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

  Json reply = plugin_request(videoroom::configure_audio_request(), "configure",
                              Json{{"type", "offer"}, {"sdp", *local_offer}});
  if (auto error = error_of(reply))
    signaling_error("the server at " + url + " refused our audio offer (Janus error " +
                    std::to_string(error->code) + ": " + error->reason + ")");
  if (!reply.contains("jsep") || !reply["jsep"].contains("sdp"))
    signaling_error("the server at " + url + " accepted our offer but sent no SDP answer");
  std::string answer = reply["jsep"]["sdp"];
  auto problem = loop->call([&] { return peer->apply_answer(answer); });
  if (problem) throw Error(Error::Kind::Transport, *problem);

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

void Meeting::Impl::release_loop_objects() {
  if (client || peer || sender || !feeds.empty() || receive_tick || reconnect.retry) {
    loop->call([this] {
      stop_reconnecting();
      reconnect.retry.reset();
      reconnect.deadline.reset();
      resubscribe_timer.reset();
      drop_remote_side();
      sender.reset();
      if (peer) peer->close();
      peer.reset();
      if (client) client->close();
      client.reset();
    });
  }
  track_reader.reset();
}

// ---- our media (loop thread) ---------------------------------------------------------------

void Meeting::Impl::on_media_connected() {
  peer::AudioSender::Callbacks callbacks;
  // Posted: the sender must not be destroyed from inside its own callback.
  callbacks.on_end_of_stream = [this] { post_task([](Impl& self) { self.begin_leave("end of stream", false); }); };
  callbacks.on_failed = [this](const std::string& why) {
    post_task([why](Impl& self) {
      self.for_handlers([&](MeetingEventHandler& h) { h.on_error("audio track failed: " + why); });
      self.begin_leave("audio track failed: " + why, true);
    });
  };
  if (sender) return sender->set_peer(peer.get());  // a rejoin: the stream continues
  if (!track_reader) return;
  sender = std::make_unique<peer::AudioSender>(*engine, *peer, std::move(track_reader), config.lead_in,
                                               std::move(callbacks));
  sender->start();
}

void Meeting::Impl::on_media_failed(const std::string& why) {
  {
    std::lock_guard lock(mutex);
    if (state == State::Joining) {  // join() is waiting for this: it fails
      media_error = why;
      state_changed.notify_all();
      return;
    }
  }
  start_reconnect("media failed: " + why, true);
}

void Meeting::Impl::on_handle_event(uint64_t handle, const Json& message) {
  if (handle != handle_id) return on_subscriber_event(handle, message);
  const std::string kind = message.value("janus", "");
  if (kind == "webrtcup") {
    {
      std::lock_guard lock(mutex);
      media_live = true;
      state_changed.notify_all();
    }
    local_stream_enabled(true);
    if (reconnect.awaiting_media) reconnected("rejoined");
    return;
  }
  if (kind == "hangup") {
    local_stream_enabled(false);
    if (state_is(State::Joined) || state_is(State::Joining) || state_is(State::Reconnecting))
      on_media_failed("the server hung up our media (" + message.value("reason", "") + ")");
    return;
  }
  if (kind == "event")
    on_room_event(message.value("plugindata", Json::object()).value("data", Json::object()));
}

/// Reports our own microphone stream going live or away, once per change.
void Meeting::Impl::local_stream_enabled(bool enabled) {
  if (enabled == local_stream_live) return;
  local_stream_live = enabled;
  if (enabled) {
    local_audio = std::make_shared<detail::StreamState>();
    local_audio->id = "audio0";
    local_audio->kind = "audio";
    local_audio->participant_id = local_state->id;
    local_audio->local = true;
    local_state->enable_stream(local_audio);
  } else {
    local_state->disable_stream("audio0");
  }
}

bool Meeting::Impl::state_is(State s) {
  std::lock_guard lock(mutex);
  return state == s;
}

void Meeting::Impl::on_connection_closed(const std::string& why) {
  if (state_is(State::Leaving) || state_is(State::Left)) return;
  if (state_is(State::Joining)) {  // join() fails with it
    for_handlers([&](MeetingEventHandler& h) { h.on_error(why); });
    return finish_leave(why, true);
  }
  // Posted: the client that reports this must not be replaced inside its own callback.
  post_task([why](Impl& self) { self.start_reconnect(why, false); });
}

// ---- leave -------------------------------------------------------------------------------------

/// Loop thread: leave, detach, destroy the session, then report. Never blocks.
void Meeting::Impl::begin_leave(const std::string& reason, bool error) {
  {
    std::lock_guard lock(mutex);
    if (state == State::Leaving || state == State::Left || state == State::Idle) return;
    state = State::Leaving;
  }
  stop_reconnecting();
  snapshot_stats();
  if (sender) sender->stop();
  if (peer) peer->close();
  drop_remote_side();
  if (!client || !client->connected()) return finish_leave(reason, error);
  auto done = std::make_shared<bool>(false);
  auto finish = [this, reason, error, done](const Json&) {
    if (*done) return;
    *done = true;
    finish_leave(reason, error);
  };
  // Bound the whole sequence: a dead server must not keep us here.
  leave_guard = std::make_shared<core::Timer>(loop->context(), [finish] { finish(Json{}); });
  leave_guard->arm_in(kLeaveTimeout);
  client->request({{"janus", "message"}, {"body", videoroom::leave_request()}}, handle_id, [this, finish](const Json&) {
    if (!client) return;
    client->request({{"janus", "detach"}}, handle_id, [this, finish](const Json&) {
      if (!client) return;
      client->request({{"janus", "destroy"}}, std::nullopt, [finish](const Json& reply) { finish(reply); });
    });
  });
}

void Meeting::Impl::finish_leave(const std::string& reason, bool error) {
  stop_reconnecting();
  snapshot_stats();
  leave_guard.reset();
  sender.reset();
  if (peer) peer->close();
  drop_remote_side();
  if (client) client->close();
  {
    std::lock_guard lock(mutex);
    if (state == State::Left) return;
    state = State::Left;
    left_info = MeetingLeftInfo{reason, error};
  }
  local_stream_enabled(false);
  for_handlers([&](MeetingEventHandler& h) { h.on_meeting_left(left_info); });
  std::lock_guard lock(mutex);
  state_changed.notify_all();
}

void Meeting::Impl::snapshot_stats() {
  PublishStats stats = collect_stats();
  std::lock_guard lock(mutex);
  final_stats = stats;
}

PublishStats Meeting::Impl::collect_stats() {
  PublishStats stats;
  if (sender) {
    auto s = sender->stats();
    stats.frames_sent = s.frames_sent;
    stats.late_frames = s.late_frames;
    stats.underruns = s.underruns;
    stats.fec_frames = s.fec_frames;
    if (s.first_packet_at)
      stats.time_to_first_packet =
          std::chrono::duration_cast<std::chrono::milliseconds>(*s.first_packet_at - join_started);
  }
  stats.packets_sent = reconnect.packets_before;
  stats.bytes_sent = reconnect.bytes_before;
  if (peer) {
    stats.packets_sent += peer->stats().rtp_packets_sent;
    stats.bytes_sent += peer->stats().rtp_payload_bytes_sent;
    const auto& peer_stats = peer->stats();
    stats.remote_fraction_lost = peer_stats.remote_fraction_lost;
    stats.remote_packets_lost = peer_stats.remote_cumulative_lost;
    stats.remote_jitter_ms = peer_stats.remote_jitter_samples * 1000.0 / media::kSampleRateHz;
    stats.round_trip_time = peer_stats.round_trip_time;
    stats.receiver_reports = peer_stats.receiver_reports;
  }
  stats.position = std::chrono::milliseconds(stats.frames_sent * 20);
  if (config.custom_microphone_audio_track) stats.duration = config.custom_microphone_audio_track->duration();
  return stats;
}

void Meeting::Impl::leave() {
  {
    std::lock_guard lock(mutex);
    if (state == State::Idle || state == State::Left) return;
  }
  post_task([](Impl& self) { self.begin_leave("left", false); });
  // From a handler (the loop thread) waiting would block the very thread that leaves:
  // return now; on_meeting_left follows.
  if (loop->in_loop_thread()) return;
  std::unique_lock lock(mutex);
  state_changed.wait_for(lock, kLeaveTimeout + std::chrono::seconds(2), [this] { return state == State::Left; });
  lock.unlock();
  // Release the loop-owned objects and the embedded server now, not at destruction.
  release_loop_objects();
  embedded.reset();
}

// ---- public facade -----------------------------------------------------------------------------

Meeting::Meeting(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Meeting::~Meeting() {
  // From an event handler (the loop thread) the meeting's own code is still on the stack:
  // destroy it in a task of its own, once that code has returned.
  if (impl_ && impl_->loop->in_loop_thread()) {
    core::EventLoop* loop = impl_->loop;
    loop->post([impl = std::shared_ptr<Impl>(std::move(impl_))]() mutable { impl.reset(); });
  }
}
Meeting::Meeting(Meeting&&) noexcept = default;
Meeting& Meeting::operator=(Meeting&&) noexcept = default;

void Meeting::add_event_listener(std::shared_ptr<MeetingEventHandler> handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->handlers.push_back(std::move(handler));
}
Participant Meeting::local_participant() { return Participant(impl_->local_state); }
void Meeting::join() { impl_->join(); }
void Meeting::leave() { impl_->leave(); }

void Meeting::add_mixed_audio_sink(std::shared_ptr<AudioSink> sink) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->mixed_sinks.push_back(std::move(sink));
  }
  impl_->post_task([](Impl& impl_ref) {
    Impl* impl = &impl_ref;
    if (impl->client && (impl->state_is(Impl::State::Joined) || impl->state_is(Impl::State::Joining)))
      impl->start_receive_tick();
  });
}

void Meeting::subscribe(const Participant& participant) {
  impl_->post_task([id = participant.id()](Impl& impl_ref) {
    Impl* impl = &impl_ref;
    auto it = impl->feeds.find(id);
    if (it != impl->feeds.end() && it->second.audio_stream && !it->second.subscribing) impl->subscribe(it->second);
  });
}

void Meeting::unsubscribe(const Participant& participant) {
  impl_->post_task([id = participant.id()](Impl& impl_ref) {
    Impl* impl = &impl_ref;
    auto it = impl->feeds.find(id);
    if (it == impl->feeds.end()) return;
    impl->unsubscribe(it->second);
    it->second.jitter.reset();
  });
}

std::vector<Participant> Meeting::participants() const {
  return impl_->loop->call([this] {
    std::vector<Participant> out;
    for (const auto& [id, state] : impl_->participants) out.emplace_back(state);
    return out;
  });
}

bool Meeting::run_until_left(std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock lock(impl_->mutex);
  auto left = [this] { return impl_->state == Impl::State::Left; };
  if (timeout) return impl_->state_changed.wait_for(lock, *timeout, left);
  impl_->state_changed.wait(lock, left);
  return true;
}

bool Meeting::joined() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->state == Impl::State::Joined;
}

std::optional<MeetingLeftInfo> Meeting::left_info() const {
  std::lock_guard lock(impl_->mutex);
  if (impl_->state != Impl::State::Left) return std::nullopt;
  return impl_->left_info;
}

PublishStats Meeting::publish_stats() const {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->state == Impl::State::Left) return impl_->final_stats;
  }
  return impl_->loop->call([this] { return impl_->collect_stats(); });
}

std::string Meeting::server_url() const { return impl_->url; }

Meeting init_meeting(MeetingConfig config) {
  meeting::check_config(config);  // before any network I/O
  auto impl = std::make_unique<Meeting::Impl>();
  impl->room_id = meeting::room_id_of(config.meeting_id);
  impl->config = std::move(config);
  return Meeting(std::move(impl));
}

}  // namespace roomcast
