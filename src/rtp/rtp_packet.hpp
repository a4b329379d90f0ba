// RTP fixed header, CSRCs, RFC 8285 header extensions and padding: parse and serialize.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace roomcast::rtp {

// One RFC 8285 extension element. Ids 1..14 with 1..16 data bytes fit the one-byte form
// (profile 0xBEDE); anything else makes the packet use the two-byte form (0x100X).
struct HeaderExtension {
  uint8_t id = 0;
  std::vector<uint8_t> data;

  bool operator==(const HeaderExtension&) const = default;
};

inline constexpr uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr uint16_t kTwoByteExtensionProfile = 0x1000; // low 4 bits: appbits
inline constexpr std::size_t kRtpFixedHeaderSize = 12;
inline constexpr std::size_t kMaxCsrcs = 15;

struct RtpPacket {
  uint8_t payload_type = 0; // 7 bits
  bool marker = false;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::vector<uint32_t> csrcs; // at most 15
  std::vector<HeaderExtension> extensions;
  std::vector<uint8_t> payload;
  uint8_t padding_size = 0; // trailing padding octets, the count octet included; 0 = none

  // Parses one RTP packet (RFC 3550 §5.1, RFC 8285 §4). Returns nullopt on version != 2,
  // truncation, a padding count of 0 or past the payload, or a malformed extension block.
  // A header extension with another profile (RFC 3550 §5.3.1) is skipped, not kept.
  static std::optional<RtpPacket> parse(std::span<const uint8_t> data);

  // Exact size serialize() produces.
  std::size_t serialized_size() const;
  // Replaces the contents of `out` with the wire form. Programming errors are not carried to
  // the wire: csrcs beyond 15 and extensions with id 0 or more than 255 data bytes are dropped,
  // the payload type is masked to 7 bits.
  void serialize_into(std::vector<uint8_t>& out) const;
  std::vector<uint8_t> serialize() const;

  const HeaderExtension* find_extension(uint8_t id) const;

  bool operator==(const RtpPacket&) const = default;
};

// RFC 5761 §4: with rtcp-mux, a packet whose second octet (marker bit ignored) is 64..95 is
// RTCP (types 192..223); otherwise RTP. Needs at least 2 octets and version 2.
bool looks_like_rtcp(std::span<const uint8_t> packet);

} // namespace roomcast::rtp
