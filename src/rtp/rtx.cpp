// RFC 4588 §4 RTX payload: OSN (2 octets) + original payload, under the RTX stream's header.
#include "rtp/rtx.hpp"

namespace roomcast::rtp {

std::optional<std::vector<uint8_t>> build_rtx(std::span<const uint8_t> original, const RtxStream& rtx,
                                              uint16_t rtx_sequence) {
  auto packet = RtpPacket::parse(original);
  if (!packet) return std::nullopt;
  const uint16_t osn = packet->sequence;
  std::vector<uint8_t> payload;
  payload.reserve(packet->payload.size() + 2);
  payload.push_back(static_cast<uint8_t>(osn >> 8));
  payload.push_back(static_cast<uint8_t>(osn & 0xff));
  payload.insert(payload.end(), packet->payload.begin(), packet->payload.end());
  packet->payload = std::move(payload);
  packet->ssrc = rtx.ssrc;
  packet->payload_type = rtx.payload_type;
  packet->sequence = rtx_sequence;
  packet->padding_size = 0;
  return packet->serialize();
}

std::optional<RtpPacket> unwrap_rtx(const RtpPacket& rtx_packet, uint32_t media_ssrc, uint8_t media_payload_type) {
  if (rtx_packet.payload.size() < 2) return std::nullopt;
  RtpPacket original = rtx_packet;
  original.sequence = static_cast<uint16_t>((rtx_packet.payload[0] << 8) | rtx_packet.payload[1]);
  original.payload.assign(rtx_packet.payload.begin() + 2, rtx_packet.payload.end());
  original.ssrc = media_ssrc;
  original.payload_type = media_payload_type;
  original.padding_size = 0;
  return original;
}

}  // namespace roomcast::rtp
