// RTCP feedback messages (RFC 4585 §6, RFC 5104 §4.3.1, REMB): decoded FCI and builders.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace roomcast::rtp {

enum class FeedbackKind {
  GenericNack,      // RTPFB FMT 1 (RFC 4585 §6.2.1)
  PictureLoss,      // PSFB FMT 1 (§6.3.1)
  FullIntraRequest, // PSFB FMT 4 (RFC 5104 §4.3.1)
  ApplicationLayer, // PSFB FMT 15 (§6.4), e.g. REMB
  OtherTransport,   // any other RTPFB (e.g. transport-cc FMT 15)
  OtherPayload,     // any other PSFB
};

// RFC 5104 §4.3.1.1: one FIR entry. The media sender `ssrc` is asked for a decoder refresh;
// a repeated request carries the same sequence number, a new one the next.
struct FirEntry {
  uint32_t ssrc = 0;
  uint8_t sequence_number = 0;

  bool operator==(const FirEntry&) const = default;
};

// draft-alvestrand-rmcat-remb-03 §2.2: the receiver's estimate of the total bitrate it can
// take for the listed streams.
struct Remb {
  uint64_t bitrate_bps = 0;
  std::vector<uint32_t> ssrcs;

  bool operator==(const Remb&) const = default;
};

struct Feedback {
  FeedbackKind kind = FeedbackKind::OtherTransport;
  uint8_t format = 0; // FMT field
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;                   // 0 in FIR and REMB: their targets are in the FCI
  std::vector<uint16_t> lost_sequences = {}; // GenericNack: every PID + BLP bit, in FCI order
  std::vector<FirEntry> fir_entries = {};    // FullIntraRequest
  std::optional<Remb> remb = {};             // ApplicationLayer carrying 'REMB'

  bool operator==(const Feedback&) const = default;
};

// Decodes one RTPFB (payload_specific = false) or PSFB packet's body: what follows its 4-octet
// header, padding removed. nullopt when the body is shorter than the two SSRCs or the FCI does
// not fit its own structure (NACK not whole words, FIR not whole 8-octet entries, REMB's SSRC
// count past the end). An application-layer message other than REMB keeps only the header.
std::optional<Feedback> parse_feedback(bool payload_specific, uint8_t format,
                                       std::span<const uint8_t> body);

// PSFB PLI (RFC 4585 §6.3.1): no FCI.
std::vector<uint8_t> build_picture_loss(uint32_t sender_ssrc, uint32_t media_ssrc);

// RTPFB generic NACK (RFC 4585 §6.2.1). `lost` in sending order (wrap allowed): each run of
// sequence numbers within 16 after a PID goes into that PID's BLP. Empty `lost` builds nothing
// (the FCI must hold at least one entry).
std::vector<uint8_t> build_generic_nack(uint32_t sender_ssrc, uint32_t media_ssrc,
                                        std::span<const uint16_t> lost);

// PSFB FIR (RFC 5104 §4.3.1), media SSRC 0. Empty `entries` builds nothing.
std::vector<uint8_t> build_full_intra_request(uint32_t sender_ssrc,
                                              std::span<const FirEntry> entries);

// PSFB REMB (draft-alvestrand-rmcat-remb-03 §2.2), media SSRC 0. The bitrate goes out as an
// 18-bit mantissa and 6-bit exponent, rounded down; SSRCs past 255 are dropped.
std::vector<uint8_t> build_remb(uint32_t sender_ssrc, uint64_t bitrate_bps,
                                std::span<const uint32_t> ssrcs);

} // namespace roomcast::rtp
