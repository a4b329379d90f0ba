// Meeting facade, staying in the meeting: when the WebSocket drops, a new one reclaims our
// session (media untouched); when the server restarted or our media path died, a new
// session rejoins with our participant id and publishes again, continuing the track and
// its RTP stream. Attempts back off 0.5 s doubling to 8 s, with jitter, up to
// MeetingConfig::reconnect_give_up. Everything here runs on the loop thread, as chains of
// request callbacks: hundreds of meetings may be reconnecting at once.
#include <random>

#include "core/log.hpp"
#include "meeting/meeting_impl.hpp"

namespace roomcast {

using signaling::janus::error_of;
using signaling::janus::JanusClient;
namespace videoroom = signaling::janus::videoroom;

namespace {
constexpr auto kFirstDelay = std::chrono::milliseconds(500);
constexpr auto kMaxDelay = std::chrono::milliseconds(8000);
// One attempt: connect, session, join, publish until webrtcup.
constexpr auto kAttemptTimeout = std::chrono::seconds(15);

std::chrono::milliseconds jittered(std::chrono::milliseconds delay) {
  // ±20 %: meetings that lost the same server do not all come back in the same instant.
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.8, 1.2);
  return std::chrono::milliseconds(static_cast<int64_t>(delay.count() * factor(random)));
}

std::string reason_of(const Json& reply) {
  auto error = error_of(reply);
  return error ? error->reason + " (" + std::to_string(error->code) + ")" : std::string();
}
}  // namespace

/// Called (posted) when the connection or our media path is lost.
void Meeting::Impl::start_reconnect(const std::string& why, bool media_lost) {
  State now_state;
  {
    std::lock_guard lock(mutex);
    now_state = state;
  }
  if (now_state == State::Reconnecting) {
    // Lost again while an attempt runs: that attempt has failed.
    reconnect.media_lost |= media_lost;
    if (media_lost) pause_media();
    return reconnect_failed(reconnect.generation, why);
  }
  if (now_state != State::Joined) return;
  if (!config.reconnect) {
    for_handlers([&](MeetingEventHandler& h) { h.on_error(why); });
    // Media lost on a live connection: leave the room properly; else there is no one to tell.
    return media_lost ? begin_leave(why, true) : finish_leave(why, true);
  }
  {
    std::lock_guard lock(mutex);
    state = State::Reconnecting;
  }
  core::log_warn("meeting ", config.meeting_id, ": ", why, "; reconnecting");
  reconnect.since = std::chrono::steady_clock::now();
  reconnect.attempts = 0;
  reconnect.delay = kFirstDelay;
  reconnect.reason = why;
  reconnect.media_lost = media_lost;
  reconnect.old_session = client ? client->session_id() : 0;
  if (media_lost) pause_media();
  if (!reconnect.retry) reconnect.retry = std::make_unique<core::Timer>(loop->context(), [this] { reconnect_attempt(); });
  if (!reconnect.deadline)
    reconnect.deadline = std::make_unique<core::Timer>(
        loop->context(), [this] { reconnect_failed(reconnect.generation, "no progress within 15 s"); });
  for_handlers([&](MeetingEventHandler& h) { h.on_reconnecting(ReconnectingInfo{why}); });
  // The first attempt at once: a dropped WebSocket is reclaimed before the session expires.
  reconnect.retry->arm_in(std::chrono::milliseconds(0));
}

/// Our publisher PeerConnection is gone: pause the track where it is, keep the RTP stream's
/// numbering for the next session, drop the subscriptions (to be made again).
void Meeting::Impl::pause_media() {
  if (sender) sender->set_peer(nullptr);
  if (video_sender) video_sender->set_peer(nullptr, {});
  if (peer) {
    if (auto rtp = peer->rtp_continuation()) reconnect.rtp = rtp;
    reconnect.packets_before += peer->stats().rtp_packets_sent;
    reconnect.bytes_before += peer->stats().rtp_payload_bytes_sent;
    peer->close();
    // Maybe inside one of its callbacks: destroyed in a task of its own.
    loop->post([old = std::shared_ptr<peer::PeerSession>(std::move(peer))] {});
  }
  for (const auto& [id, feed] : feeds)
    if (feed.subscribing) reconnect.resubscribe.insert(id);
  drop_remote_side();
  local_stream_enabled(false);
}

