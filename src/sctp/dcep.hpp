// DCEP (RFC 8832): the DATA_CHANNEL_OPEN / DATA_CHANNEL_ACK messages, parsed and built; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace roomcast::sctp {

/// SCTP payload protocol identifiers of WebRTC data channels (RFC 8831 §8, RFC 8832 §8.1).
enum class Ppid : uint32_t {
  Dcep = 50,
  String = 51,
  StringPartial = 52,  // deprecated: received only, never sent
  Binary = 53,
  BinaryPartial = 54,  // deprecated: received only, never sent
  StringEmpty = 56,    // an empty message carries one byte that is not delivered (RFC 8831 §6.6)
  BinaryEmpty = 57,
};

inline bool is_empty_ppid(Ppid ppid) {
  return ppid == Ppid::StringEmpty || ppid == Ppid::BinaryEmpty;
}

/// How a channel delivers (RFC 8832 §5.1: channel type and reliability parameter).
struct Reliability {
  bool ordered = true;
  std::optional<uint16_t> max_retransmits;         // PR-SCTP by retransmissions (RFC 3758)
  std::optional<uint32_t> max_packet_lifetime_ms;  // PR-SCTP by lifetime
  bool reliable() const { return !max_retransmits && !max_packet_lifetime_ms; }
  bool operator==(const Reliability&) const = default;
};

struct DcepOpen {
  Reliability reliability;
  uint16_t priority = 256;  // RFC 8832 §5.1: "normal"
  std::string label;
  std::string protocol;
  bool operator==(const DcepOpen&) const = default;
};
struct DcepAck {
  bool operator==(const DcepAck&) const = default;
};
using DcepMessage = std::variant<DcepOpen, DcepAck>;

/// A parsed DCEP message, or why the bytes are not one (hostile or broken input never throws).
struct DcepParse {
  std::optional<DcepMessage> message;
  std::string error;  // empty when `message` is set
};

DcepParse parse_dcep(std::span<const uint8_t> payload);
/// RFC 8832 §5.1. Both reliability limits set is not representable: max_retransmits wins.
std::vector<uint8_t> serialize_dcep_open(const DcepOpen& open);
/// RFC 8832 §5.2: one byte, 0x02.
std::vector<uint8_t> serialize_dcep_ack();

}  // namespace roomcast::sctp
