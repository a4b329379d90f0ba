// Unix time <-> NTP 64-bit fixed point, exact to the nanosecond the clock gives.
#include "rtp/ntp_time.hpp"

namespace roomcast::rtp {

uint64_t to_ntp(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto since_unix = duration_cast<nanoseconds>(time.time_since_epoch());
  const auto whole = floor<seconds>(since_unix);
  const auto nanos = static_cast<uint64_t>((since_unix - whole).count()); // 0 .. 1e9-1
  const auto ntp_seconds = static_cast<uint32_t>(static_cast<uint64_t>(whole.count()) +
                                                 kNtpUnixEpochOffsetSeconds); // mod 2^32
  const uint64_t fraction = (nanos << 32) / 1'000'000'000ULL;
  return (uint64_t{ntp_seconds} << 32) | fraction;
}

std::chrono::system_clock::time_point from_ntp(uint64_t ntp) {
  using namespace std::chrono;
  const auto ntp_seconds = static_cast<int64_t>(ntp >> 32);
  const uint64_t fraction = ntp & 0xFFFFFFFFULL;
  const auto unix_seconds = ntp_seconds - static_cast<int64_t>(kNtpUnixEpochOffsetSeconds);
  const auto nanos = static_cast<int64_t>((fraction * 1'000'000'000ULL) >> 32);
  return system_clock::time_point{
      duration_cast<system_clock::duration>(seconds{unix_seconds} + nanoseconds{nanos})};
}

} // namespace roomcast::rtp