void Meeting::Impl::attempt_request(uint64_t generation, Json body, std::optional<uint64_t> handle,
                                    std::function<void(const Json&)> next) {
  if (!client) return;
  client->request(std::move(body), handle, [this, generation, next = std::move(next)](const Json& reply) {
    if (generation != reconnect.generation || !state_is(State::Reconnecting)) return;
    next(reply);
  });
}

void Meeting::Impl::reconnect_attempt() {
  if (!state_is(State::Reconnecting)) return;
  const uint64_t generation = ++reconnect.generation;
  ++reconnect.attempts;
  reconnect.deadline->arm_in(kAttemptTimeout);
  if (client) {
    if (client->session_id()) reconnect.old_session = client->session_id();
    // Our old session may still hold a publisher whose media died: end it, so the rejoin
    // never leaves two of us in the room.
    if (reconnect.media_lost && client->connected())
      client->request({{"janus", "destroy"}}, std::nullopt, nullptr);
    client->close();
    loop->post([old = std::shared_ptr<JanusClient>(std::move(client))] {});
  }
  JanusClient::Callbacks callbacks;
  callbacks.on_handle_event = [this](uint64_t handle, const Json& message) { on_handle_event(handle, message); };
  callbacks.on_closed = [this](const std::string& why) { on_connection_closed(why); };
  client = std::make_unique<JanusClient>(*loop, url, config.token, std::move(callbacks));
  core::log_info("meeting ", config.meeting_id, ": reconnect attempt ", reconnect.attempts, " to ", url);
  client->connect([this, generation](std::optional<std::string> error) {
    if (generation != reconnect.generation || !state_is(State::Reconnecting)) return;
    if (error) return reconnect_failed(generation, "cannot connect: " + *error);
    reconnect.connected_at = std::chrono::steady_clock::now();
    if (!reconnect.media_lost && reconnect.old_session) return reconnect_claim(generation);
    reconnect_rejoin(generation);
  });
}

/// The WebSocket dropped but the server may still hold our session (reclaim_session_timeout):
/// take it back; our handles and PeerConnections were never touched.
void Meeting::Impl::reconnect_claim(uint64_t generation) {
  attempt_request(generation, {{"janus", "claim"}, {"session_id", reconnect.old_session}}, std::nullopt,
                  [this, generation](const Json& reply) {
                    if (!error_of(reply)) {
                      client->set_session(reconnect.old_session, keepalive_interval);
                      return reconnected("session reclaimed");
                    }
                    core::log_info("meeting ", config.meeting_id, ": the server no longer has our session (",
                                   reason_of(reply), "); rejoining");
                    reconnect.media_lost = true;
                    pause_media();
                    reconnect_rejoin(generation);
                  });
}

