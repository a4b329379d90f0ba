// Messages in a meeting, in the seed SDK's shape: meeting.pubsub().publish(topic, message) and
// .subscribe(topic, handler), over the meeting's WebRTC data channels. The wire format (one
// small JSON envelope) is in the README, so a web page speaks it with a plain RTCDataChannel.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace roomcast {

/// One message received on a topic.
struct PubSubMessage {
  std::string topic;  ///< what it was published on
  /// The text sent (publish()); empty for bytes (send_data()), which are in `payload`.
  std::string message;
  /// The bytes sent with send_data() (empty for text).
  std::vector<uint8_t> payload;
  bool binary = false;      ///< sent as bytes
  std::string sender_id;    ///< the sender's participant id, as its envelope says
  std::string sender_name;  ///< the sender's display name, as its envelope says
  /// When the sender sent it (its clock), or when it arrived if the sender gave no time.
  std::chrono::system_clock::time_point timestamp;
};

/// How a message goes out.
struct PubSubPublishOptions {
  /// Only these participants take it (the seed SDK's sendOnly). Empty: everyone. The server
  /// relays every message to every subscriber: receivers drop what is not for them, so do
  /// not rely on this for secrecy.
  std::vector<std::string> send_only;
  /// true: delivered in order, retransmitted until it arrives. false: sent once, unordered
  /// (maxRetransmits 0): for state that the next message replaces (a cursor, a level).
  bool reliable = true;
  /// How long publish() may wait for the data channel to open (the first message after
  /// join) or for room in the send buffer, before it throws.
  std::chrono::milliseconds timeout{5000};
};

/// The meeting's messages; from Meeting::pubsub(). Any thread.
class PubSub {
 public:
  /// Called with each message of a subscribed topic (see subscribe()).
  using Handler = std::function<void(const PubSubMessage&)>;

  /// Sends `message` (UTF-8) on `topic` to the others in the meeting. Returns once it is in the
  /// data channel's send buffer. Throws roomcast::Error: Config for an empty topic (or one
  /// above 256 bytes), a message above the server's max-message-size, or a meeting that does
  /// not send messages (MeetingConfig::data_enabled false, a WHIP/WHEP endpoint); Transport
  /// when the channel does not open or the send buffer stays full for options.timeout, or
  /// the meeting is not joined.
  void publish(const std::string& topic, const std::string& message, const PubSubPublishOptions& options = {});
  /// The same for bytes (LiveKit's publish_data): received with PubSubMessage::binary.
  void publish_bytes(const std::string& topic, std::span<const uint8_t> payload,
                     const PubSubPublishOptions& options = {});
  /// Calls `handler` for each message on `topic` ("*": every topic) from now on, on the
  /// SDK's network thread (return quickly; do not block). Returns an id for unsubscribe().
  /// The first subscription starts receiving the others' data streams.
  uint64_t subscribe(const std::string& topic, Handler handler);
  /// Removes one subscription (subscribe()'s id); unknown ids are ignored.
  void unsubscribe(uint64_t id);
  /// Removes every subscription to `topic`.
  void unsubscribe(const std::string& topic);

  /// The meeting's side (internal).
  struct Impl;
  /// Made by Meeting::pubsub(); copies refer to the same meeting's messages.
  explicit PubSub(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace roomcast
