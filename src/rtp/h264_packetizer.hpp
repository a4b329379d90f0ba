// Splits H.264 access units into RTP packets (RFC 6184, packetization-mode 1): STAP-A, single
// NAL unit and FU-A packets, marker on the last.
#pragma once

#include "rtp/rtp_packet.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace roomcast::rtp {

class H264Packetizer {
public:
  static constexpr std::size_t kDefaultMaxPayloadSize = 1200;
  // FU indicator + FU header + one octet of the unit (RFC 6184 §5.8).
  static constexpr std::size_t kMinPayloadSize = 3;

  // `max_payload_size` is raised to kMinPayloadSize if smaller.
  H264Packetizer(uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence,
                 std::size_t max_payload_size = kDefaultMaxPayloadSize);

  // The packets of one Annex-B access unit, in sending order, with consecutive sequence
  // numbers and the marker bit on the last (RFC 6184 §5.1). Access unit delimiters are
  // dropped (a receiver rebuilds the stream without them). Runs of units that fit together
  // go into one STAP-A (§5.7.1), a unit that fits alone into a single NAL unit packet
  // (§5.6), a larger one into FU-As of even size (§5.8). Payloads are at most
  // max_payload_size. The caller adds header extensions and serializes. An access unit
  // without NAL units yields no packets.
  std::vector<RtpPacket> packetize(std::span<const uint8_t> annexb_access_unit,
                                   uint32_t rtp_timestamp);

  // True when the access unit has an IDR slice (nal_unit_type 5).
  static bool is_keyframe(std::span<const uint8_t> annexb_access_unit);

  uint32_t ssrc() const { return ssrc_; }
  uint8_t payload_type() const { return payload_type_; }
  std::size_t max_payload_size() const { return max_payload_size_; }
  uint16_t next_sequence() const { return next_sequence_; }
  // RTCP SR counters (RFC 3550 §6.4.1); the SR carries them modulo 2^32.
  uint64_t packets_sent() const { return packets_sent_; }
  uint64_t octets_sent() const { return octets_sent_; } // RTP payload octets, headers included
  std::optional<uint32_t> last_timestamp() const { return last_timestamp_; }

private:
  RtpPacket make_packet(uint32_t rtp_timestamp);

  uint32_t ssrc_;
  uint8_t payload_type_;
  uint16_t next_sequence_;
  std::size_t max_payload_size_;
  uint64_t packets_sent_ = 0;
  uint64_t octets_sent_ = 0;
  std::optional<uint32_t> last_timestamp_;
};

} // namespace roomcast::rtp
