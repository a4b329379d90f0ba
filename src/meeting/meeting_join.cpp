// Joining: the server's protocol enters the room, then our track is published.
#include <glib.h>

#include "meeting/meeting_impl.hpp"
#include "core/log.hpp"
#include "signaling/janus/videoroom_signaling.hpp"
#include "signaling/whip/whep_signaling.hpp"
#include "signaling/whip/whip_signaling.hpp"
#include "roomcast/meeting.hpp"
#include "roomcast/push_audio_track.hpp"
#include "meeting/config_check.hpp"

namespace roomcast {


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
  // Names resolved once per join, on the caller's thread (getaddrinfo blocks): an unknown
  // STUN/TURN host fails the join before anything is signaled.
  ice_config = ice::resolve_ice_config(config.ice_servers, config.ice_transport_policy);
  ice_config.tcp = config.ice_tcp;
  if (config.server_url.empty()) {
    embedded = std::make_unique<server::EmbeddedJanus>(server::EmbeddedJanusOptions{});
    url = embedded->url();
    config.create_room_if_missing = true;
  } else {
    url = config.server_url;
  }
  auto room = await_signaling<signaling::RoomState>("join", [this](auto done) {
    signaling = make_signaling();
    subscription->set_signaling(signaling.get());
    signaling->join("", std::move(done));
  });
  if (room.local_id.empty() && config.mic_enabled) {
    // The protocol names us only once we publish (WHIP: our resource's URL): joined then.
    publish();
    room.local_id = loop->call([&] { return signaling->published_id(); });
    announce_joined(room);
  } else {
    announce_joined(room);
    if (config.mic_enabled) publish();
  }
  std::lock_guard lock(mutex);
  if (state == State::Joining) state = State::Joined;
}

/// The protocol for this meeting's server, its events guarded and brought to this meeting.
std::unique_ptr<signaling::RoomSignaling> Meeting::Impl::make_signaling() {
  signaling::RoomSignaling::Events events;
  events.on_participant_joined = [this](const signaling::RemoteParticipant& p) {
    contain("participant joined", [&] { subscription->participant_joined(p); });
  };
  events.on_publication = [this](const signaling::RemotePublication& p) {
    contain("publication", [&] { subscription->publication_seen(p); });
  };
  events.on_unpublished = [this](const std::string& id) {
    contain("unpublished", [&] { subscription->publisher_gone(id); });
  };
  events.on_participant_left = [this](const std::string& id) {
    contain("participant left", [&] { subscription->participant_left(id); });
  };
  events.on_publication_live = [this] { contain("media live", [&] { on_publication_live(); }); };
  events.on_publication_hangup = [this](const std::string& why) {
    contain("media hangup", [&] { on_publication_hangup(why); });
  };
  events.on_connection_lost = [this](const std::string& why) {
    contain("connection closed", [&] { on_connection_closed(why); });
  };
  events.on_receive_offer = [this](const std::string& sdp, const std::vector<signaling::ReceiveSlot>& slots,
                                   signaling::RoomSignaling::AnswerReady done) {
    contain("subscription offer", [&] { subscription->on_offer(sdp, slots, std::move(done)); });
  };
  events.on_receive_error = [this](const std::string& why) {
    for_handlers([&](MeetingEventHandler& h) { h.on_error("receiving the other participants' audio: " + why); });
  };
  events.on_ice_servers = [this](const std::vector<IceServer>& servers) {
    contain("ice servers", [&] { adopt_server_ice(servers); });
  };
  if (config.protocol == SignalingProtocol::Whip)
    return std::make_unique<signaling::whip::WhipSignaling>(
        *loop, signaling::whip::WhipOptions{url, config.token, config.ca_file}, std::move(events));
  if (config.protocol == SignalingProtocol::Whep)
    return std::make_unique<signaling::whip::WhepSignaling>(
        *loop, signaling::whip::WhipOptions{url, config.token, config.ca_file}, std::move(events));
  signaling::janus::VideoRoomOptions options;
  options.url = url;
  options.token = config.token;
  options.ca_file = config.ca_file;
  options.room = room_id;
  options.meeting_id = config.meeting_id;
  options.display_name = config.name;
  options.pin = config.pin;
  options.create_room = config.create_room_if_missing;
  return std::make_unique<signaling::janus::VideoRoomSignaling>(*loop, std::move(options), std::move(events));
}

/// STUN/TURN servers the server offers (WHIP's Link headers): for the media connections from
/// now on. Given before we publish (an answer to OPTIONS), the first offer gathers with them;
/// given with the answer, the next connection (a rejoin) does.
/// Only servers given by IP address are taken: resolving a name would block the loop thread.
void Meeting::Impl::adopt_server_ice(const std::vector<IceServer>& offered) {
  std::vector<IceServer> servers = config.ice_servers;
  for (const auto& server : offered) {
    std::string why;
    auto url = ice::parse_server_url(server.urls.front(), why);
    if (auto problem = meeting::ice_servers_problem({server}, IceTransportPolicy::All, "")) why = problem->text;
    else if (!url || !g_hostname_is_ip_address(url->host.c_str())) why = "it names a host, not an address";
    if (!why.empty()) {
      core::log_warn("meeting ", config.meeting_id, ": an ICE server the server offers is not used: ", why);
      continue;
    }
    servers.push_back(server);  // after ours: libnice takes one STUN server, and the user's wins
  }
  if (servers.size() == config.ice_servers.size()) return;
  core::log_info("meeting ", config.meeting_id, ": the server offers ", servers.size() - config.ice_servers.size(),
                 " ICE server(s), for our media connections from now on");
  ice_config = ice::resolve_ice_config(servers, config.ice_transport_policy);
  ice_config.tcp = config.ice_tcp;
}

void Meeting::Impl::announce_joined(const signaling::RoomState& room) {
  local_state->id = room.local_id;
  local_state->display_name = config.name;
  local_state->local = true;
  loop->call([&] {
    for_handlers([&](MeetingEventHandler& h) {
      h.on_meeting_joined(MeetingJoinedInfo{config.meeting_id, local_state->id, url});
    });
    subscription->enter(room);
  });
}

void Meeting::Impl::publish() {
  publication->open_tracks();
  loop->call([&] {
    publication->start([this](const std::string& sdp) {
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
  const bool video = publication->has_video();
  const std::string answer = await_signaling<std::string>("configure", [this, video](auto done) {
    signaling->publish(*local_offer, video, std::move(done));
  });
  auto problem = loop->call([&] {
    // Named by publishing (WHIP): our own streams, live from the next moment, carry the id.
    if (local_state->id.empty()) {
      local_state->id = signaling->published_id();
      local_state->display_name = config.name;
    }
    return publication->apply_answer(answer);
  });
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

}  // namespace roomcast
