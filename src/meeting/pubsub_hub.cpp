// The meeting's messages: sending on our data channels, delivering what arrives by topic.
#include "meeting/pubsub_hub.hpp"

#include "core/log.hpp"
#include "roomcast/error.hpp"

namespace roomcast {

namespace {
constexpr const char* kAnyTopic = "*";

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

// ---- PubSub, the user's handle -------------------------------------------------------------------

namespace {
messages::Envelope envelope_of(const std::string& topic, std::span<const uint8_t> payload, bool binary,
                               const PubSubPublishOptions& options) {
  messages::Envelope envelope;
  envelope.topic = topic;
  envelope.binary = binary;
  envelope.payload.assign(payload.begin(), payload.end());
  envelope.to = options.send_only;
  return envelope;
}
}  // namespace

void PubSub::publish(const std::string& topic, const std::string& message, const PubSubPublishOptions& options) {
  const auto* text = reinterpret_cast<const uint8_t*>(message.data());
  impl_->send(envelope_of(topic, {text, message.size()}, false, options), options);
}

void PubSub::publish_bytes(const std::string& topic, std::span<const uint8_t> payload,
                           const PubSubPublishOptions& options) {
  impl_->send(envelope_of(topic, payload, true, options), options);
}

uint64_t PubSub::subscribe(const std::string& topic, Handler handler) { return impl_->subscribe(topic, std::move(handler)); }
void PubSub::unsubscribe(uint64_t id) { impl_->unsubscribe(id); }
void PubSub::unsubscribe(const std::string& topic) { impl_->unsubscribe(topic); }

// ---- sending --------------------------------------------------------------------------------------

void PubSub::Impl::send(messages::Envelope envelope, const PubSubPublishOptions& options) {
  if (envelope.topic.empty() || envelope.topic.size() > messages::kMaxTopicBytes)
    throw Error(Error::Kind::Config, "pubsub: a topic is 1 to " + std::to_string(messages::kMaxTopicBytes) +
                                         " bytes; got " + std::to_string(envelope.topic.size()));
  if (envelope.topic == kAnyTopic)
    throw Error(Error::Kind::Config, "pubsub: '*' subscribes to every topic; it cannot be published to");
  const std::string what = "pubsub: the message on topic '" + envelope.topic + "'";
  {
    // Before the Host is touched: a PubSub kept past its Meeting must not reach the meeting.
    std::lock_guard lock(mutex_);
    if (closed_) throw Error(Error::Kind::Transport, what + " was not sent: the meeting has ended");
  }
  std::tie(envelope.from, envelope.name) = host_.local();
  envelope.ts = unix_ms_now();
  const std::vector<uint8_t> bytes = messages::serialize_envelope(envelope);
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  if (host_.prepare_send) host_.prepare_send();

  std::unique_lock lock(mutex_);
  for (;;) {
    if (closed_) throw Error(Error::Kind::Transport, what + " was not sent: the meeting has ended");
    const uint64_t seen = generation_;
    lock.unlock();
    Attempt attempt = host_.loop->call([&] { return try_send(bytes, envelope.binary, options.reliable); });
    lock.lock();
    if (attempt.error == sctp::SendError::None) {
      ++stats_.messages_sent;
      stats_.bytes_sent += bytes.size();
      return;
    }
    if (attempt.error == sctp::SendError::TooLarge)
      throw Error(Error::Kind::Config, what + " is too large: " + attempt.message);
    if (attempt.error == sctp::SendError::Closed)
      throw Error(Error::Kind::Transport, what + " was not sent: " + attempt.message);
    if (host_.loop->in_loop_thread())
      throw Error(Error::Kind::Transport, what + " was not sent: " + attempt.message +
                                              " (publish() from an event handler cannot wait for it)");
    if (!changed_.wait_until(lock, deadline, [&] { return generation_ != seen || closed_; }))
      throw Error(Error::Kind::Transport, what + " was not sent within " + std::to_string(options.timeout.count()) +
                                              " ms: " + attempt.message);
  }
}

PubSub::Impl::Attempt PubSub::Impl::try_send(const std::vector<uint8_t>& bytes, bool binary, bool reliable) {
  {
    std::lock_guard lock(mutex_);  // set on this thread, before the meeting goes
    if (closed_) return {sctp::SendError::Closed, "the meeting has ended"};
  }
  if (auto why = host_.cannot_send()) return {sctp::SendError::Closed, *why};
  sctp::DataChannel* channel = host_.channel(reliable);
  if (!channel || channel->state() != sctp::DataChannel::State::Open)
    return {sctp::SendError::NotOpen, "our data channel to the server is not open (yet)"};
  auto result = binary ? channel->send_binary(bytes)
                       : channel->send_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  return {result.error, result.message};
}

void PubSub::Impl::send_state_changed() {
  std::lock_guard lock(mutex_);
  ++generation_;
  changed_.notify_all();
}

void PubSub::Impl::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  subscribers_.clear();
  changed_.notify_all();
}

// ---- receiving ------------------------------------------------------------------------------------

uint64_t PubSub::Impl::subscribe(const std::string& topic, Handler handler) {
  if (topic.empty() || topic.size() > messages::kMaxTopicBytes)
    throw Error(Error::Kind::Config, "pubsub: a topic is 1 to " + std::to_string(messages::kMaxTopicBytes) +
                                         " bytes (or '*' for all); got " + std::to_string(topic.size()));
  if (!handler) throw Error(Error::Kind::Config, "pubsub: subscribe() needs a handler");
  uint64_t id;
  {
    std::lock_guard lock(mutex_);
    // A PubSub kept past its Meeting: nothing would deliver, and the Host (its loop) is gone.
    if (closed_) throw Error(Error::Kind::Transport, "pubsub: subscribe() after the meeting has ended");
    id = next_id_++;
    subscribers_[id] = Subscriber{topic, std::move(handler)};
  }
  host_.loop->post([this, self = weak_from_this()] {
    auto alive = self.lock();
    if (!alive) return;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
    }
    host_.want_messages();
  });
  return id;
}

