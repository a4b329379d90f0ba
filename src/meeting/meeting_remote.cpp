// Meeting facade, receiving side: other participants, the one multistream subscription to
// their audio (and sinked video: meeting_video.cpp), the 20 ms receive tick (jitter buffers,
// sinks, room mix, dominant speaker).
#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "meeting/meeting_impl.hpp"
#include "rtp/audio_level.hpp"

namespace roomcast {

// ---- room events ---------------------------------------------------------------------------

void Meeting::Impl::participant_joined(const signaling::RemoteParticipant& who) {
  const std::string& key = who.id;
  const std::string& display = who.display_name;
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

void Meeting::Impl::publication_seen(const signaling::RemotePublication& publication) {
  const std::string key = publication.participant.id;
  if (key == local_state->id) return;
  participant_joined(publication.participant);
  if (auto old = feeds.find(key); old != feeds.end() && old->second.draining) finish_feed(key);
  auto& feed = feeds[key];
  feed.id = key;
  feed.participant = participants[key];
  for (const auto& s : publication.streams) {
    const std::string& type = s.kind;
    const std::string& mid = s.mid;
    const std::string stream_id = type + ":" + mid;
    if (s.disabled) {
      // Muted (their renegotiation left the section inactive): gone until it comes back.
      if (feed.participant->find_stream(stream_id)) feed.participant->disable_stream(stream_id);
      continue;
    }
    if (feed.participant->find_stream(stream_id)) continue;
    // Unmuted audio comes back as the same stream object, with the sinks it had.
    std::shared_ptr<detail::StreamState> stream = type == "audio" && feed.audio_mid == mid ? feed.audio_stream : nullptr;
    if (!stream) {
      stream = std::make_shared<detail::StreamState>();
      stream->id = stream_id;
      stream->kind = type;
      stream->participant_id = key;
    }
    if (type == "audio" && feed.audio_mid.empty()) {
      feed.audio_mid = mid;
      feed.audio_stream = stream;
    }
    // Before the handlers hear of it: one may add a sink right away.
    if (type == "video") video_stream_seen(feed, mid, stream);
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
  // ticks) before the stream is reported gone. Janus drops its slot from our subscription.
  if (feed.jitter && feed.decode && feed.jitter->stats().buffered_frames > 0) {
    unsubscribe(feed, true);
    feed.draining = true;
    return;
  }
  finish_feed(id);
}

void Meeting::Impl::finish_feed(const std::string& id) {
  auto it = feeds.find(id);
  if (it == feeds.end()) return;
  unsubscribe(it->second, true);
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

// ---- the subscription -----------------------------------------------------------------------

void Meeting::Impl::subscribe(RemoteFeed& feed) {
  if (!signaling || !signaling->connected() || !feed.audio_stream) return;
  if (!feed.jitter) {
    try {
      feed.jitter = std::make_unique<receive::JitterBuffer>();
    } catch (const std::exception& e) {
      const std::string why = e.what();
      for_handlers([&](MeetingEventHandler& h) {
        h.on_error("cannot receive participant " + feed.id + "'s audio: " + why);
      });
      return;
    }
  }
  feed.subscribing = true;
  signaling->receive(feed.id, feed.audio_mid);
  start_receive_tick();
  resubscribe_videos(feed);
}

/// Ends the subscription to the feed; the jitter buffer stays for a drain (see publisher_gone).
/// `feed_gone`: the publisher left, so Janus drops the slot without being asked.
void Meeting::Impl::unsubscribe(RemoteFeed& feed, bool feed_gone) {
  if (feed_gone) {
    bool any = feed.subscribing;
    for (auto& [mid, video] : feed.videos) any = std::exchange(video.subscribing, false) || any;
    feed.subscribing = false;
    if (any && signaling) signaling->publisher_gone(feed.id);
    return;
  }
  if (!feed.subscribing) return;
  feed.subscribing = false;
  // Only the audio: a video with a sink stays.
  if (signaling) signaling->stop_receiving(feed.id, feed.audio_mid);
}

/// Janus's offer for the current slots: map slot mids to feeds, answer on the one PeerConnection.
void Meeting::Impl::on_subscription_offer(const std::string& sdp, const std::vector<signaling::ReceiveSlot>& slots,
                                          signaling::RoomSignaling::AnswerReady done) {
  feed_by_slot.clear();
  for (auto& [key, feed] : feeds) feed.slot_mid.clear();
  for (const auto& s : slots) {
    if (!s.active || s.kind != "audio") continue;
    auto it = feeds.find(s.participant_id);
    if (it == feeds.end()) continue;
    feed_by_slot[s.mid] = it->first;
    it->second.slot_mid = s.mid;
  }
  map_video_slots(slots);
  if (!subscription_peer) {
    peer::PeerSession::Callbacks callbacks;
    callbacks.on_stream_rtp = [this](const std::string& mid, const rtp::RtpPacket& packet) {
      contain("received media", [&] {
        if (video_by_slot.count(mid)) return on_remote_video_rtp(mid, packet);
        on_remote_rtp(mid, packet);
      });
    };
    // Posted: the failed PeerConnection is replaced, which must not happen inside its callback.
    callbacks.on_failed = [this](const std::string& why) {
      post_task([why](Impl& self) { self.subscription_failed(why); });
    };
    callbacks.on_connected = [this] {
      core::log_info("receiving the other participants' audio");
      resubscribe_delay = std::chrono::milliseconds(500);
    };
    subscription_peer = std::make_unique<peer::PeerSession>(*loop, std::move(callbacks));
  }
  subscription_peer->create_answer(sdp, std::move(done));
}

void Meeting::Impl::on_remote_rtp(const std::string& slot_mid, const rtp::RtpPacket& packet) {
  auto slot = feed_by_slot.find(slot_mid);
  if (slot == feed_by_slot.end()) return;
  auto it = feeds.find(slot->second);
  if (it == feeds.end()) return;
  RemoteFeed& feed = it->second;
  if (!feed.subscribing || feed.draining || !feed.jitter) return;
  if (feed.decode) {
    feed.jitter->push(packet.sequence, packet.timestamp, packet.payload);
    return;
  }
  // Nobody hears it: count it (and its losses), and take the sender's level for speaker
  // detection (RFC 6464).
  ++feed.packets_not_decoded;
  feed.undecoded_loss.on_packet(packet.sequence);
  auto ext_id =
      subscription_peer ? subscription_peer->audio_level_extension(slot_mid) : std::nullopt;
  const auto* ext = ext_id ? packet.find_extension(*ext_id) : nullptr;
  if (!ext) return;
  if (auto level = rtp::parse_audio_level_extension(ext->data)) {
    const double dbfs = -static_cast<double>(level->level);
    feed.level_dbfs = std::max(feed.level_dbfs.value_or(dbfs), dbfs);
  }
}

/// The subscription's PeerConnection failed (the path to the server died): make the
/// subscription again, backing off 0.5 s doubling to 8 s while it keeps failing.
void Meeting::Impl::subscription_failed(const std::string& why) {
  std::set<std::string> wanted;
  for (const auto& [id, feed] : feeds)
    if (feed.subscribing) wanted.insert(id);
  drop_remote_side();
  if (state_is(State::Reconnecting)) {  // the rejoin subscribes again
    reconnect.resubscribe.insert(wanted.begin(), wanted.end());
    return;
  }
  if (!state_is(State::Joined)) return;
  core::log_warn("meeting ", config.meeting_id, ": receiving the other participants' audio failed (", why,
                 "); subscribing again in ", resubscribe_delay.count(), " ms");
  resubscribe_timer = std::make_unique<core::Timer>(loop->context(), [this, wanted] {
    if (!state_is(State::Joined)) return;
    for (const auto& id : wanted)
      if (auto it = feeds.find(id); it != feeds.end() && !it->second.subscribing) subscribe(it->second);
    for (auto& [id, feed] : feeds) resubscribe_videos(feed);
  });
  resubscribe_timer->arm_in(resubscribe_delay);
  resubscribe_delay = std::min(resubscribe_delay * 2, std::chrono::milliseconds(8000));
}

void Meeting::Impl::drop_remote_side() {
  stop_receive_tick();
  for (auto& [id, feed] : feeds) {
    feed.subscribing = false;
    feed.jitter.reset();
  }
  drop_remote_video();
  if (signaling) signaling->reset_receiving();
  if (subscription_peer) subscription_peer->close();
  subscription_peer.reset();
  feed_by_slot.clear();
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

/// Decoding, mixing and speaker detection only for a meeting that hears someone: a
/// subscribed or draining stream, or a mix to produce.
bool Meeting::Impl::receive_wanted() {
  {
    std::lock_guard lock(mutex);
    if (!mixed_sinks.empty()) return true;
  }
  for (const auto& [id, feed] : feeds)
    if (feed.jitter && (feed.subscribing || feed.draining)) return true;
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
  std::vector<std::shared_ptr<AudioSink>> sinks;
  {
    std::lock_guard lock(mutex);
    sinks = mixed_sinks;
  }
  const bool mixing = !sinks.empty();
  std::vector<std::string> drained;
  for (auto& [id, feed] : feeds) {
    if (!feed.jitter || !feed.audio_stream || !(feed.subscribing || feed.draining)) continue;
    // Decode only what someone hears; a stream that starts being heard starts afresh.
    const bool decode = mixing || feed.audio_stream->has_sinks();
    if (decode && !feed.decode && !feed.draining) {
      try {
        feed.jitter = std::make_unique<receive::JitterBuffer>();
      } catch (const std::exception& e) {
        core::log_warn("cannot decode participant ", id, "'s audio: ", e.what());
        continue;
      }
    }
    feed.decode = decode;
    if (feed.draining && (!feed.decode || feed.jitter->stats().buffered_frames == 0)) {
      drained.push_back(id);
      continue;
    }
    const uint64_t tick = feed.ticks++;
    std::optional<receive::JitterBuffer::Output> out;
    if (feed.decode) out = feed.jitter->pull();
    {
      auto stats = feed.jitter->stats();
      std::lock_guard lock(feed.audio_stream->mutex);
      auto& s = feed.audio_stream->stats;
      s.packets_received = stats.packets_received + feed.packets_not_decoded;
      s.packets_lost = stats.packets_lost + feed.undecoded_loss.lost();
      s.packets_late = stats.packets_late;
      s.frames_played = stats.frames_played;
      s.frames_concealed = stats.frames_concealed;
      s.frames_fec = stats.frames_fec;
      fill_rtcp_receive_stats(feed, s);
    }
    if (!feed.decode) {
      if (feed.level_dbfs) speakers.feed_level(id, *feed.level_dbfs);
      feed.level_dbfs.reset();
      continue;
    }
    if (!out) continue;
    ReceivedAudioFrame frame;
    frame.samples = out->samples;
    frame.timestamp_samples = tick * media::kFrameSamples;
    frame.concealed = out->concealed;
    deliver_to(feed.audio_stream->sinks_now(), frame);
    mixer.add(out->samples);
    speakers.feed(id, out->samples);
  }
  for (const auto& id : drained) finish_feed(id);
  if (auto change = speakers.end_tick())
    for_handlers([&](MeetingEventHandler& h) { h.on_speaker_changed(*change); });

  if (!mixing) return;
  ReceivedAudioFrame mixed;
  mixed.samples = mixer.mix();
  mixed.timestamp_samples = mix_ticks++ * media::kFrameSamples;
  deliver_to(std::move(sinks), mixed);
}

void Meeting::Impl::deliver_to(std::vector<std::shared_ptr<AudioSink>> sinks, const ReceivedAudioFrame& frame) {
  if (sinks.empty()) return;
  if (!delivery) delivery = std::make_unique<AudioDelivery>();
  delivery->deliver(std::move(sinks), frame);
}

}  // namespace roomcast
