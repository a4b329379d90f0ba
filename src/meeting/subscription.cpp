// Subscription: other participants, the one receiving PeerConnection for their audio (and
// sinked video: subscription_video.cpp), the 20 ms receive tick (jitter buffers, sinks, room
// mix, dominant speaker).
#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "meeting/subscription.hpp"
#include "rtp/audio_level.hpp"

namespace roomcast::meeting {

Subscription::Subscription(Host host) : host_(std::move(host)), loop_(host_.engine->loop()) {}

Subscription::~Subscription() = default;

void Subscription::post(std::function<void(Subscription&)> task) {
  loop_.post([weak = std::weak_ptr<Subscription*>(alive_), task = std::move(task)] {
    if (auto self = weak.lock()) (*self)->contain("subscription task", [&] { task(**self); });
  });
}

void Subscription::shutdown() {
  drop();
  resubscribe_timer_.reset();
  for (auto& [id, participant] : participants_) participant->clear_handlers();
  alive_.reset();
}

// ---- room events ---------------------------------------------------------------------------

void Subscription::participant_joined(const signaling::RemoteParticipant& who) {
  const std::string& key = who.id;
  const std::string& display = who.display_name;
  if (key == host_.local->id) return;
  auto& state = participants_[key];
  if (state) {
    if (state->display_name.empty()) state->display_name = display;
    return;
  }
  state = std::make_shared<detail::ParticipantState>();
  state->id = key;
  state->display_name = display;
  auto participant = state;
  host_.notify([&](MeetingEventHandler& h) { h.on_participant_joined(Participant(participant)); });
}

void Subscription::publication_seen(const signaling::RemotePublication& publication) {
  const std::string key = publication.participant.id;
  if (key == host_.local->id) return;
  participant_joined(publication.participant);
  if (auto old = feeds_.find(key); old != feeds_.end() && old->second.draining) finish_feed(key);
  auto& feed = feeds_[key];
  feed.id = key;
  feed.participant = participants_[key];
  for (const auto& s : publication.streams) {
    const std::string& type = s.kind;
    const std::string& mid = s.mid;
    if (type == "data") {  // messages, not a media stream: received while someone wants them
      feed.data_mid = mid;
      continue;
    }
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
  if (host_.config->auto_subscribe && feed.audio_stream && !feed.subscribing) subscribe(feed);
  subscribe_data(feed);
}

void Subscription::subscribe_data(RemoteFeed& feed) {
  if (feed.data_mid.empty() || feed.data_subscribing || feed.draining) return;
  if (!signaling_ || !signaling_->connected() || !host_.messages_wanted || !host_.messages_wanted()) return;
  feed.data_subscribing = true;
  signaling_->receive(feed.id, feed.data_mid);
}

void Subscription::receive_messages() {
  for (auto& [id, feed] : feeds_) subscribe_data(feed);
}

void Subscription::publisher_gone(const std::string& id) {
  auto it = feeds_.find(id);
  if (it == feeds_.end()) return;
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

void Subscription::finish_feed(const std::string& id) {
  auto it = feeds_.find(id);
  if (it == feeds_.end()) return;
  unsubscribe(it->second, true);
  if (it->second.participant) it->second.participant->disable_all_streams();
  const bool left = it->second.left;
  speakers_.remove(id);
  feeds_.erase(it);
  if (left) announce_left(id);
}

void Subscription::participant_left(const std::string& id) {
  publisher_gone(id);
  auto feed = feeds_.find(id);
  if (feed != feeds_.end() && feed->second.draining) {
    feed->second.left = true;  // announced once the drain is over
    return;
  }
  announce_left(id);
}

void Subscription::announce_left(const std::string& id) {
  auto it = participants_.find(id);
  if (it == participants_.end()) return;
  auto participant = it->second;
  participants_.erase(it);
  host_.notify([&](MeetingEventHandler& h) { h.on_participant_left(Participant(participant)); });
  participant->clear_handlers();
}

// ---- the subscription -----------------------------------------------------------------------

void Subscription::subscribe(RemoteFeed& feed) {
  if (!signaling_ || !signaling_->connected() || !feed.audio_stream) return;
  if (!feed.jitter) {
    try {
      feed.jitter = std::make_unique<receive::JitterBuffer>();
    } catch (const std::exception& e) {
      const std::string why = e.what();
      host_.notify([&](MeetingEventHandler& h) {
        h.on_error("cannot receive participant " + feed.id + "'s audio: " + why);
      });
      return;
    }
  }
  feed.subscribing = true;
  signaling_->receive(feed.id, feed.audio_mid);
  start_receiving();
  resubscribe_videos(feed);
}

/// Ends the subscription to the feed; the jitter buffer stays for a drain (see publisher_gone).
/// `feed_gone`: the publisher left, so Janus drops the slot without being asked.
void Subscription::unsubscribe(RemoteFeed& feed, bool feed_gone) {
  if (feed_gone) {
    bool any = std::exchange(feed.data_subscribing, false) || feed.subscribing;
    for (auto& [mid, video] : feed.videos) any = std::exchange(video.subscribing, false) || any;
    feed.subscribing = false;
    if (any && signaling_) signaling_->publisher_gone(feed.id);
    return;
  }
  if (!feed.subscribing) return;
  feed.subscribing = false;
  // Only the audio: a video with a sink stays.
  if (signaling_) signaling_->stop_receiving(feed.id, feed.audio_mid);
}

/// Janus's offer for the current slots: map slot mids to feeds, answer on the one PeerConnection.
void Subscription::on_offer(const std::string& sdp, const std::vector<signaling::ReceiveSlot>& slots,
                            signaling::RoomSignaling::AnswerReady done) {
  feed_by_slot_.clear();
  for (auto& [key, feed] : feeds_) feed.slot_mid.clear();
  for (const auto& s : slots) {
    if (!s.active || s.kind != "audio") continue;
    auto it = feeds_.find(s.participant_id);
    if (it == feeds_.end()) continue;
    feed_by_slot_[s.mid] = it->first;
    it->second.slot_mid = s.mid;
  }
  map_video_slots(slots);
  if (!peer_) {
    peer::PeerSession::Callbacks callbacks;
    callbacks.on_stream_rtp = [this](const std::string& mid, const rtp::RtpPacket& packet) {
      contain("received media", [&] {
        if (video_by_slot_.count(mid)) return on_remote_video_rtp(mid, packet);
        on_remote_rtp(mid, packet);
      });
    };
    // Posted: the failed PeerConnection is replaced, which must not happen inside its callback.
    callbacks.on_failed = [this](const std::string& why) {
      post([why](Subscription& self) { self.failed(why); });
    };
    callbacks.on_connected = [this] {
      core::log_info("receiving the other participants_' audio");
      resubscribe_delay_ = std::chrono::milliseconds(500);
    };
    // Janus relays messages to a subscriber only once its data side is ready, which takes a
    // channel opened by us (as janus.js does); the channels Janus opens per label follow.
    callbacks.on_data_connected = [this] {
      contain("message channel", [&] {
        auto* association = peer_ ? peer_->data_channels() : nullptr;
        if (!association) return;
        auto& channel = association->create_channel({"roomcast", "", sctp::Reliability{}, 256});
        if (host_.on_message_channel) host_.on_message_channel(channel);
      });
    };
    callbacks.on_data_channel = [this](sctp::DataChannel& channel) {
      contain("message channel", [&] {
        if (host_.on_message_channel) host_.on_message_channel(channel);
      });
    };
    peer_ = std::make_unique<peer::PeerSession>(loop_, std::move(callbacks));
    if (host_.ice) peer_->set_ice_config(*host_.ice);
    peer_->set_answer_data({});  // the publishers' messages, when we receive their data streams
  }
  peer_->create_answer(sdp, std::move(done));
}

void Subscription::on_remote_rtp(const std::string& slot_mid, const rtp::RtpPacket& packet) {
  auto slot = feed_by_slot_.find(slot_mid);
  if (slot == feed_by_slot_.end()) return;
  auto it = feeds_.find(slot->second);
  if (it == feeds_.end()) return;
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
      peer_ ? peer_->audio_level_extension(slot_mid) : std::nullopt;
  const auto* ext = ext_id ? packet.find_extension(*ext_id) : nullptr;
  if (!ext) return;
  if (auto level = rtp::parse_audio_level_extension(ext->data)) {
    const double dbfs = -static_cast<double>(level->level);
    feed.level_dbfs = std::max(feed.level_dbfs.value_or(dbfs), dbfs);
  }
}

/// The subscription's PeerConnection failed (the path to the server died): make the
/// subscription again, backing off 0.5 s doubling to 8 s while it keeps failing.
void Subscription::failed(const std::string& why) {
  std::set<std::string> wanted;
  for (const auto& [id, feed] : feeds_)
    if (feed.subscribing) wanted.insert(id);
  drop();
  if (!host_.in_room()) {  // reconnecting: the rejoin receives again (enter())
    resubscribe_.insert(wanted.begin(), wanted.end());
    return;
  }
  core::log_warn("meeting ", host_.config->meeting_id, ": receiving the other participants_' audio failed (", why,
                 "); subscribing again in ", resubscribe_delay_.count(), " ms");
  resubscribe_timer_ = std::make_unique<core::Timer>(loop_.context(), [this, wanted] {
    if (!host_.in_room()) return;
    for (const auto& id : wanted)
      if (auto it = feeds_.find(id); it != feeds_.end() && !it->second.subscribing) subscribe(it->second);
    for (auto& [id, feed] : feeds_) resubscribe_videos(feed);
    receive_messages();
  });
  resubscribe_timer_->arm_in(resubscribe_delay_);
  resubscribe_delay_ = std::min(resubscribe_delay_ * 2, std::chrono::milliseconds(8000));
}

void Subscription::drop() {
  stop_receive_tick();
  for (auto& [id, feed] : feeds_) {
    feed.subscribing = false;
    feed.data_subscribing = false;
    feed.jitter.reset();
  }
  drop_remote_video();
  if (signaling_) signaling_->reset_receiving();
  if (peer_) peer_->close();
  peer_.reset();
  feed_by_slot_.clear();
}

// ---- the user's choices and the meeting's -----------------------------------------------------

void Subscription::subscribe(const std::string& participant_id) {
  auto it = feeds_.find(participant_id);
  if (it != feeds_.end() && it->second.audio_stream && !it->second.subscribing) subscribe(it->second);
}

void Subscription::unsubscribe(const std::string& participant_id) {
  auto it = feeds_.find(participant_id);
  if (it == feeds_.end()) return;
  unsubscribe(it->second);
  it->second.jitter.reset();
}

void Subscription::add_mixed_sink(std::shared_ptr<AudioSink> sink) {
  {
    std::lock_guard lock(sinks_mutex_);
    mixed_sinks_.push_back(std::move(sink));
  }
  post([](Subscription& self) {
    if (self.signaling_ && self.host_.in_room()) self.start_receiving();
  });
}

std::vector<Participant> Subscription::participants() const {
  std::vector<Participant> out;
  for (const auto& [id, state] : participants_) out.emplace_back(state);
  return out;
}

void Subscription::enter(const signaling::RoomState& room) {
  std::set<std::string> here, publishing;
  for (const auto& p : room.present) here.insert(p.id);
  for (const auto& p : room.publications) {
    here.insert(p.participant.id);
    publishing.insert(p.participant.id);
  }
  std::vector<std::string> gone, unpublished;
  for (const auto& [id, participant] : participants_)
    if (!here.count(id)) gone.push_back(id);
  for (const auto& [id, feed] : feeds_)
    if (here.count(id) && !publishing.count(id)) unpublished.push_back(id);
  for (const auto& id : gone) participant_left(id);
  for (const auto& id : unpublished) publisher_gone(id);
  for (const auto& p : room.present) participant_joined(p);
  for (const auto& p : room.publications) publication_seen(p);  // auto_subscribe subscribes again
  for (const auto& id : resubscribe_)
    if (auto it = feeds_.find(id); it != feeds_.end() && !it->second.subscribing) subscribe(it->second);
  resubscribe_.clear();
  start_receiving();
}

void Subscription::suspend() {
  for (const auto& [id, feed] : feeds_)
    if (feed.subscribing) resubscribe_.insert(id);
  drop();
}

void Subscription::fill_rtcp_receive_stats(const RemoteFeed& feed, AudioReceiveStats& stats) const {
  if (!peer_ || feed.slot_mid.empty()) return;
  const auto* rtcp = peer_->receive_statistics(feed.slot_mid);
  if (!rtcp) return;
  stats.bytes_received = rtcp->bytes_received();
  stats.fraction_lost = rtcp->last_fraction_lost().value_or(0);
  stats.cumulative_lost = rtcp->cumulative_lost();
  stats.jitter_ms = rtcp->jitter_ms();
}

std::vector<RemoteAudioStats> Subscription::stats() const {
  std::vector<RemoteAudioStats> out;
  for (const auto& [id, feed] : feeds_) {
    if (!feed.audio_stream || !(feed.subscribing || feed.draining)) continue;
    RemoteAudioStats remote;
    remote.participant_id = id;
    remote.display_name = feed.participant ? feed.participant->display_name : std::string();
    remote.stream_id = feed.audio_stream->id;
    {
      std::lock_guard lock(feed.audio_stream->mutex);
      remote.audio = feed.audio_stream->stats;
    }
    fill_rtcp_receive_stats(feed, remote.audio);  // fresher than the last receive tick's copy
    out.push_back(std::move(remote));
  }
  return out;
}

// ---- the receive tick ----------------------------------------------------------------------

void Subscription::start_receiving() {
  if (receive_tick_ || !receive_wanted()) return;
  receive_tick_ = std::make_unique<ReceiveTicker>(*this);
  receive_schedule_.reset();
  host_.engine->add_ticker(receive_tick_.get());
}

void Subscription::stop_receive_tick() {
  if (!receive_tick_) return;
  host_.engine->remove_ticker(receive_tick_.get());
  // Destroyed after the clock's walk if we are inside it: the clock only nulls its entry.
  loop_.post([ticker = std::shared_ptr<ReceiveTicker>(std::move(receive_tick_))] {});
}

/// Decoding, mixing and speaker detection only for a meeting that hears someone: a
/// subscribed or draining stream, or a mix to produce.
bool Subscription::receive_wanted() {
  {
    std::lock_guard lock(sinks_mutex_);
    if (!mixed_sinks_.empty()) return true;
  }
  for (const auto& [id, feed] : feeds_)
    if (feed.jitter && (feed.subscribing || feed.draining)) return true;
  return false;
}

void Subscription::on_receive_tick(uint64_t tick) {
  if (!receive_wanted()) return stop_receive_tick();
  if (!receive_schedule_) receive_schedule_.emplace(tick);
  int due = receive_schedule_->frames_due(tick);
  for (int i = 0; i < due; ++i) receive_one_tick();
  receive_schedule_->on_sent(due);
}

void Subscription::receive_one_tick() {
  mixer_.reset();
  std::vector<std::shared_ptr<AudioSink>> sinks;
  {
    std::lock_guard lock(sinks_mutex_);
    sinks = mixed_sinks_;
  }
  const bool mixing = !sinks.empty();
  std::vector<std::string> drained;
  for (auto& [id, feed] : feeds_) {
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
      if (feed.level_dbfs) speakers_.feed_level(id, *feed.level_dbfs);
      feed.level_dbfs.reset();
      continue;
    }
    if (!out) continue;
    ReceivedAudioFrame frame;
    frame.samples = out->samples;
    frame.timestamp_samples = tick * media::kFrameSamples;
    frame.concealed = out->concealed;
    deliver_to(feed.audio_stream->sinks_now(), frame);
    mixer_.add(out->samples);
    speakers_.feed(id, out->samples);
  }
  for (const auto& id : drained) finish_feed(id);
  if (auto change = speakers_.end_tick())
    host_.notify([&](MeetingEventHandler& h) { h.on_speaker_changed(*change); });

  if (!mixing) return;
  ReceivedAudioFrame mixed;
  mixed.samples = mixer_.mix();
  mixed.timestamp_samples = mix_ticks_++ * media::kFrameSamples;
  deliver_to(std::move(sinks), mixed);
}

void Subscription::deliver_to(std::vector<std::shared_ptr<AudioSink>> sinks, const ReceivedAudioFrame& frame) {
  if (sinks.empty()) return;
  if (!delivery_) delivery_ = std::make_unique<AudioDelivery>();
  delivery_->deliver(std::move(sinks), frame);
}

}  // namespace roomcast::meeting
