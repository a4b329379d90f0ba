// Opus RTP packetizer: one Opus packet per RTP packet (RFC 7587 §4.2), 48 kHz timestamps.
#include "rtp/opus_packetizer.hpp"

#include "rtp/rtp_packet.hpp"

namespace roomcast::rtp {

OpusPacketizer::OpusPacketizer(uint32_t ssrc, uint8_t payload_type,
                               std::optional<uint8_t> audio_level_ext_id, uint16_t first_sequence,
                               uint32_t first_timestamp)
    : ssrc_(ssrc), payload_type_(static_cast<uint8_t>(payload_type & 0x7F)),
      audio_level_ext_id_(audio_level_ext_id), next_sequence_(first_sequence),
      first_timestamp_(first_timestamp) {}

std::vector<uint8_t> OpusPacketizer::packetize(std::span<const uint8_t> opus_payload,
                                               uint64_t first_sample,
                                               std::optional<uint8_t> level) {
  RtpPacket packet;
  packet.payload_type = payload_type_;
  packet.marker = marker_pending_;
  packet.sequence = next_sequence_;
  packet.timestamp = timestamp_for_sample(first_sample);
  packet.ssrc = ssrc_;
  if (audio_level_ext_id_ && level) {
    packet.extensions.push_back({*audio_level_ext_id_, {*level}});
  }
  packet.payload.assign(opus_payload.begin(), opus_payload.end());

  marker_pending_ = false;
  ++next_sequence_; // wraps mod 2^16
  ++packets_sent_;
  octets_sent_ += opus_payload.size();
  last_timestamp_ = packet.timestamp;
  return packet.serialize();
}

} // namespace roomcast::rtp
