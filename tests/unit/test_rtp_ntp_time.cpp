// NTP timestamp conversion from injected wall-clock time (RFC 3550 §4).
#include "rtp/ntp_time.hpp"

#include <gtest/gtest.h>

namespace roomcast::rtp {
namespace {

using namespace std::chrono;

TEST(NtpTime, UnixEpochIs2208988800) {
  EXPECT_EQ(to_ntp(system_clock::time_point{}), 0x83AA7E80ULL << 32);
}

TEST(NtpTime, HalfSecondIsFraction0x80000000) {
  const system_clock::time_point t{
      duration_cast<system_clock::duration>(seconds{1'700'000'000} + milliseconds{500})};
  EXPECT_EQ(to_ntp(t), (uint64_t{1'700'000'000ULL + 2'208'988'800ULL} << 32) | 0x80000000ULL);
  EXPECT_EQ(from_ntp(to_ntp(t)), t);
}

TEST(NtpTime, RoundTripWithinANanosecond) {
  const system_clock::time_point t{
      duration_cast<system_clock::duration>(seconds{1'712'345'678} + nanoseconds{123'456'789})};
  const auto back = from_ntp(to_ntp(t));
  EXPECT_LE(duration_cast<nanoseconds>(t - back).count(), 1);
  EXPECT_GE(duration_cast<nanoseconds>(t - back).count(), 0);
}

TEST(NtpTime, CompactFormIsMiddle32Bits) {
  EXPECT_EQ(compact_ntp(0x1122334455667788ULL), 0x33445566u);
  EXPECT_EQ(compact_ntp_to_duration(0x00010000), seconds{1});
  EXPECT_EQ(duration_to_compact_ntp(milliseconds{500}), 0x8000u);
}

} // namespace
} // namespace roomcast::rtp
