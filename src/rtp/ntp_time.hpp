// NTP 64-bit timestamps (RFC 3550 §4, RFC 5905 §6) from wall-clock time the caller injects.
#pragma once

#include <chrono>
#include <cstdint>

namespace roomcast::rtp {

// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (system_clock's epoch in C++20).
inline constexpr uint64_t kNtpUnixEpochOffsetSeconds = 2208988800ULL;

// Upper 32 bits: seconds since 1900 modulo 2^32 (era wrap in 2036); lower 32: fraction.
uint64_t to_ntp(std::chrono::system_clock::time_point time);
// Inverse of to_ntp within era 0 (1900..2036); sub-microsecond precision is truncated.
std::chrono::system_clock::time_point from_ntp(uint64_t ntp);

// The middle 32 bits (16.16 fixed point seconds): the unit of LSR and DLSR (RFC 3550 §6.4.1).
constexpr uint32_t compact_ntp(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }
constexpr std::chrono::microseconds compact_ntp_to_duration(uint32_t compact) {
  return std::chrono::microseconds{(uint64_t{compact} * 1'000'000) >> 16};
}
constexpr uint32_t duration_to_compact_ntp(std::chrono::microseconds d) {
  return static_cast<uint32_t>((static_cast<uint64_t>(d.count()) << 16) / 1'000'000);
}

} // namespace roomcast::rtp
