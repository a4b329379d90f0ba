// The pubsub envelope: what one meeting message looks like on a data channel, so that a web
// page with a plain RTCDataChannel can speak it. Janus relays a publisher's data channel to its
// subscribers without saying who sent what, so the sender travels inside the message.
//
// Text messages (WebRTC string, PPID 51) are one JSON object:
//   {"rc":1,"topic":"chat","from":"<participant id>","name":"<display name>","ts":1733600000000,
//    "text":"hello","to":["<participant id>",...]}
// Binary messages (WebRTC binary, PPID 53) are a 4-byte big-endian length, that many bytes of
// the same JSON object without "text", then the payload bytes.
// "rc" (the format's version, 1) and "topic" are required; "from", "name", "ts" (Unix ms) and
// "to" (only these participants take it; absent: everyone) may be left out; other fields are
// ignored, so later versions may add some.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace roomcast::messages {

struct Envelope {
  std::string topic;
  std::string from;            ///< sender's participant id ("" when the page left it out)
  std::string name;            ///< sender's display name
  std::optional<int64_t> ts;   ///< when it was sent, Unix milliseconds
  std::vector<std::string> to; ///< only for these participants (empty: everyone)
  bool binary = false;         ///< payload is bytes (binary form), else UTF-8 text
  std::vector<uint8_t> payload;

  bool operator==(const Envelope&) const = default;
  /// Whether participant `id` is meant to take it.
  bool for_participant(const std::string& id) const;
};

inline constexpr int kEnvelopeVersion = 1;
inline constexpr std::size_t kMaxTopicBytes = 256;
inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

/// The message to send: JSON text (text payloads) or header + bytes (binary payloads).
std::vector<uint8_t> serialize_envelope(const Envelope& envelope);

/// An envelope, or why not (one line: what is wrong, in which field).
struct ParsedEnvelope {
  std::optional<Envelope> envelope;
  std::string error;
};
/// `binary`: the message came as WebRTC binary (PPID 53), else as a string.
ParsedEnvelope parse_envelope(std::span<const uint8_t> message, bool binary);

}  // namespace roomcast::messages
