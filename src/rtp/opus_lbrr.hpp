// Whether an Opus packet carries in-band FEC (SILK LBRR data), read from its first bits.
#pragma once

#include <cstdint>
#include <span>

namespace roomcast::rtp {

/// libopus asked for FEC adds it only to some frames (SILK and hybrid modes, frames it
/// judges worth it), and a decoder asked to use it falls back to concealment without a
/// word. Reading the LBRR flag (RFC 6716 §4.2.3-4.2.4) tells what a packet really holds.
/// Code-0 packets only (one frame, as roomcast and browsers send); false for CELT-only
/// packets, other codes and anything malformed.
bool opus_packet_has_fec(std::span<const uint8_t> packet);

}  // namespace roomcast::rtp
