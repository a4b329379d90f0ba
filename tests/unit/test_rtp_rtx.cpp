// RTX (RFC 4588 §4): build from a sent packet and unwrap back to it, byte by byte.
#include "rtp/rtx.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace roomcast::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

// A VP8 packet we sent: marker set, one one-byte header extension (id 3, 1 octet).
const Bytes kOriginal = {
    0x90, 0xE0,              // V=2, X=1; M=1, PT=96
    0x12, 0x34,              // sequence 0x1234
    0x00, 0x01, 0x5F, 0x90,  // timestamp 90000
    0xAA, 0xBB, 0xCC, 0xDD,  // media SSRC
    0xBE, 0xDE, 0x00, 0x01,  // RFC 8285 one-byte extensions, 1 word
    0x30, 0x07, 0x00, 0x00,  // id 3, len 1: 0x07; padding
    0x10, 0x00, 0x9D, 0x01,  // payload: VP8 descriptor + data
};

// Its RTX form on SSRC 0x01020304, payload type 97, RTX sequence 7.
const Bytes kRtx = {
    0x90, 0xE1,              // V=2, X=1; M=1 kept, PT=97
    0x00, 0x07,              // the RTX stream's own sequence number
    0x00, 0x01, 0x5F, 0x90,  // timestamp kept
    0x01, 0x02, 0x03, 0x04,  // RTX SSRC
    0xBE, 0xDE, 0x00, 0x01,  // extensions kept
    0x30, 0x07, 0x00, 0x00,
    0x12, 0x34,              // OSN: the original sequence number
    0x10, 0x00, 0x9D, 0x01,  // the original payload
};

TEST(Rtx, BuildsRfc4588PacketFromTheSentOne) {
  auto rtx = build_rtx(kOriginal, RtxStream{0x01020304, 97}, 7);
  ASSERT_TRUE(rtx);
  EXPECT_EQ(*rtx, kRtx);
}

TEST(Rtx, UnwrapGivesTheOriginalBack) {
  auto parsed = RtpPacket::parse(kRtx);
  ASSERT_TRUE(parsed);
  auto original = unwrap_rtx(*parsed, 0xAABBCCDD, 96);
  ASSERT_TRUE(original);
  EXPECT_EQ(original->serialize(), kOriginal);
}

TEST(Rtx, PaddingOfTheOriginalIsNotCarried) {
  auto packet = RtpPacket::parse(kOriginal);
  ASSERT_TRUE(packet);
  packet->padding_size = 4;
  auto rtx = build_rtx(packet->serialize(), RtxStream{0x01020304, 97}, 7);
  ASSERT_TRUE(rtx);
  EXPECT_EQ(*rtx, kRtx);
}

TEST(Rtx, RefusesWhatItCannotUse) {
  const Bytes not_rtp = {0x00, 0x01, 0x02};
  EXPECT_FALSE(build_rtx(not_rtp, RtxStream{1, 97}, 0));
  RtpPacket padding_only;
  padding_only.payload = {0x12};  // no room for the OSN
  EXPECT_FALSE(unwrap_rtx(padding_only, 1, 96));
}

TEST(Rtx, SequenceNumbersWrapIndependently) {
  auto rtx = build_rtx(kOriginal, RtxStream{0x01020304, 97}, 0xFFFF);
  ASSERT_TRUE(rtx);
  auto parsed = RtpPacket::parse(*rtx);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->sequence, 0xFFFF);
  EXPECT_EQ(parsed->payload[0], 0x12);
  EXPECT_EQ(parsed->payload[1], 0x34);
}

}  // namespace
}  // namespace roomcast::rtp