void PubSub::Impl::unsubscribe(uint64_t id) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(id);
}

void PubSub::Impl::unsubscribe(const std::string& topic) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [&](const auto& entry) { return entry.second.topic == topic; });
}

bool PubSub::Impl::wanted() const {
  std::lock_guard lock(mutex_);
  return !subscribers_.empty();
}

void PubSub::Impl::take_channel(sctp::DataChannel& channel) {
  core::log_debug("pubsub: the server opened data channel '", channel.label(), "' (", channel.id(), ") to us");
  sctp::DataChannel::Callbacks callbacks;
  callbacks.on_message = [this](sctp::DataMessage message) { received(message); };
  channel.set_callbacks(std::move(callbacks));
}

void PubSub::Impl::received(const sctp::DataMessage& message) {
  auto parsed = messages::parse_envelope(message.data, message.binary);
  std::vector<Handler> handlers;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (!parsed.envelope) {
      ++stats_.messages_dropped;
      core::log_warn("pubsub: a received message was dropped: ", parsed.error);
      return;
    }
    const auto& envelope = *parsed.envelope;
    const std::string local_id = host_.local().first;
    // Not for us, or our own coming back (a relay may echo): not delivered.
    if (!envelope.for_participant(local_id) || (!local_id.empty() && envelope.from == local_id)) {
      ++stats_.messages_not_for_us;
      return;
    }
    for (const auto& [id, s] : subscribers_)
      if (s.topic == envelope.topic || s.topic == kAnyTopic) handlers.push_back(s.handler);
    if (handlers.empty()) {
      ++stats_.messages_dropped;
      return;
    }
    ++stats_.messages_received;
    stats_.bytes_received += message.data.size();
  }
  auto& envelope = *parsed.envelope;
  PubSubMessage out;
  out.topic = std::move(envelope.topic);
  out.binary = envelope.binary;
  if (envelope.binary) out.payload = std::move(envelope.payload);
  else out.message.assign(envelope.payload.begin(), envelope.payload.end());
  out.sender_id = std::move(envelope.from);
  out.sender_name = std::move(envelope.name);
  out.timestamp = envelope.ts ? std::chrono::system_clock::time_point(std::chrono::milliseconds(*envelope.ts))
                              : std::chrono::system_clock::now();
  for (auto& handler : handlers) {
    try {
      handler(out);
    } catch (const std::exception& e) {
      core::log_warn("pubsub: a handler of topic '", out.topic, "' threw: ", e.what());
    }
  }
}

MessageStats PubSub::Impl::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace roomcast
