// PubSub::Impl: the meeting's messages. Our messages go out on the data channels of our
// publication (a reliable one and an unreliable one, opened once its SCTP association is up);
// the others' arrive on the subscription's data section, where Janus relays each publisher's
// channel. Who sent a message travels inside it (messages/envelope.hpp): Janus does not say.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "messages/envelope.hpp"
#include "roomcast/meeting_stats.hpp"
#include "roomcast/pubsub.hpp"
#include "sctp/data_channel.hpp"

namespace roomcast {

struct PubSub::Impl : std::enable_shared_from_this<PubSub::Impl> {
  /// What it needs of the meeting that owns it.
  struct Host {
    core::EventLoop* loop = nullptr;
    /// Caller's thread, before each send: what must exist first (a listen-only meeting's
    /// data-only publication). May block; throws roomcast::Error when it cannot be had.
    std::function<void()> prepare_send;
    /// Loop thread: why messages cannot be sent (not joined, left, a protocol without data
    /// channels), or nullopt (maybe not yet: a channel that is not open is waited for).
    std::function<std::optional<std::string>()> cannot_send;
    /// Loop thread: our open send channel of that kind, or null (not open yet, or none).
    std::function<sctp::DataChannel*(bool reliable)> channel;
    /// Loop thread: receive the others' data streams from now on.
    std::function<void()> want_messages;
    /// Any thread: our participant id and display name, for the envelope.
    std::function<std::pair<std::string, std::string>()> local;
  };

  explicit Impl(Host host) : host_(std::move(host)) {}

  // From PubSub (caller's thread).
  void send(messages::Envelope envelope, const PubSubPublishOptions& options);
  uint64_t subscribe(const std::string& topic, Handler handler);
  void unsubscribe(uint64_t id);
  void unsubscribe(const std::string& topic);

  // From the meeting (loop thread).
  /// One of our send channels opened or closed, or its buffer drained: waiting senders retry.
  void send_state_changed();
  /// A data channel the server opened to us (the subscription's): its messages come here.
  void take_channel(sctp::DataChannel& channel);
  /// The meeting ends (loop thread, before it goes): senders waiting give up, nothing is
  /// delivered from now on, and the Host is not called again.
  void close();
  /// Whether anyone subscribed (the meeting receives data streams only then).
  bool wanted() const;
  MessageStats stats() const;

 private:
  struct Attempt {
    sctp::SendError error = sctp::SendError::NotOpen;
    std::string message;
  };
  Attempt try_send(const std::vector<uint8_t>& bytes, bool binary, bool reliable);
  void received(const sctp::DataMessage& message);

  Host host_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t generation_ = 0;  // bumped by send_state_changed(): a waiting sender retries
  bool closed_ = false;
  uint64_t next_id_ = 1;
  struct Subscriber {
    std::string topic;
    Handler handler;
  };
  std::map<uint64_t, Subscriber> subscribers_;
  MessageStats stats_;
};

}  // namespace roomcast
