// Big-endian (network order) reads and writes shared by the RTP and RTCP codecs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace roomcast::rtp::detail {

inline uint16_t read_u16(std::span<const uint8_t> d, std::size_t at) {
  return static_cast<uint16_t>((d[at] << 8) | d[at + 1]);
}
inline uint32_t read_u24(std::span<const uint8_t> d, std::size_t at) {
  return (uint32_t{d[at]} << 16) | (uint32_t{d[at + 1]} << 8) | uint32_t{d[at + 2]};
}
inline uint32_t read_u32(std::span<const uint8_t> d, std::size_t at) {
  return (uint32_t{d[at]} << 24) | (uint32_t{d[at + 1]} << 16) | (uint32_t{d[at + 2]} << 8) |
         uint32_t{d[at + 3]};
}
inline uint64_t read_u64(std::span<const uint8_t> d, std::size_t at) {
  return (uint64_t{read_u32(d, at)} << 32) | read_u32(d, at + 4);
}

inline void put_u8(std::vector<uint8_t>& out, uint8_t v) { out.push_back(v); }
inline void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void put_u24(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  put_u16(out, static_cast<uint16_t>(v >> 16));
  put_u16(out, static_cast<uint16_t>(v));
}
inline void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  put_u32(out, static_cast<uint32_t>(v >> 32));
  put_u32(out, static_cast<uint32_t>(v));
}
inline void set_u16(std::vector<uint8_t>& out, std::size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}

} // namespace roomcast::rtp::detail
