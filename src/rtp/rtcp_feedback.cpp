// RTCP feedback FCI codec: generic NACK, PLI, FIR and REMB.
#include "rtp/rtcp_feedback.hpp"

#include "rtp/byte_io.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace roomcast::rtp {
namespace {

using detail::put_u16;
using detail::put_u32;
using detail::put_u8;
using detail::read_u16;
using detail::read_u32;

constexpr uint8_t kTransportFeedbackType = 205; // RFC 4585 §6.1 RTPFB
constexpr uint8_t kPayloadFeedbackType = 206;   // PSFB
constexpr uint8_t kNackFormat = 1;
constexpr uint8_t kPliFormat = 1;
constexpr uint8_t kFirFormat = 4;
constexpr uint8_t kAfbFormat = 15;
constexpr std::size_t kSsrcsSize = 8;         // sender + media SSRC
constexpr std::size_t kFirEntrySize = 8;      // RFC 5104 §4.3.1.1
constexpr std::size_t kMaxWords = 0xFFFF - 2; // length field minus header and SSRCs
constexpr std::array<uint8_t, 4> kRemb = {'R', 'E', 'M', 'B'};
constexpr uint32_t kRembMantissaMax = (1U << 18) - 1;

// Header, both SSRCs; the FCI size is known up front, so the length is too (RFC 3550 §6.4.1).
void put_feedback_header(std::vector<uint8_t>& out, uint8_t format, uint8_t type,
                         std::size_t fci_words, uint32_t sender_ssrc, uint32_t media_ssrc) {
  out.reserve(12 + fci_words * 4);
  put_u8(out, static_cast<uint8_t>(0x80 | format));
  put_u8(out, type);
  put_u16(out, static_cast<uint16_t>(2 + fci_words));
  put_u32(out, sender_ssrc);
  put_u32(out, media_ssrc);
}

FeedbackKind feedback_kind(bool payload_specific, uint8_t format) {
  if (!payload_specific) {
    return format == kNackFormat ? FeedbackKind::GenericNack : FeedbackKind::OtherTransport;
  }
  switch (format) {
  case kPliFormat:
    return FeedbackKind::PictureLoss;
  case kFirFormat:
    return FeedbackKind::FullIntraRequest;
  case kAfbFormat:
    return FeedbackKind::ApplicationLayer;
  default:
    return FeedbackKind::OtherPayload;
  }
}

// RFC 4585 §6.2.1: bit i of BLP set means PID + i + 1 is lost too.
bool parse_nack(std::span<const uint8_t> fci, std::vector<uint16_t>& lost) {
  if (fci.size() % 4 != 0) return false;
  for (std::size_t at = 0; at < fci.size(); at += 4) {
    const uint16_t pid = read_u16(fci, at);
    const uint16_t blp = read_u16(fci, at + 2);
    lost.push_back(pid);
    for (int bit = 0; bit < 16; ++bit) {
      if (blp & (1U << bit)) lost.push_back(static_cast<uint16_t>(pid + bit + 1));
    }
  }
  return true;
}

bool parse_fir(std::span<const uint8_t> fci, std::vector<FirEntry>& entries) {
  if (fci.size() % kFirEntrySize != 0) return false;
  for (std::size_t at = 0; at < fci.size(); at += kFirEntrySize) {
    entries.push_back({read_u32(fci, at), fci[at + 4]}); // then 24 reserved bits
  }
  return true;
}

// REMB: 'REMB', Num SSRC (8), BR Exp (6), BR Mantissa (18), then the SSRCs.
bool parse_remb(std::span<const uint8_t> fci, std::optional<Remb>& remb) {
  if (fci.size() < 4 || !std::equal(kRemb.begin(), kRemb.end(), fci.begin())) {
    return true; // another application-layer message: not ours to decode
  }
  if (fci.size() < 8) return false;
  const std::size_t count = fci[4];
  if (fci.size() < 8 + count * 4) return false;
  const unsigned exponent = fci[5] >> 2;
  const uint64_t mantissa = (uint64_t{fci[5] & 0x03U} << 16) | read_u16(fci, 6);
  Remb r;
  // Exponents up to 63 fit the field; past 2^64 the estimate means "no limit".
  r.bitrate_bps = mantissa > (std::numeric_limits<uint64_t>::max() >> exponent)
                      ? std::numeric_limits<uint64_t>::max()
                      : mantissa << exponent;
  for (std::size_t i = 0; i < count; ++i) r.ssrcs.push_back(read_u32(fci, 8 + i * 4));
  remb = std::move(r);
  return true;
}

} // namespace

