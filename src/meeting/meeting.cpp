// Meeting facade, publishing side: requests, our media's state, leave (joining: meeting_join.cpp).
#include "roomcast/meeting.hpp"

#include "meeting/config_check.hpp"
#include "meeting/meeting_impl.hpp"

namespace roomcast {

namespace {
constexpr auto kLeaveTimeout = std::chrono::seconds(3);
}  // namespace

void signaling_error(const std::string& message) { throw Error(Error::Kind::Signaling, message); }

Meeting::Impl::~Impl() {
  leave();
  release_loop_objects();
  subscription->stop_delivery();  // its keyframe requests post to the loop: joined while the loop runs
  local_state->clear_handlers();
  loop->call([this] {  // between tasks: none runs on us after this
    subscription->shutdown();
    alive.reset();
  });
  // Maybe the process's last meeting, destroyed from one of its handlers (the loop thread).
  engine::Engine::release(std::move(engine));
}

std::unique_ptr<meeting::Subscription> Meeting::Impl::make_subscription() {
  meeting::Subscription::Host host;
  host.engine = engine;
  host.config = &config;
  host.local = local_state;
  host.notify = [this](const std::function<void(MeetingEventHandler&)>& f) { for_handlers(f); };
  host.on_fault = [this](const std::string& why) { fail_from_callback(why); };
  host.in_room = [this] { return state_is(State::Joined) || state_is(State::Joining); };
  host.round_trip_time = [this]() -> std::optional<std::chrono::steady_clock::duration> {
    if (peer && peer->stats().round_trip_time) return *peer->stats().round_trip_time;
    return std::nullopt;
  };
  return std::make_unique<meeting::Subscription>(std::move(host));
}

void Meeting::Impl::release_loop_objects() {
  if (signaling || peer || sender || reconnect.retry) {
    loop->call([this] {
      stop_reconnecting();
      reconnect.retry.reset();
      reconnect.deadline.reset();
      subscription->drop();
      subscription->set_signaling(nullptr);
      sender.reset();
      video_sender.reset();
      if (peer) peer->close();
      peer.reset();
      if (signaling) signaling->close();
      signaling.reset();
    });
  }
  track_reader.reset();
  video_track.reset();
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
  if (sender) {
    sender->set_peer(peer.get());  // a rejoin: the stream continues
    return start_video();
  }
  if (!track_reader) return;
  sender = std::make_unique<peer::AudioSender>(*engine, *peer, std::move(track_reader), config.lead_in,
                                               std::move(callbacks));
  sender->start();
  start_video();
}

void Meeting::Impl::start_video() {
  if (!video_track || !peer || !peer->video_accepted() || muted.webcam) return;
  if (!video_sender) {
    peer::VideoSender::Callbacks callbacks;
    // A file's picture may end before its sound: the audio decides when we leave.
    callbacks.on_end_of_stream = [] {};
    callbacks.on_failed = [this](const std::string& why) {
      post_task([why](Impl& self) {
        self.for_handlers([&](MeetingEventHandler& h) { h.on_error("video track failed: " + why); });
        self.begin_leave("video track failed: " + why, true);
      });
    };
    video_sender = std::make_unique<peer::VideoSender>(*loop, video_track, std::move(callbacks));
  }
  // Video time 0 is shown with the audio track's first sample: the audio sender's first
  // frame goes out at the next media-clock tick, after the lead-in.
  const auto& clock = engine->clock();
  const auto anchor = clock.tick_start(clock.tick_at(std::chrono::steady_clock::now()) + 1) + config.lead_in;
  video_sender->set_peer(peer.get(), anchor);
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

/// The server sees our media flowing (Janus: webrtcup).
void Meeting::Impl::on_publication_live() {
  {
    std::lock_guard lock(mutex);
    media_live = true;
    state_changed.notify_all();
  }
  local_stream_enabled(true);
  if (reconnect.awaiting_media) reconnected("rejoined");
}

void Meeting::Impl::on_publication_hangup(const std::string& why) {
  local_stream_enabled(false);
  if (state_is(State::Joined) || state_is(State::Joining) || state_is(State::Reconnecting))
    on_media_failed("the server hung up our media (" + why + ")");
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
    if (peer && peer->video_accepted() && video_track) local_stream_state("video1", "video", true);
  } else {
    local_state->disable_stream("audio0");
    local_state->disable_stream("video1");
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
  video_sender.reset();
  if (peer) peer->close();
  subscription->drop();
  if (!signaling || !signaling->connected()) return finish_leave(reason, error);
  auto done = std::make_shared<bool>(false);
  auto finish = [this, reason, error, done] {
    if (*done) return;
    *done = true;
    finish_leave(reason, error);
  };
  // Bound the whole sequence: a dead server must not keep us here. Posted from the timer: the
  // leave releases the timer.
  leave_guard = std::make_shared<core::Timer>(loop->context(), [this, finish] {
    post_task([finish](Impl&) { finish(); });
  });
  leave_guard->arm_in(kLeaveTimeout);
  signaling->leave([this, finish] { contain("left", finish); });
}

void Meeting::Impl::finish_leave(const std::string& reason, bool error) {
  stop_reconnecting();
  snapshot_stats();
  leave_guard.reset();
  sender.reset();
  video_sender.reset();
  if (peer) peer->close();
  subscription->drop();
  if (signaling) signaling->close();
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
  if (video_sender && peer && peer->video_sender()) {
    const auto& wire = peer->video_sender()->stats();
    const auto encode = video_sender->track().stats();
    VideoPublishStats v;
    v.frames_sent = wire.frames_sent;
    v.keyframes_sent = wire.keyframes_sent;
    v.packets_sent = wire.packets_sent;
    v.bytes_sent = wire.bytes_sent;
    v.nacks_received = wire.nacks_received;
    v.retransmissions = wire.retransmissions;
    v.keyframe_requests = wire.keyframe_requests;
    v.frames_late = encode.frames_late;
    v.keyframe_requests_unanswered = encode.keyframe_requests_unanswered;
    v.bitrate_bps = encode.bitrate_bps;
    v.remb_bps = wire.remb_bps;
    v.fraction_lost = wire.remote_fraction_lost;
    v.loss_estimate_bps = wire.loss_estimate_bps;
    stats.video = v;
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
  impl_->subscription->add_mixed_sink(std::move(sink));
}

void Meeting::subscribe(const Participant& participant) {
  impl_->post_task([id = participant.id()](Impl& impl) { impl.subscription->subscribe(id); });
}

void Meeting::unsubscribe(const Participant& participant) {
  impl_->post_task([id = participant.id()](Impl& impl) { impl.subscription->unsubscribe(id); });
}

std::vector<Participant> Meeting::participants() const {
  return impl_->loop->call([this] { return impl_->subscription->participants(); });
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