/// A new session on the connected client: info, create, attach, then the room.
void Meeting::Impl::reconnect_rejoin(uint64_t generation) {
  if (!reconnect.media_lost) {
    reconnect.media_lost = true;
    pause_media();
  }
  attempt_request(generation, {{"janus", "info"}}, std::nullopt, [this, generation](const Json& info) {
    if (auto timeout = videoroom::read_session_timeout(info)) keepalive_interval = JanusClient::keepalive_for(*timeout);
    attempt_request(generation, {{"janus", "create"}}, std::nullopt, [this, generation](const Json& created) {
      if (error_of(created) || !created.contains("data") || !created["data"].contains("id"))
        return reconnect_failed(generation, "create session: " + reason_of(created));
      client->set_session(created["data"]["id"].get<uint64_t>(), keepalive_interval);
      attempt_request(generation, {{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}}, std::nullopt,
                      [this, generation](const Json& attached) {
                        if (error_of(attached)) return reconnect_failed(generation, "attach: " + reason_of(attached));
                        handle_id = attached["data"]["id"].get<uint64_t>();
                        if (!config.create_room_if_missing) return reconnect_join(generation);
                        // A restarted server may have lost a room that was created at run time.
                        videoroom::RoomSettings settings;
                        settings.room = room_id;
                        settings.description = "roomcast " + config.meeting_id;
                        settings.pin = config.pin;
                        attempt_request(
                            generation, {{"janus", "message"}, {"body", videoroom::create_request(settings)}}, handle_id,
                            [this, generation](const Json&) { reconnect_join(generation); });  // 427: it exists
                      });
    });
  });
}

void Meeting::Impl::reconnect_join(uint64_t generation) {
  Json body = videoroom::join_request(room_id, config.name, config.pin, local_id);
  attempt_request(generation, {{"janus", "message"}, {"body", body}}, handle_id, [this, generation](const Json& reply) {
    if (auto error = error_of(reply)) {
      if (error->code == videoroom::kIdExists)
        return reconnect_failed(generation, "our previous session is still in the room; waiting for the server "
                                            "to drop it");
      return reconnect_failed(generation, videoroom::join_refusal(*error, config.meeting_id, url));
    }
    auto joined = videoroom::read_joined(reply);
    if (!joined) return reconnect_failed(generation, "join: unexpected answer");
    private_id = joined->private_id;
    attempt_request(generation, {{"janus", "message"}, {"body", videoroom::list_participants_request(room_id)}},
                    handle_id, [this, generation, joined = *joined](const Json& listed) {
                      reconcile_room(joined, videoroom::read_participants(listed));
                      if (!config.mic_enabled) return reconnected("rejoined");
                      reconnect_publish(generation);
                    });
  });
}

/// After a rejoin: who left while we were away, who is new, and our subscriptions again.
void Meeting::Impl::reconcile_room(const videoroom::Joined& joined, const Json& present) {
  std::set<std::string> here, publishing;
  for (const auto& p : present) here.insert(id_string(p["id"]));
  for (const auto& p : joined.publishers) {
    here.insert(id_string(p["id"]));
    publishing.insert(id_string(p["id"]));
  }
  std::vector<std::string> gone, unpublished;
  for (const auto& [id, participant] : participants)
    if (!here.count(id)) gone.push_back(id);
  for (const auto& [id, feed] : feeds)
    if (here.count(id) && !publishing.count(id)) unpublished.push_back(id);
  for (const auto& id : gone) participant_left(id);
  for (const auto& id : unpublished) publisher_gone(id);
  for (const auto& p : present)
    if (id_string(p["id"]) != local_state->id) participant_joined(p["id"], p.value("display", ""));
  for (const auto& p : joined.publishers) publisher_seen(p);  // auto_subscribe subscribes again
  for (const auto& id : reconnect.resubscribe)
    if (auto it = feeds.find(id); it != feeds.end() && !it->second.subscribing) subscribe(it->second);
  reconnect.resubscribe.clear();
  start_receive_tick();
}

