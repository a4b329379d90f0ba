// RTX (RFC 4588): a retransmission on its own SSRC and payload type, the original sequence number first.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rtp/rtp_packet.hpp"

namespace roomcast::rtp {

/// The retransmission stream paired with a media stream (RFC 4588 §8.6: a=ssrc-group:FID
/// media rtx; §8.1: a=fmtp:<rtx pt> apt=<media pt>).
struct RtxStream {
  uint32_t ssrc = 0;
  uint8_t payload_type = 0;
};

/// RFC 4588 §4: the RTX packet for `original` (a serialized RTP packet we sent): its marker,
/// timestamp, CSRCs and header extensions, the RTX stream's SSRC and payload type, the RTX
/// stream's own `rtx_sequence`, and as payload the original sequence number (OSN, network
/// order) followed by the original payload. Padding is not carried over. nullopt when
/// `original` is not RTP.
std::optional<std::vector<uint8_t>> build_rtx(std::span<const uint8_t> original, const RtxStream& rtx,
                                              uint16_t rtx_sequence);

/// The reverse (RFC 4588 §4, receiver side): the original packet, given the media stream's
/// SSRC and payload type. nullopt when the payload has no room for the OSN (§4: such a packet
/// is padding-only and carries nothing to recover).
std::optional<RtpPacket> unwrap_rtx(const RtpPacket& rtx_packet, uint32_t media_ssrc, uint8_t media_payload_type);

}  // namespace roomcast::rtp
