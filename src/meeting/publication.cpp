// Publication: our tracks, their senders and the publishing PeerConnection (loop thread unless
// said), and the controls' renegotiations (RFC 3264 §8: a muted section stays in the SDP as
// inactive, so the server tells the others the stream is disabled and the RTP stream continues,
// same SSRC and next sequence number, when it returns).
#include "meeting/publication.hpp"

#include "core/callback_guard.hpp"
#include "core/log.hpp"
#include "roomcast/error.hpp"

namespace roomcast::meeting {

namespace {
constexpr const char* kLocalAudioId = "audio0";
constexpr const char* kLocalVideoId = "video1";

media::EncoderSettings audio_settings(const MeetingConfig& c) {
  return media::EncoderSettings{c.audio_bitrate_bps, c.opus_complexity, c.opus_fec, c.opus_dtx, c.audio_channels};
}
}  // namespace

Publication::Publication(Host host) : host_(std::move(host)), loop_(host_.engine->loop()) {}

Publication::~Publication() = default;

void Publication::open_tracks() {
  const MeetingConfig& config = *host_.config;
  if (!config.mic_enabled) {  // listen only: a data-only publication for our messages
    sending_ = Sending{false, false};
    return;
  }
  track_reader_ = host_.engine->encoded_track(config.custom_microphone_audio_track, audio_settings(config))->open_reader();
  if (config.webcam_enabled)
    video_track_ = host_.engine->encoded_video(config.custom_camera_video_track, media::video_encode_settings(config.video));
  sending_ = Sending{true, video_track_ != nullptr};
}

void Publication::start(std::function<void(const std::string& offer)> ready) {
  const MeetingConfig& config = *host_.config;
  peer_ = std::make_unique<peer::PeerSession>(loop_, peer_callbacks());
  if (host_.ice) peer_->set_ice_config(*host_.ice);
  // Muted kinds are offered inactive: a rejoin keeps them muted.
  audio_mid_.clear();
  if (config.mic_enabled)
    audio_mid_ = peer_->add_audio_section({config.audio_channels == 2, continuation_, !muted_.mic});
  video_mid_.reset();
  if (video_track_) video_mid_ = peer_->add_video_section({config.video.codec, config.video.nack, !muted_.webcam});
  reliable_channel_.reset();
  unreliable_channel_.reset();
  data_mid_.reset();
  // Read when starting (the config is the meeting's, set after this was made).
  if (config.data_enabled && config.protocol == SignalingProtocol::JanusVideoRoom) data_mid_ = peer_->add_data_section();
  peer_->create_offer(std::move(ready));
}

std::optional<std::string> Publication::apply_answer(const std::string& sdp) {
  if (!peer_) return "the publishing connection is gone";
  if (auto problem = peer_->apply_answer(sdp)) return problem;
  if (!audio_mid_.empty()) {
    if (auto refused = peer_->refusal(audio_mid_)) return *refused;
  } else if (data_mid_) {  // data only: without its data section it carries nothing
    if (auto refused = peer_->refusal(*data_mid_)) return "the server did not take our data channels: " + *refused;
  }
  // A camera muted across a rejoin was offered inactive: that is no refusal.
  if (video_track_ && !muted_.webcam && !video_accepted()) {
    core::log_warn("meeting ", host_.config->meeting_id, ": our video is not sent: ",
                   peer_->refusal(*video_mid_).value_or("the server did not take it"));
    video_track_.reset();
    video_sender_.reset();
    sending_.webcam = false;
  }
  return std::nullopt;
}

peer::PeerSession::Callbacks Publication::peer_callbacks() {
  peer::PeerSession::Callbacks callbacks;
  callbacks.on_connected = [this] {
    core::guard_callback("media connected", [&] {
      on_connected();
      if (host_.on_media_connected) host_.on_media_connected();
    }, host_.on_fault);
  };
  // Posted: a failure may replace the PeerSession, which must not die inside its callback.
  callbacks.on_failed = [this](const std::string& why) {
    host_.post([this, why] { host_.on_media_failed(why); });
  };
  callbacks.on_path_lost = [this](const std::string& why) {
    host_.post([this, why] { host_.on_media_path_lost(why); });
  };
  callbacks.on_path_restored = [this] { host_.post([this] { host_.on_media_path_restored(); }); };
  callbacks.on_keyframe_request = [this](const std::string&) {
    if (video_sender_) video_sender_->request_keyframe();
  };
  callbacks.on_bandwidth_estimate = [this](const std::string&, int bitrate_bps) {
    if (video_sender_) video_sender_->limit_bitrate(bitrate_bps);
  };
  callbacks.on_data_connected = [this] {
    core::guard_callback("data channels", [&] { open_message_channels(); }, host_.on_fault);
  };
  callbacks.on_data_closed = [this](const std::string& why) {
    core::log_warn("meeting ", host_.config->meeting_id, ": our data channels closed (", why, ")");
    reliable_channel_.reset();
    unreliable_channel_.reset();
    if (host_.on_message_channels_changed) host_.on_message_channels_changed();
  };
  return callbacks;
}

void Publication::on_connected() {
  // The audio's next frame and the video's time 0 on one media-clock tick: lip sync does not
  // depend on when each first runs.
  const auto& clock = host_.engine->clock();
  const uint64_t first_tick = clock.tick_at(std::chrono::steady_clock::now()) + 1;
  if (sender_) {
    // A rejoin: the stream continues. A camera's encode kept its timeline through the outage,
    // so the audio skips what fell due meanwhile instead of resuming behind the picture.
    sender_->set_peer(peer_.get(), audio_mid_, first_tick, /*keep_time=*/video_sender_ != nullptr);
    return start_video(first_tick);
  }
  if (!track_reader_) return;
  peer::AudioSender::Callbacks callbacks;
  // Posted: the sender must not be destroyed from inside its own callback.
  callbacks.on_end_of_stream = [this] { host_.post([this] { host_.on_track_done("end of stream", false); }); };
  callbacks.on_failed = [this](const std::string& why) {
    host_.post([this, why] { host_.on_track_done("audio track failed: " + why, true); });
  };
  sender_ = std::make_unique<peer::AudioSender>(*host_.engine, *peer_, audio_mid_, std::move(track_reader_),
                                                host_.config->lead_in, std::move(callbacks));
  if (muted_.mic) sender_->set_muted(true);
  sender_->start(first_tick);
  start_video(first_tick);
}

void Publication::start_video(std::optional<uint64_t> first_tick) {
  if (!video_track_ || !video_accepted() || muted_.webcam) return;
  if (!video_sender_) {
    peer::VideoSender::Callbacks callbacks;
    // A file's picture may end before its sound: the audio decides when we leave.
    callbacks.on_end_of_stream = [] {};
    callbacks.on_failed = [this](const std::string& why) {
      host_.post([this, why] { host_.on_track_done("video track failed: " + why, true); });
    };
    video_sender_ = std::make_unique<peer::VideoSender>(loop_, video_track_, std::move(callbacks));
  }
  // Video time 0 is shown with the audio track's first sample: the audio sender's first
  // frame is due at `first_tick` (a camera enabled later: the next tick), after the lead-in.
  const auto& clock = host_.engine->clock();
  if (!first_tick) first_tick = clock.tick_at(std::chrono::steady_clock::now()) + 1;
  const auto anchor = clock.tick_start(*first_tick) + host_.config->lead_in;
  video_sender_->set_peer(peer_.get(), *video_mid_, anchor);
}

/// Two channels, as LiveKit has: one reliable and ordered, one that sends each message once
/// (for state the next message replaces). Janus relays each to our subscribers by its label.
void Publication::open_message_channels() {
  auto* association = peer_ ? peer_->data_channels() : nullptr;
  if (!association) return;
  core::log_debug("meeting ", host_.config->meeting_id, ": our data section is up: opening the message channels");
  auto notify = [this] {
    if (host_.on_message_channels_changed) host_.on_message_channels_changed();
  };
  sctp::DataChannel::Callbacks callbacks;
  callbacks.on_open = notify;
  callbacks.on_buffered_amount_low = notify;
  callbacks.on_closed = notify;
  auto& reliable = association->create_channel({"roomcast", "", sctp::Reliability{}, 256});
  reliable.set_callbacks(callbacks);
  reliable_channel_ = reliable.id();
  sctp::Reliability once;
  once.ordered = false;
  once.max_retransmits = 0;
  auto& unreliable = association->create_channel({"roomcast-unreliable", "", once, 256});
  unreliable.set_callbacks(callbacks);
  unreliable_channel_ = unreliable.id();
}

sctp::DataChannel* Publication::message_channel(bool reliable) {
  auto* association = peer_ ? peer_->data_channels() : nullptr;
  const auto& id = reliable ? reliable_channel_ : unreliable_channel_;
  return association && id ? association->channel(*id) : nullptr;
}

bool Publication::video_accepted() const {
  return peer_ && video_mid_ && peer_->video_sender(*video_mid_) != nullptr;
}

void Publication::local_stream(const std::string& id, const std::string& kind, bool enabled) {
  auto& local = *host_.local;
  if (!enabled) return local.disable_stream(id);
  if (local.find_stream(id)) return;
  auto stream = std::make_shared<detail::StreamState>();
  stream->id = id;
  stream->kind = kind;
  stream->participant_id = local.id;
  stream->local = true;
  local.enable_stream(stream);
}

/// Reports our own streams going live or away, once per change.
void Publication::set_live(bool live) {
  if (live == live_) return;
  live_ = live;
  if (live) {
    if (!audio_mid_.empty()) local_stream(kLocalAudioId, "audio", true);
    if (video_accepted() && video_track_) local_stream(kLocalVideoId, "video", true);
  } else {
    local_stream(kLocalAudioId, "audio", false);
    local_stream(kLocalVideoId, "video", false);
  }
}

void Publication::pause() {
  if (sender_) sender_->set_peer(nullptr, {});
  if (video_sender_) video_sender_->set_peer(nullptr, {}, {});
  if (peer_) {
    if (auto rtp = peer_->continuation(audio_mid_)) continuation_ = rtp;
    if (const auto* audio = peer_->audio_sender(audio_mid_)) {
      packets_before_ += audio->stats().packets_sent;
      bytes_before_ += audio->stats().payload_bytes_sent;
    }
    peer_->close();
    // Maybe inside one of its callbacks: destroyed in a task of its own.
    loop_.post([old = std::shared_ptr<peer::PeerSession>(std::move(peer_))] {});
  }
  set_live(false);
}

void Publication::stop() {
  if (sender_) sender_->stop();
  // Kept (paused) until released: the final stats still read it.
  if (video_sender_) video_sender_->set_peer(nullptr, {}, {});
  if (peer_) peer_->close();
}

void Publication::release_on_loop() {
  sender_.reset();
  video_sender_.reset();
  if (peer_) peer_->close();
  peer_.reset();
}

void Publication::release_tracks() {
  track_reader_.reset();
  video_track_.reset();
}

std::optional<std::chrono::steady_clock::duration> Publication::round_trip_time() const {
  const auto* audio = peer_ ? peer_->audio_sender(audio_mid_) : nullptr;
  if (audio && audio->stats().round_trip_time) return *audio->stats().round_trip_time;
  return std::nullopt;
}

PublishStats Publication::stats(std::chrono::steady_clock::time_point join_started) const {
  PublishStats stats;
  if (sender_) {
    auto s = sender_->stats();
    stats.frames_sent = s.frames_sent;
    stats.late_frames = s.late_frames;
    stats.underruns = s.underruns;
    stats.fec_frames = s.fec_frames;
    if (s.first_packet_at)
      stats.time_to_first_packet =
          std::chrono::duration_cast<std::chrono::milliseconds>(*s.first_packet_at - join_started);
  }
  const auto* video_rtp = peer_ && video_mid_ ? peer_->video_sender(*video_mid_) : nullptr;
  if (video_sender_ && video_rtp) {
    const auto& wire = video_rtp->stats();
    const auto encode = video_sender_->track().stats();
    VideoPublishStats v;
    v.frames_sent = wire.frames_sent;
    v.keyframes_sent = wire.keyframes_sent;
    v.packets_sent = wire.packets_sent;
    v.bytes_sent = wire.bytes_sent;
    v.nacks_received = wire.nacks_received;
    v.retransmissions = wire.retransmissions;
    v.retransmissions_rtx = wire.retransmissions_rtx;
    v.rtx = wire.rtx;
    v.pacing_rate_bps = wire.pacing_rate_bps;
    v.pacer_dropped = wire.pacer_dropped;
    v.keyframe_requests = wire.keyframe_requests;
    v.frames_late = encode.frames_late;
    v.keyframe_requests_unanswered = encode.keyframe_requests_unanswered;
    v.bitrate_bps = encode.bitrate_bps;
    v.remb_bps = wire.remb_bps;
    v.fraction_lost = wire.remote_fraction_lost;
    v.loss_estimate_bps = wire.loss_estimate_bps;
    stats.video = v;
  }
  stats.packets_sent = packets_before_;
  stats.bytes_sent = bytes_before_;
  if (const auto* audio = peer_ ? peer_->audio_sender(audio_mid_) : nullptr) {
    const auto& peer_stats = audio->stats();
    stats.packets_sent += peer_stats.packets_sent;
    stats.bytes_sent += peer_stats.payload_bytes_sent;
    stats.remote_fraction_lost = peer_stats.remote_fraction_lost;
    stats.remote_packets_lost = peer_stats.remote_cumulative_lost;
    stats.remote_jitter_ms = peer_stats.remote_jitter_samples * 1000.0 / media::kSampleRateHz;
    stats.round_trip_time = peer_stats.round_trip_time;
    stats.receiver_reports = peer_stats.receiver_reports;
  }
  if (peer_) stats.selected_candidate_pair = peer_->selected_pair_types();
  stats.position = std::chrono::milliseconds(stats.frames_sent * 20);
  if (host_.config->custom_microphone_audio_track)
    stats.duration = host_.config->custom_microphone_audio_track->duration();
  return stats;
}

// ---- ICE restart -----------------------------------------------------------------------------------

std::optional<std::string> Publication::ice_restart_offer() {
  if (!peer_ || !peer_->media_ready()) return std::nullopt;
  try {
    return peer_->ice_restart_offer();
  } catch (const std::exception& e) {
    core::log_warn("meeting ", host_.config->meeting_id, ": ", e.what());
    return std::nullopt;
  }
}

std::optional<std::string> Publication::apply_ice_restart_answer(const std::string& answer) {
  if (!peer_) return "the publishing connection is gone";
  return peer_->apply_renegotiation_answer(answer);
}

// ---- controls ------------------------------------------------------------------------------------

Publication::Change Publication::prepare(std::optional<bool> mic, std::optional<bool> webcam,
                                         std::shared_ptr<CustomAudioTrack> audio_track,
                                         std::shared_ptr<CustomVideoTrack> camera_track) const {
  const MeetingConfig& config = *host_.config;
  Change change;
  change.next = sending_;
  change.mic_given = mic.has_value();
  change.webcam_given = webcam.has_value();
  if (mic) change.next.mic = *mic;
  if (webcam) change.next.webcam = *webcam;
  // What is sent from now on: a new audio track gets its (maybe shared) encode; a camera
  // track, given or the configured one, gets its own.
  if (audio_track && audio_track != config.custom_microphone_audio_track) {
    change.audio_reader = host_.engine->encoded_track(audio_track, audio_settings(config))->open_reader();
    change.audio_track = std::move(audio_track);
  }
  if (webcam && *webcam) {
    if (!camera_track) camera_track = config.custom_camera_video_track;
    if (!camera_track)
      throw Error(Error::Kind::Config, "enable_webcam(): no track given and none configured "
                                       "(MeetingConfig::custom_camera_video_track); pass one, e.g. a FileVideoTrack");
    if (!video_track_ || video_track_->source() != camera_track) {
      change.video = host_.engine->encoded_video(camera_track, media::video_encode_settings(config.video));
      change.camera_track = std::move(camera_track);
    }
  }
  return change;
}

std::optional<std::string> Publication::change_offer(const Change& change) {
  if (!peer_) return std::nullopt;
  const auto& video = host_.config->video;
  // A camera enabled on a session without a video section adds one.
  if (change.next.webcam && !video_mid_) video_mid_ = peer_->add_video_section({video.codec, video.nack, true});
  peer_->set_sending(audio_mid_, change.next.mic);
  if (video_mid_) peer_->set_sending(*video_mid_, change.next.webcam);
  return peer_->renegotiation_offer();
}

void Publication::apply_change(Change& change, const std::string& answer) {
  if (!peer_) return;
  if (auto problem = peer_->apply_renegotiation_answer(answer)) throw Error(Error::Kind::Transport, *problem);
  apply_sending(change);
}

void Publication::change_in_place(Change& change) {
  if (!peer_) throw Error(Error::Kind::Transport, "our media connection is being re-established; try again");
  if (change.next.webcam && !video_mid_)
    throw Error(Error::Kind::Config, "enable_webcam(): this session was published without a camera, and WHIP "
                                     "(RFC 9725) cannot add one to it; publish with the camera from the start "
                                     "(webcam_enabled), then disable_webcam()/enable_webcam() work");
  apply_sending(change);
}

void Publication::apply_sending(Change& change) {
  if (change.audio_reader && sender_) {
    sender_->replace_reader(std::move(change.audio_reader));
    host_.config->custom_microphone_audio_track = change.audio_track;
  }
  muted_ = Muted{!change.next.mic, !change.next.webcam};
  if (sender_ && change.mic_given) sender_->set_muted(!change.next.mic);
  if (change.video) {
    video_sender_.reset();  // the next start_video() makes one for the new track
    video_track_ = change.video;
    host_.config->custom_camera_video_track = change.camera_track;
  }
  if (change.webcam_given) {
    if (change.next.webcam && !video_accepted())
      throw Error(Error::Kind::Signaling, "enable_webcam(): the server does not take our video: " +
                                              peer_->refusal(video_mid_.value_or("")).value_or("no reason given"));
    if (change.next.webcam) start_video();
    else if (video_sender_) video_sender_->set_peer(nullptr, {}, {});
  }
  local_stream(kLocalAudioId, "audio", change.next.mic);
  local_stream(kLocalVideoId, "video", change.next.webcam && video_accepted());
  sending_ = change.next;
}

}  // namespace roomcast::meeting
