// OpusPacketizer: timestamps from sample counts across 2^32 wrap, sequence wrap, marker, counters.
#include "rtp/opus_packetizer.hpp"

#include "rtp/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace roomcast::rtp {
namespace {

constexpr uint64_t kFrameSamples = 960; // 20 ms at 48 kHz
const std::vector<uint8_t> kFrame = {0xFC, 0xFF, 0xFE};

TEST(OpusPacketizer, FirstPacketCarriesMarkerAndStartValues) {
  OpusPacketizer pk(0xAABBCCDD, 111, 1, 1000, 5000);
  const auto first = RtpPacket::parse(pk.packetize(kFrame, 0, 0x85));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->marker);
  EXPECT_EQ(first->payload_type, 111);
  EXPECT_EQ(first->sequence, 1000);
  EXPECT_EQ(first->timestamp, 5000u);
  EXPECT_EQ(first->ssrc, 0xAABBCCDDu);
  EXPECT_EQ(first->payload, kFrame);
  ASSERT_EQ(first->extensions.size(), 1u);
  EXPECT_EQ(first->extensions[0], (HeaderExtension{1, {0x85}}));

  const auto second = RtpPacket::parse(pk.packetize(kFrame, kFrameSamples, 0x10));
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->marker);
  EXPECT_EQ(second->sequence, 1001);
  EXPECT_EQ(second->timestamp, 5960u);
}

TEST(OpusPacketizer, ExactWireBytesOfFirstPacket) {
  OpusPacketizer pk(0x01020304, 111, 1, 0x0102, 0x0A0B0C0D);
  const std::vector<uint8_t> expected = {
      0x90, 0xEF,             // V=2 X=1 | M=1 PT=111
      0x01, 0x02,             // sequence
      0x0A, 0x0B, 0x0C, 0x0D, // timestamp = first_timestamp + 0
      0x01, 0x02, 0x03, 0x04, // SSRC
      0xBE, 0xDE, 0x00, 0x01, // one-byte extensions, 1 word
      0x10, 0xA8, 0x00, 0x00, // id 1: V=1 level 40; padding
      0xFC, 0xFF, 0xFE,       // Opus payload
  };
  EXPECT_EQ(pk.packetize(kFrame, 0, 0xA8), expected);
}

TEST(OpusPacketizer, NoExtensionWithoutIdOrLevel) {
  OpusPacketizer without_id(1, 111, std::nullopt, 0, 0);
  auto p = RtpPacket::parse(without_id.packetize(kFrame, 0, 0x85));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->extensions.empty());
  OpusPacketizer without_level(1, 111, 1, 0, 0);
  p = RtpPacket::parse(without_level.packetize(kFrame, 0, std::nullopt));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->extensions.empty());
}

TEST(OpusPacketizer, TimestampWrapsModulo2To32) {
  const uint32_t first_timestamp = 0xFFFFFFFFu - 959; // 2^32 - 960
  OpusPacketizer pk(1, 111, std::nullopt, 0, first_timestamp);
  EXPECT_EQ(RtpPacket::parse(pk.packetize(kFrame, 0, {}))->timestamp, first_timestamp);
  EXPECT_EQ(RtpPacket::parse(pk.packetize(kFrame, 960, {}))->timestamp, 0u);
  EXPECT_EQ(RtpPacket::parse(pk.packetize(kFrame, 1920, {}))->timestamp, 960u);
  // A sample index beyond 2^32 (about 24.9 hours in) still maps mod 2^32.
  const uint64_t far = (uint64_t{1} << 32) + 12345;
  EXPECT_EQ(RtpPacket::parse(pk.packetize(kFrame, far, {}))->timestamp,
            static_cast<uint32_t>(first_timestamp + 12345u));
  EXPECT_EQ(pk.last_timestamp(), static_cast<uint32_t>(first_timestamp + 12345u));
}

TEST(OpusPacketizer, SequenceWrapsModulo2To16) {
  OpusPacketizer pk(1, 111, std::nullopt, 65534, 0);
  EXPECT_EQ(RtpPacket::parse(pk.packetize(kFrame, 0, {}))->sequence, 65534);
  EXPECT_EQ(RtpPacket::parse(pk.packetize(kFrame, 960, {}))->sequence, 65535);
  EXPECT_EQ(RtpPacket::parse(pk.packetize(kFrame, 1920, {}))->sequence, 0);
  EXPECT_EQ(pk.next_sequence(), 1);
}

// An hour of 20 ms frames: the timestamp is exactly first + n * 960, no drift from any clock.
TEST(OpusPacketizer, HourOfFramesHasNoDrift) {
  const uint32_t first_timestamp = 0xF0000000u;
  OpusPacketizer pk(1, 111, 1, 40000, first_timestamp);
  constexpr uint64_t kFrames = 60 * 60 * 50;
  uint64_t octets = 0;
  for (uint64_t n = 0; n < kFrames; ++n) {
    const std::vector<uint8_t> frame(1 + n % 120, 0xAB);
    const auto bytes = pk.packetize(frame, n * kFrameSamples, 0x20);
    octets += frame.size();
    if (n % 9973 == 0 || n == kFrames - 1) {
      const auto p = RtpPacket::parse(bytes);
      ASSERT_TRUE(p);
      EXPECT_EQ(p->timestamp, static_cast<uint32_t>(first_timestamp + n * kFrameSamples));
      EXPECT_EQ(p->sequence, static_cast<uint16_t>(40000 + n));
      EXPECT_EQ(p->marker, n == 0);
    }
  }
  EXPECT_EQ(pk.packets_sent(), kFrames);
  EXPECT_EQ(pk.octets_sent(), octets);
  EXPECT_EQ(pk.last_timestamp(),
            static_cast<uint32_t>(first_timestamp + (kFrames - 1) * kFrameSamples));
  EXPECT_EQ(pk.timestamp_for_sample(kFrames * kFrameSamples),
            static_cast<uint32_t>(first_timestamp + kFrames * kFrameSamples));
}

TEST(OpusPacketizer, MarkerAgainAfterTalkspurtStart) {
  OpusPacketizer pk(1, 111, std::nullopt, 0, 0);
  EXPECT_TRUE(RtpPacket::parse(pk.packetize(kFrame, 0, {}))->marker);
  EXPECT_FALSE(RtpPacket::parse(pk.packetize(kFrame, 960, {}))->marker);
  pk.mark_next_talkspurt();
  EXPECT_TRUE(RtpPacket::parse(pk.packetize(kFrame, 96000, {}))->marker);
  EXPECT_FALSE(RtpPacket::parse(pk.packetize(kFrame, 96960, {}))->marker);
}

TEST(OpusPacketizer, CountersStartEmpty) {
  OpusPacketizer pk(7, 100, std::nullopt, 0, 0);
  EXPECT_EQ(pk.packets_sent(), 0u);
  EXPECT_EQ(pk.octets_sent(), 0u);
  EXPECT_FALSE(pk.last_timestamp());
  EXPECT_EQ(pk.ssrc(), 7u);
  EXPECT_EQ(pk.payload_type(), 100);
}

} // namespace
} // namespace roomcast::rtp
