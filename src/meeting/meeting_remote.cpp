// Meeting facade, receiving side: other participants, subscriptions to their audio,
// the 20 ms receive tick (jitter buffers, sinks, room mix, dominant speaker).
#include "core/log.hpp"
#include "meeting/meeting_impl.hpp"

namespace roomcast {

using signaling::janus::error_of;


// ---- room events ---------------------------------------------------------------------------

void Meeting::Impl::on_room_event(const Json& data) {
  for (const auto& p : data.value("publishers", Json::array())) publisher_seen(p);
  if (data.contains("joining") && data["joining"].is_object())
    participant_joined(data["joining"]["id"], data["joining"].value("display", ""));
  if (data.contains("unpublished") && data["unpublished"] != "ok") publisher_gone(id_string(data["unpublished"]));
  for (const char* key : {"leaving", "kicked"})
    if (data.contains(key) && data[key] != "ok") participant_left(id_string(data[key]));
}

void Meeting::Impl::participant_joined(const Json& id, const std::string& display) {
  const std::string key = id_string(id);
  if (key == local_state->id) return;
  auto& state = participants[key];
  if (state) {
    if (state->display_name.empty()) state->display_name = display;
    return;
  }
  state = std::make_shared<detail::ParticipantState>();
  state->id = key;
  state->display_name = display;
  auto participant = state;
  for_handlers([&](MeetingEventHandler& h) { h.on_participant_joined(Participant(participant)); });
}

void Meeting::Impl::publisher_seen(const Json& publisher) {
  const std::string key = id_string(publisher["id"]);
  if (key == local_state->id) return;
  participant_joined(publisher["id"], publisher.value("display", ""));
  if (auto old = feeds.find(key); old != feeds.end() && old->second.draining) finish_feed(key);
  auto& feed = feeds[key];
  feed.feed_id = publisher["id"];
  feed.participant = participants[key];
  // Janus 1.x lists each published stream with its mid; older ones only audio_codec.
  auto streams = publisher.value("streams", Json::array());
  if (streams.empty() && publisher.contains("audio_codec"))
    streams.push_back(Json{{"type", "audio"}, {"mid", "0"}});
  for (const auto& s : streams) {
    const std::string type = s.value("type", "");
    if ((type != "audio" && type != "video") || s.value("disabled", false)) continue;
    const std::string mid = s.contains("mid") ? id_string(s["mid"]) : "0";
    auto stream = std::make_shared<detail::StreamState>();
    stream->id = type + ":" + mid;
    stream->kind = type;
    stream->participant_id = key;
    if (feed.participant->find_stream(stream->id)) continue;
    if (type == "audio" && feed.audio_mid.empty()) {
      feed.audio_mid = mid;
      feed.audio_stream = stream;
    }
    feed.participant->enable_stream(stream);
  }
  if (config.auto_subscribe && feed.audio_stream && !feed.subscribing) subscribe(feed);
}

void Meeting::Impl::publisher_gone(const std::string& id) {
  auto it = feeds.find(id);
  if (it == feeds.end()) return;
  RemoteFeed& feed = it->second;
  if (feed.draining) return;  // "unpublished" then "leaving": one drain
  // What is still in the jitter buffer is the end of their last words: play it out (a few
  // ticks) before the stream is reported gone. The transport can go now.
  if (feed.jitter && feed.jitter->stats().buffered_frames > 0) {
    unsubscribe(feed);
    feed.draining = true;
    return;
  }
  finish_feed(id);
}

void Meeting::Impl::finish_feed(const std::string& id) {
  auto it = feeds.find(id);
  if (it == feeds.end()) return;
  unsubscribe(it->second);
  if (it->second.participant) it->second.participant->disable_all_streams();
  const bool left = it->second.left;
  speakers.remove(id);
  feeds.erase(it);
  if (left) announce_left(id);
}

void Meeting::Impl::participant_left(const std::string& id) {
  publisher_gone(id);
  auto feed = feeds.find(id);
  if (feed != feeds.end() && feed->second.draining) {
    feed->second.left = true;  // announced once the drain is over
    return;
  }
  announce_left(id);
}

void Meeting::Impl::announce_left(const std::string& id) {
  auto it = participants.find(id);
  if (it == participants.end()) return;
  auto participant = it->second;
  participants.erase(it);
  for_handlers([&](MeetingEventHandler& h) { h.on_participant_left(Participant(participant)); });
  participant->clear_handlers();
}

// ---- subscriptions -------------------------------------------------------------------------

void Meeting::Impl::subscribe(RemoteFeed& feed) {
  if (!client || !client->connected()) return;
  feed.subscribing = true;
  const std::string key = id_string(feed.feed_id);
  auto report = [this, key](const std::string& why) {
    for_handlers([&](MeetingEventHandler& h) {
      h.on_error("cannot receive participant " + key + "'s audio: " + why);
    });
  };
  // A subscription is its own handle with its own PeerConnection (Janus sends the offer).
  client->request({{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}}, std::nullopt,
                  [this, key, report](const Json& reply) {
    auto it = feeds.find(key);
    if (it == feeds.end()) return;
    if (auto error = error_of(reply)) return report("attach failed: " + error->reason);
    RemoteFeed& feed = it->second;
    feed.handle_id = reply["data"]["id"].get<uint64_t>();
    feed_by_handle[feed.handle_id] = key;
    Json body{{"request", "join"}, {"ptype", "subscriber"}, {"room", room_id},
              {"streams", Json::array({Json{{"feed", feed.feed_id}, {"mid", feed.audio_mid}}})}};
    if (!private_id.is_null()) body["private_id"] = private_id;
    if (!config.pin.empty()) body["pin"] = config.pin;
    client->request({{"janus", "message"}, {"body", body}}, feed.handle_id, [this, key, report](const Json& reply) {
      auto it = feeds.find(key);
      if (it == feeds.end()) return;
      if (auto error = error_of(reply)) return report("subscribe failed: " + error->reason);
      if (!reply.contains("jsep") || !reply["jsep"].contains("sdp")) return report("the server sent no offer");
      RemoteFeed& feed = it->second;
      feed.jitter = std::make_unique<receive::JitterBuffer>();
      start_receive_tick();
      peer::PeerSession::Callbacks callbacks;
      receive::JitterBuffer* jitter = feed.jitter.get();
      callbacks.on_rtp = [jitter](const rtp::RtpPacket& packet) {
        jitter->push(packet.sequence, packet.timestamp, packet.payload);
      };
      callbacks.on_failed = [report](const std::string& why) { report(why); };
      callbacks.on_connected = [key] { core::log_info("receiving audio from participant ", key); };
      feed.peer = std::make_unique<peer::PeerSession>(*loop, std::move(callbacks));
      feed.peer->create_answer(reply["jsep"]["sdp"].get<std::string>(),
                               [this, key, report](std::optional<std::string> answer, std::string error) {
        auto it = feeds.find(key);
        if (it == feeds.end() || !client) return;
        if (!answer) return report(error);
        client->request({{"janus", "message"}, {"body", {{"request", "start"}}},
                         {"jsep", {{"type", "answer"}, {"sdp", *answer}}}},
                        it->second.handle_id, [report](const Json& reply) {
          if (auto error = error_of(reply)) report("start failed: " + error->reason);
        });
      });
    });
  });
}

void Meeting::Impl::on_subscriber_event(RemoteFeed& feed, const Json& message) {
  const std::string kind = message.value("janus", "");
  if (kind == "hangup") {
    core::log_info("subscription to ", id_string(feed.feed_id), " hung up: ", message.value("reason", ""));
    if (feed.peer) feed.peer->close();
  }
}

/// Ends the transport; the jitter buffer stays for a drain (see publisher_gone).
void Meeting::Impl::unsubscribe(RemoteFeed& feed) {
  if (feed.peer) feed.peer->close();
  feed.peer.reset();
  if (feed.handle_id) {
    feed_by_handle.erase(feed.handle_id);
    // Best effort: the publisher is gone or we are leaving; Janus cleans up either way.
    if (client && client->connected()) client->request({{"janus", "detach"}}, feed.handle_id, nullptr);
    feed.handle_id = 0;
  }
  feed.subscribing = false;
}

void Meeting::Impl::drop_remote_side() {
  stop_receive_tick();
  for (auto& [id, feed] : feeds) {
    unsubscribe(feed);
    feed.jitter.reset();
  }
}

// ---- the receive tick ----------------------------------------------------------------------

void Meeting::Impl::start_receive_tick() {
  if (receive_tick || !receive_wanted()) return;
  receive_tick = std::make_unique<ReceiveTicker>(*this);
  receive_schedule.reset();
  engine->add_ticker(receive_tick.get());
}

void Meeting::Impl::stop_receive_tick() {
  if (!receive_tick) return;
  engine->remove_ticker(receive_tick.get());
  // Destroyed after the clock's walk if we are inside it: the clock only nulls its entry.
  loop->post([ticker = std::shared_ptr<ReceiveTicker>(std::move(receive_tick))] {});
}

/// Decoding, mixing and speaker detection only for a meeting that hears someone.
bool Meeting::Impl::receive_wanted() {
  {
    std::lock_guard lock(mutex);
    if (!mixed_sinks.empty()) return true;
  }
  for (const auto& [id, feed] : feeds)
    if (feed.jitter) return true;
  return false;
}

void Meeting::Impl::on_receive_tick(uint64_t tick) {
  if (!receive_wanted()) return stop_receive_tick();
  if (!receive_schedule) receive_schedule.emplace(tick);
  int due = receive_schedule->frames_due(tick);
  for (int i = 0; i < due; ++i) receive_one_tick();
  receive_schedule->on_sent(due);
}

void Meeting::Impl::receive_one_tick() {
  mixer.reset();
  std::vector<std::string> drained;
  for (auto& [id, feed] : feeds) {
    if (!feed.jitter || !feed.audio_stream) continue;
    if (feed.draining && feed.jitter->stats().buffered_frames == 0) {
      drained.push_back(id);
      continue;
    }
    auto out = feed.jitter->pull();
    const uint64_t tick = feed.ticks++;
    {
      auto stats = feed.jitter->stats();
      std::lock_guard lock(feed.audio_stream->mutex);
      auto& s = feed.audio_stream->stats;
      s.packets_received = stats.packets_received;
      s.packets_lost = stats.packets_lost;
      s.packets_late = stats.packets_late;
      s.frames_played = stats.frames_played;
      s.frames_concealed = stats.frames_concealed;
      s.frames_fec = stats.frames_fec;
    }
    if (!out) continue;
    ReceivedAudioFrame frame;
    frame.samples = out->samples;
    frame.timestamp_samples = tick * media::kFrameSamples;
    frame.concealed = out->concealed;
    feed.audio_stream->deliver(frame);
    mixer.add(out->samples);
    speakers.feed(id, out->samples);
  }
  for (const auto& id : drained) finish_feed(id);
  if (auto change = speakers.end_tick())
    for_handlers([&](MeetingEventHandler& h) { h.on_speaker_changed(*change); });

  std::vector<std::shared_ptr<AudioSink>> sinks;
  {
    std::lock_guard lock(mutex);
    sinks = mixed_sinks;
  }
  ReceivedAudioFrame mixed;
  mixed.samples = mixer.mix();
  mixed.timestamp_samples = mix_ticks++ * media::kFrameSamples;
  for (const auto& sink : sinks) {
    try {
      sink->on_audio_frame(mixed);
    } catch (const std::exception& e) {
      core::log_warn("mixed audio sink threw: ", e.what());
    }
  }
}

}  // namespace roomcast
