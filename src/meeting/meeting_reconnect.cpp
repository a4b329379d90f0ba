// Meeting facade, staying in the meeting: when the WebSocket drops, a new one reclaims our
// session (media untouched); when our media path stops working, ICE restarts on the same
// PeerConnection try first for up to 30 s; when the server restarted, or the restarts did not
// help, a new session rejoins with our participant id and publishes again, continuing the
// track and its RTP stream. Attempts back off 0.5 s doubling to 8 s, with jitter, up to
// MeetingConfig::reconnect_give_up. Everything here runs on the loop thread, as chains of
// request callbacks: hundreds of meetings may be reconnecting at once.
#include <random>

#include "core/log.hpp"
#include "meeting/meeting_impl.hpp"

namespace roomcast {

namespace {
constexpr auto kFirstDelay = std::chrono::milliseconds(500);
constexpr auto kMaxDelay = std::chrono::milliseconds(8000);
// One attempt: connect, session, join, publish until webrtcup.
constexpr auto kAttemptTimeout = std::chrono::seconds(15);
// How long ICE restarts may try to bring a dead path back before a full rejoin.
constexpr auto kIceRestartWindow = std::chrono::seconds(30);
constexpr auto kIceRestartDelay = std::chrono::milliseconds(1000);

std::chrono::milliseconds jittered(std::chrono::milliseconds delay) {
  // ±20 %: meetings that lost the same server do not all come back in the same instant.
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.8, 1.2);
  return std::chrono::milliseconds(static_cast<int64_t>(delay.count() * factor(random)));
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
    if (media_lost) {
      reconnect.ice_restart = false;  // the PeerConnection itself is gone: rejoin
      pause_media();
    }
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
  if (media_lost) {
    reconnect.ice_restart = false;
    pause_media();
  }
  if (!reconnect.retry) reconnect.retry = std::make_unique<core::Timer>(loop->context(), [this] { reconnect_attempt(); });
  if (!reconnect.deadline)
    reconnect.deadline = std::make_unique<core::Timer>(
        loop->context(), [this] { reconnect_failed(reconnect.generation, "no progress within 15 s"); });
  for_handlers([&](MeetingEventHandler& h) { h.on_reconnecting(ReconnectingInfo{why}); });
  // The first attempt at once: a dropped WebSocket is reclaimed before the session expires.
  reconnect.retry->arm_in(std::chrono::milliseconds(0));
}

/// Our publishing path stopped working (consent expired, ICE failed) while the signaling
/// session is fine: an ICE restart on the same PeerConnection comes first (same session and
/// participant, nobody sees us leave); a rejoin only if restarts do not bring it back.
void Meeting::Impl::on_media_path_lost(const std::string& why) {
  if (!config.reconnect || state_is(State::Joining)) return on_media_failed(why);
  if (state_is(State::Reconnecting)) {
    if (reconnect.ice_restart) return reconnect_failed(reconnect.generation, why);  // the restart did not take
    return;  // a rejoin is under way; it replaces this PeerConnection
  }
  reconnect.ice_restart = true;
  reconnect.path_lost_at = std::chrono::steady_clock::now();
  start_reconnect("media path lost: " + why, false);
}

void Meeting::Impl::on_media_path_restored() {
  if (!state_is(State::Reconnecting) || !reconnect.ice_restart) return;
  reconnected(reconnect.attempts > 0 ? "ICE restarted" : "media path back");
}

/// One ICE restart: a restart offer on the publishing PeerConnection through the signaling
/// session we still have; on_media_path_restored ends the attempt once a pair works.
void Meeting::Impl::reconnect_ice_restart(uint64_t generation) {
  std::optional<std::string> offer;
  if (signaling->connected() && std::chrono::steady_clock::now() - reconnect.path_lost_at < kIceRestartWindow)
    offer = publication->ice_restart_offer();
  if (!offer) {
    core::log_info("meeting ", config.meeting_id, ": ICE restarts did not bring the media path back; rejoining");
    reconnect.ice_restart = false;
    return reconnect_rejoin(generation);
  }
  reconnect.connected_at = std::chrono::steady_clock::now();
  signaling->restart_ice(*offer, for_attempt(generation, [this, generation](signaling::Result<std::string> answer) {
    if (!answer) return reconnect_failed(generation, "ICE restart: " + answer.error);
    if (auto problem = publication->apply_ice_restart_answer(*answer.value))
      return reconnect_failed(generation, "ICE restart: " + *problem);
  }));
}

/// Our publisher PeerConnection is gone: pause the track where it is, keep the RTP stream's
/// numbering for the next session, drop the subscriptions (to be made again).
void Meeting::Impl::pause_media() {
  publication->pause();
  subscription->suspend();
}

void Meeting::Impl::reconnect_attempt() {
  if (!state_is(State::Reconnecting)) return;
  const uint64_t generation = ++reconnect.generation;
  ++reconnect.attempts;
  reconnect.deadline->arm_in(kAttemptTimeout);
  core::log_info("meeting ", config.meeting_id, ": reconnect attempt ", reconnect.attempts, " to ", url);
  if (reconnect.ice_restart) return reconnect_ice_restart(generation);
  if (reconnect.media_lost) return reconnect_rejoin(generation);
  // The connection dropped but the server may still hold our session: take it back; our
  // PeerConnections were never touched.
  signaling->resume(for_attempt(generation, [this, generation](signaling::Resumed resumed, const std::string& why) {
    reconnect.connected_at = std::chrono::steady_clock::now();
    switch (resumed) {
      case signaling::Resumed::yes:
        return reconnected("session reclaimed");
      case signaling::Resumed::failed:
        return reconnect_failed(generation, why);
      case signaling::Resumed::session_gone:
        core::log_info("meeting ", config.meeting_id, ": ", why, "; rejoining");
        return reconnect_rejoin(generation);
    }
  }));
}

/// A new session that enters the room again with our participant id, then publishes.
void Meeting::Impl::reconnect_rejoin(uint64_t generation) {
  if (!reconnect.media_lost) {
    reconnect.media_lost = true;
    pause_media();
  }
  signaling->join(local_state->id, for_attempt(generation, [this, generation](signaling::Result<signaling::RoomState> room) {
    if (!room) return reconnect_failed(generation, room.error);
    reconnect.connected_at = std::chrono::steady_clock::now();
    subscription->enter(*room.value);
    if (!config.mic_enabled && !data_only_published) return reconnected("rejoined");
    reconnect_publish(generation);
  }));
}

void Meeting::Impl::reconnect_publish(uint64_t generation) {
  {
    std::lock_guard lock(mutex);
    media_live = false;
  }
  publication->start(for_attempt(generation, [this, generation](const std::string& offer) {
    signaling->publish(offer, publication->has_video(),
                       for_attempt(generation, [this, generation](signaling::Result<std::string> answer) {
                         if (!answer) return reconnect_failed(generation, "publish: " + answer.error);
                         if (auto problem = publication->apply_answer(*answer.value))
                           return reconnect_failed(generation, *problem);
                         reconnect.awaiting_media = true;  // the publication going live ends the attempt
                       }));
  }));
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
    return finish_leave(reason, true);
  }
  reconnect.retry->arm_in(jittered(reconnect.delay));
  // ICE restarts retry at a steady pace (each is one request; the path may return any moment).
  reconnect.delay = reconnect.ice_restart ? kIceRestartDelay : std::min(reconnect.delay * 2, kMaxDelay);
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

void Meeting::Impl::stop_reconnecting() {
  ++reconnect.generation;
  reconnect.awaiting_media = false;
  reconnect.ice_restart = false;
  if (reconnect.retry) reconnect.retry->cancel();
  if (reconnect.deadline) reconnect.deadline->cancel();
}

}  // namespace roomcast