std::optional<Feedback> parse_feedback(bool payload_specific, uint8_t format,
                                       std::span<const uint8_t> body) {
  if (body.size() < kSsrcsSize) return std::nullopt;
  Feedback fb;
  fb.kind = feedback_kind(payload_specific, format);
  fb.format = format;
  fb.sender_ssrc = read_u32(body, 0);
  fb.media_ssrc = read_u32(body, 4);
  const auto fci = body.subspan(kSsrcsSize);
  bool ok = true;
  switch (fb.kind) {
  case FeedbackKind::GenericNack:
    ok = parse_nack(fci, fb.lost_sequences);
    break;
  case FeedbackKind::FullIntraRequest:
    ok = parse_fir(fci, fb.fir_entries);
    break;
  case FeedbackKind::ApplicationLayer:
    ok = parse_remb(fci, fb.remb);
    break;
  default:
    break; // PLI has no FCI (RFC 4585 §6.3.1); others are not decoded
  }
  if (!ok) return std::nullopt;
  return fb;
}

std::vector<uint8_t> build_picture_loss(uint32_t sender_ssrc, uint32_t media_ssrc) {
  std::vector<uint8_t> out;
  put_feedback_header(out, kPliFormat, kPayloadFeedbackType, 0, sender_ssrc, media_ssrc);
  return out;
}

std::vector<uint8_t> build_generic_nack(uint32_t sender_ssrc, uint32_t media_ssrc,
                                        std::span<const uint16_t> lost) {
  std::vector<std::pair<uint16_t, uint16_t>> pairs; // PID, BLP
  for (const uint16_t sequence : lost) {
    if (!pairs.empty()) {
      auto& [pid, blp] = pairs.back();
      const auto distance = static_cast<uint16_t>(sequence - pid); // mod 2^16: wrap is fine
      if (distance == 0) continue;
      if (distance <= 16) {
        blp = static_cast<uint16_t>(blp | (1U << (distance - 1)));
        continue;
      }
    }
    if (pairs.size() == kMaxWords) break;
    pairs.emplace_back(sequence, 0);
  }
  std::vector<uint8_t> out;
  if (pairs.empty()) return out;
  put_feedback_header(out, kNackFormat, kTransportFeedbackType, pairs.size(), sender_ssrc,
                      media_ssrc);
  for (const auto& [pid, blp] : pairs) {
    put_u16(out, pid);
    put_u16(out, blp);
  }
  return out;
}

std::vector<uint8_t> build_full_intra_request(uint32_t sender_ssrc,
                                              std::span<const FirEntry> entries) {
  std::vector<uint8_t> out;
  const std::size_t count = std::min(entries.size(), kMaxWords / 2);
  if (count == 0) return out;
  // RFC 5104 §4.3.1.2: the common header's media SSRC is unused and set to 0.
  put_feedback_header(out, kFirFormat, kPayloadFeedbackType, count * 2, sender_ssrc, 0);
  for (const auto& entry : entries.first(count)) {
    put_u32(out, entry.ssrc);
    put_u8(out, entry.sequence_number);
    put_u8(out, 0);
    put_u16(out, 0); // reserved
  }
  return out;
}

std::vector<uint8_t> build_remb(uint32_t sender_ssrc, uint64_t bitrate_bps,
                                std::span<const uint32_t> ssrcs) {
  const std::size_t count = std::min<std::size_t>(ssrcs.size(), 255);
  unsigned exponent = 0;
  while ((bitrate_bps >> exponent) > kRembMantissaMax) ++exponent; // at most 46
  const auto mantissa = static_cast<uint32_t>(bitrate_bps >> exponent);

  std::vector<uint8_t> out;
  put_feedback_header(out, kAfbFormat, kPayloadFeedbackType, 2 + count, sender_ssrc, 0);
  out.insert(out.end(), kRemb.begin(), kRemb.end());
  put_u8(out, static_cast<uint8_t>(count));
  put_u8(out, static_cast<uint8_t>((exponent << 2) | (mantissa >> 16)));
  put_u16(out, static_cast<uint16_t>(mantissa));
  for (const uint32_t ssrc : ssrcs.first(count)) put_u32(out, ssrc);
  return out;
}

} // namespace roomcast::rtp