void Meeting::Impl::reconnect_publish(uint64_t generation) {
  {
    std::lock_guard lock(mutex);
    media_live = false;
  }
  peer = std::make_unique<peer::PeerSession>(*loop, publisher_callbacks());
  if (reconnect.rtp) peer->continue_rtp(*reconnect.rtp);
  peer->send_stereo(config.audio_channels == 2);
  peer->set_video_codec(config.video.codec);
  if (video_track) peer->offer_video(config.video.nack);
  peer->mute_in_offer(muted.mic, muted.webcam);
  peer->create_offer([this, generation](const std::string& offer) {
    if (generation != reconnect.generation) return;
    attempt_request(generation,
                    {{"janus", "message"},
                     {"body", videoroom::configure_request(video_track != nullptr)},
                     {"jsep", {{"type", "offer"}, {"sdp", offer}}}},
                    handle_id, [this, generation](const Json& reply) {
                      if (error_of(reply)) return reconnect_failed(generation, "publish: " + reason_of(reply));
                      if (!reply.contains("jsep") || !reply["jsep"].contains("sdp"))
                        return reconnect_failed(generation, "publish: the server sent no SDP answer");
                      if (auto problem = peer->apply_answer(reply["jsep"]["sdp"].get<std::string>()))
                        return reconnect_failed(generation, *problem);
                      reconnect.awaiting_media = true;  // webrtcup ends the attempt (on_handle_event)
                    });
  });
}

void Meeting::Impl::reconnect_failed(uint64_t generation, const std::string& why) {
  if (generation != reconnect.generation || !state_is(State::Reconnecting)) return;
  ++reconnect.generation;  // whatever the failed attempt still has in flight is void
  reconnect.awaiting_media = false;
  reconnect.deadline->cancel();
  const auto elapsed = std::chrono::steady_clock::now() - reconnect.since;
  core::log_info("meeting ", config.meeting_id, ": reconnect attempt ", reconnect.attempts, " failed: ", why);
  if (elapsed + reconnect.delay > config.reconnect_give_up) {
    const std::string reason = "could not get back into the meeting within " +
                               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config.reconnect_give_up).count()) +
                               " s (" + std::to_string(reconnect.attempts) + " attempts; lost: " + reconnect.reason +
                               "; last attempt: " + why + ")";
    stop_reconnecting();
    for_handlers([&](MeetingEventHandler& h) { h.on_error(reason); });
    if (peer) peer->close();
    return finish_leave(reason, true);
  }
  reconnect.retry->arm_in(jittered(reconnect.delay));
  reconnect.delay = std::min(reconnect.delay * 2, kMaxDelay);
}

void Meeting::Impl::reconnected(const std::string& how) {
  stop_reconnecting();
  {
    std::lock_guard lock(mutex);
    state = State::Joined;
    state_changed.notify_all();
  }
  ReconnectedInfo info;
  info.how = how;
  info.attempts = reconnect.attempts;
  const auto now = std::chrono::steady_clock::now();
  info.downtime = std::chrono::duration_cast<std::chrono::milliseconds>(now - reconnect.since);
  info.last_attempt = std::chrono::duration_cast<std::chrono::milliseconds>(now - reconnect.connected_at);
  core::log_info("meeting ", config.meeting_id, ": back (", how, ") after ", info.downtime.count(), " ms");
  for_handlers([&](MeetingEventHandler& h) { h.on_reconnected(info); });
}

peer::PeerSession::Callbacks Meeting::Impl::publisher_callbacks() {
  peer::PeerSession::Callbacks callbacks;
  callbacks.on_connected = [this] { contain("media connected", [&] { on_media_connected(); }); };
  // Posted: a failure may replace the PeerSession, which must not die inside its callback.
  callbacks.on_failed = [this](const std::string& why) {
    post_task([why](Impl& self) { self.on_media_failed(why); });
  };
  callbacks.on_keyframe_request = [this] {
    if (video_sender) video_sender->request_keyframe();
  };
  callbacks.on_bandwidth_estimate = [this](int bitrate_bps) {
    if (video_sender) video_sender->limit_bitrate(bitrate_bps);
  };
  return callbacks;
}

void Meeting::Impl::stop_reconnecting() {
  ++reconnect.generation;
  reconnect.awaiting_media = false;
  if (reconnect.retry) reconnect.retry->cancel();
  if (reconnect.deadline) reconnect.deadline->cancel();
}

}  // namespace roomcast
