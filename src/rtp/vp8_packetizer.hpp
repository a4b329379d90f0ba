// Splits VP8 frames into RTP packets (RFC 7741 §4): payload descriptor, even sizes, marker.
#pragma once

#include "rtp/rtp_packet.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace roomcast::rtp {

class Vp8Packetizer {
public:
  // Every packet's descriptor: X=1, I=1 with M=1, i.e. 4 octets.
  static constexpr std::size_t kDescriptorSize = 4;
  static constexpr std::size_t kDefaultMaxPayloadSize = 1200;

  // `first_picture_id` is masked to 15 bits; `max_payload_size` (descriptor + VP8 data) is
  // raised to kDescriptorSize + 1 if smaller.
  Vp8Packetizer(uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence,
                uint16_t first_picture_id, std::size_t max_payload_size = kDefaultMaxPayloadSize);

  // The packets of one encoded frame, in sending order, with consecutive sequence numbers and
  // the marker bit on the last. Payloads are as even as possible and at most max_payload_size.
  // The caller adds header extensions and serializes. An empty frame yields no packets.
  std::vector<RtpPacket> packetize(std::span<const uint8_t> vp8_frame, uint32_t rtp_timestamp);

  // RFC 6386 §9.1: the frame tag's P bit (bit 0 of the first octet) is 0 on a key frame.
  // False for anything shorter than the 3-octet frame tag.
  static bool is_keyframe(std::span<const uint8_t> vp8_frame);

  uint32_t ssrc() const { return ssrc_; }
  uint8_t payload_type() const { return payload_type_; }
  std::size_t max_payload_size() const { return max_payload_size_; }
  uint16_t next_sequence() const { return next_sequence_; }
  uint16_t next_picture_id() const { return next_picture_id_; }
  // RTCP SR counters (RFC 3550 §6.4.1); the SR carries them modulo 2^32.
  uint64_t packets_sent() const { return packets_sent_; }
  uint64_t octets_sent() const { return octets_sent_; } // RTP payload octets, descriptors included
  std::optional<uint32_t> last_timestamp() const { return last_timestamp_; }

private:
  uint32_t ssrc_;
  uint8_t payload_type_;
  uint16_t next_sequence_;
  uint16_t next_picture_id_;
  std::size_t max_payload_size_;
  uint64_t packets_sent_ = 0;
  uint64_t octets_sent_ = 0;
  std::optional<uint32_t> last_timestamp_;
};

} // namespace roomcast::rtp
