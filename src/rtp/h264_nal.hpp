// H.264 NAL units in an Annex-B byte stream: split at start codes, read the one-octet header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace roomcast::rtp {

// nal_unit_type values used by the payload format (H.264 Table 7-1, RFC 6184 §5.2).
inline constexpr uint8_t kH264NalSlice = 1;
inline constexpr uint8_t kH264NalIdr = 5;
inline constexpr uint8_t kH264NalSei = 6;
inline constexpr uint8_t kH264NalSps = 7;
inline constexpr uint8_t kH264NalPps = 8;
inline constexpr uint8_t kH264NalAud = 9;
inline constexpr uint8_t kH264StapA = 24;
inline constexpr uint8_t kH264FuA = 28;

inline uint8_t h264_nal_type(uint8_t header) { return header & 0x1F; }
inline uint8_t h264_nal_nri(uint8_t header) { return header & 0x60; }       // in place
inline uint8_t h264_nal_forbidden(uint8_t header) { return header & 0x80; } // F, in place

// The NAL units of an Annex-B stream (H.264 Annex B.1), without start codes. 3- and 4-octet
// start codes both work: zeros before a start code are trailing_zero_8bits, not NAL data (a
// NAL unit's last octet is never 0, B.2). Bytes before the first start code and empty units
// are skipped. The spans point into `annexb`.
std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> annexb);

} // namespace roomcast::rtp
