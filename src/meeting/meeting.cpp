// Meeting facade: its parts, our media's state, leave (joining: meeting_join.cpp; staying in the
// room: meeting_reconnect.cpp; our side: publication.cpp; the others: subscription.cpp).
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
    pubsub->close();
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
  host.ice = &ice_config;
  host.local = local_state;
  host.notify = [this](const std::function<void(MeetingEventHandler&)>& f) { for_handlers(f); };
  host.on_fault = [this](const std::string& why) { fail_from_callback(why); };
  host.in_room = [this] { return state_is(State::Joined) || state_is(State::Joining); };
  host.round_trip_time = [this] { return publication->round_trip_time(); };
  host.messages_wanted = [this] { return pubsub->wanted(); };
  host.on_message_channel = [this](sctp::DataChannel& channel) { pubsub->take_channel(channel); };
  return std::make_unique<meeting::Subscription>(std::move(host));
}

std::shared_ptr<PubSub::Impl> Meeting::Impl::make_pubsub() {
  PubSub::Impl::Host host;
  host.loop = loop;
  host.prepare_send = [this] { publish_data_only(); };
  host.cannot_send = [this] { return cannot_send_messages(); };
  host.channel = [this](bool reliable) { return publication->message_channel(reliable); };
  host.want_messages = [this] {
    if (state_is(State::Joined)) subscription->receive_messages();  // else enter() does
  };
  host.local = [this] { return std::make_pair(local_state->id, config.name); };
  return std::make_shared<PubSub::Impl>(std::move(host));
}

/// Caller's thread: a listen-only meeting publishes a data-only stream (no audio, no video) with
/// its first message, so the others can receive its messages; blocks until it is live.
void Meeting::Impl::publish_data_only() {
  if (config.mic_enabled || !config.data_enabled || config.protocol != SignalingProtocol::JanusVideoRoom) return;
  if (loop->in_loop_thread()) return;  // cannot wait there: cannot_send_messages() says so
  std::lock_guard controls(controls_mutex);
  if (!state_is(State::Joined) || loop->call([this] { return publication->started(); })) return;
  {
    std::lock_guard lock(mutex);
    local_offer.reset();
  }
  data_only_published = true;  // a rejoin publishes it again
  publish();
}

/// Loop thread: why this meeting cannot send a message now; nullopt while it may (a channel
/// not open yet, during a join or a reconnect, is waited for).
std::optional<std::string> Meeting::Impl::cannot_send_messages() {
  if (config.protocol != SignalingProtocol::JanusVideoRoom)
    return std::string("messages travel on Janus VideoRoom's data channels; a WHIP or WHEP endpoint carries none");
  if (!config.data_enabled) return std::string("this meeting was configured without messages (MeetingConfig::data_enabled)");
  // Runs on the loop thread: publish_data_only() (the caller's thread) started it unless it could not
  // wait there (publish() from an event handler) or the meeting was not in the room.
  if (!config.mic_enabled && !publication->started())
    return std::string("a listen-only meeting publishes its data channels with its first message, which waits for "
                       "the server: send that one from your own thread, not from an event handler, while joined");
  std::lock_guard lock(mutex);
  if (state == State::Idle) return std::string("the meeting is not joined yet: call join() first");
  if (state == State::Leaving || state == State::Left) return std::string("the meeting has ended");
  return std::nullopt;
}

std::unique_ptr<meeting::Publication> Meeting::Impl::make_publication() {
  meeting::Publication::Host host;
  host.engine = engine;
  host.config = &config;
  host.ice = &ice_config;
  host.local = local_state;
  host.on_track_done = [this](const std::string& reason, bool error) {
    if (error) for_handlers([&](MeetingEventHandler& h) { h.on_error(reason); });
    begin_leave(reason, error);
  };
  host.on_media_failed = [this](const std::string& why) { on_media_failed(why); };
  host.on_media_path_lost = [this](const std::string& why) { on_media_path_lost(why); };
  host.on_media_path_restored = [this] { on_media_path_restored(); };
  host.post = [this](std::function<void()> task) { post_task([task = std::move(task)](Impl&) { task(); }); };
  host.on_fault = [this](const std::string& why) { fail_from_callback(why); };
  host.on_message_channels_changed = [this] { pubsub->send_state_changed(); };
  // A protocol that never says our media is live (WHIP): our path coming up is the sign.
  host.on_media_connected = [this] {
    if (signaling && !signaling->traits().reports_live) on_publication_live();
  };
  return std::make_unique<meeting::Publication>(std::move(host));
}

void Meeting::Impl::release_loop_objects() {
  loop->call([this] {
    stop_reconnecting();
    reconnect.retry.reset();
    reconnect.deadline.reset();
    subscription->drop();
    subscription->set_signaling(nullptr);
    publication->release_on_loop();
    if (signaling) signaling->close();
    signaling.reset();
  });
  publication->release_tracks();
}

// ---- our media (loop thread) ---------------------------------------------------------------

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
  publication->set_live(true);
  if (reconnect.awaiting_media) reconnected("rejoined");
}

void Meeting::Impl::on_publication_hangup(const std::string& why) {
  publication->set_live(false);
  if (state_is(State::Joined) || state_is(State::Joining) || state_is(State::Reconnecting))
    on_media_failed("the server hung up our media (" + why + ")");
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
  // Else the media (sent and received) stop when the leave is done (finish_leave).
  if (!signaling || !signaling->traits().leave_while_sending) {
    publication->stop();
    subscription->drop();
  }
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
  publication->release_on_loop();
  subscription->drop();
  if (signaling) signaling->close();
  {
    std::lock_guard lock(mutex);
    if (state == State::Left) return;
    state = State::Left;
    left_info = MeetingLeftInfo{reason, error};
  }
  pubsub->send_state_changed();  // a sender waiting for the channel hears that it will not open
  publication->set_live(false);
  for_handlers([&](MeetingEventHandler& h) { h.on_meeting_left(left_info); });
  std::lock_guard lock(mutex);
  state_changed.notify_all();
}

void Meeting::Impl::snapshot_stats() {
  PublishStats stats = publication->stats(join_started);
  std::lock_guard lock(mutex);
  final_stats = stats;
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
  return impl_->loop->call([this] { return impl_->publication->stats(impl_->join_started); });
}

std::string Meeting::server_url() const { return impl_->url; }

PubSub Meeting::pubsub() { return PubSub(impl_->pubsub); }

void Meeting::send_data(std::span<const uint8_t> payload, const PubSubPublishOptions& options, const std::string& topic) {
  pubsub().publish_bytes(topic, payload, options);
}

uint64_t Meeting::on_data(PubSub::Handler handler) { return pubsub().subscribe("*", std::move(handler)); }

Meeting init_meeting(MeetingConfig config) {
  meeting::check_config(config);  // before any network I/O
  auto impl = std::make_unique<Meeting::Impl>();
  impl->room_id = meeting::room_id_of(config.meeting_id);
  impl->config = std::move(config);
  return Meeting(std::move(impl));
}

}  // namespace roomcast
