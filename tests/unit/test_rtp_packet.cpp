// RtpPacket: annotated wire bytes parse, check, serialize back byte for byte; malformed input.
#include "rtp/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace roomcast::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

const Bytes kMinimal = {
    0x80, 0x6F,             // V=2 P=0 X=0 CC=0 | M=0 PT=111
    0x12, 0x34,             // sequence 0x1234
    0x00, 0x00, 0x03, 0xC0, // timestamp 960
    0xDE, 0xAD, 0xBE, 0xEF, // SSRC
    0xFC, 0x01, 0x02,       // payload (Opus TOC + 2 octets)
};

TEST(RtpPacket, ParsesMinimalPacketAndSerializesItBack) {
  const auto p = RtpPacket::parse(kMinimal);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload_type, 111);
  EXPECT_FALSE(p->marker);
  EXPECT_EQ(p->sequence, 0x1234);
  EXPECT_EQ(p->timestamp, 960u);
  EXPECT_EQ(p->ssrc, 0xDEADBEEFu);
  EXPECT_TRUE(p->csrcs.empty());
  EXPECT_TRUE(p->extensions.empty());
  EXPECT_EQ(p->payload, (Bytes{0xFC, 0x01, 0x02}));
  EXPECT_EQ(p->padding_size, 0);
  EXPECT_EQ(p->serialized_size(), kMinimal.size());
  EXPECT_EQ(p->serialize(), kMinimal);
}

const Bytes kCsrcOneByteExtension = {
    0x92, 0xEF,             // V=2 P=0 X=1 CC=2 | M=1 PT=111
    0xFF, 0xFF,             // sequence 65535
    0xFF, 0xFF, 0xFF, 0xFF, // timestamp 2^32-1
    0x01, 0x02, 0x03, 0x04, // SSRC
    0x0A, 0x0B, 0x0C, 0x0D, // CSRC 1
    0x0E, 0x0F, 0x10, 0x11, // CSRC 2
    0xBE, 0xDE, 0x00, 0x02, // RFC 8285 one-byte profile, 2 words follow
    0x10, 0x85,             // id 1, L=0 (1 octet): audio level V=1 level 5
    0x21, 0xAA, 0xBB,       // id 2, L=1 (2 octets)
    0x00, 0x00, 0x00,       // padding to the word boundary
    0x48,                   // payload
};

TEST(RtpPacket, ParsesCsrcsAndOneByteExtensions) {
  const auto p = RtpPacket::parse(kCsrcOneByteExtension);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->marker);
  EXPECT_EQ(p->payload_type, 111);
  EXPECT_EQ(p->sequence, 65535);
  EXPECT_EQ(p->timestamp, 0xFFFFFFFFu);
  EXPECT_EQ(p->ssrc, 0x01020304u);
  EXPECT_EQ(p->csrcs, (std::vector<uint32_t>{0x0A0B0C0D, 0x0E0F1011}));
  ASSERT_EQ(p->extensions.size(), 2u);
  EXPECT_EQ(p->extensions[0], (HeaderExtension{1, {0x85}}));
  EXPECT_EQ(p->extensions[1], (HeaderExtension{2, {0xAA, 0xBB}}));
  ASSERT_NE(p->find_extension(2), nullptr);
  EXPECT_EQ(p->find_extension(3), nullptr);
  EXPECT_EQ(p->payload, Bytes{0x48});
  EXPECT_EQ(p->serialize(), kCsrcOneByteExtension);
}

const Bytes kTwoByteExtension = {
    0x90, 0x6F,                   // V=2 X=1 | PT=111
    0x00, 0x01,                   // sequence 1
    0x00, 0x00, 0x00, 0x00,       // timestamp 0
    0x00, 0x00, 0x00, 0x2A,       // SSRC 42
    0x10, 0x00, 0x00, 0x02,       // RFC 8285 two-byte profile (appbits 0), 2 words
    0x14, 0x03, 0x01, 0x02, 0x03, // id 20, length 3
    0x01, 0x00,                   // id 1, length 0 (allowed in this form only)
    0x00,                         // padding
    0xAB, 0xCD,                   // payload
};

TEST(RtpPacket, ParsesTwoByteExtensions) {
  const auto p = RtpPacket::parse(kTwoByteExtension);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->extensions.size(), 2u);
  EXPECT_EQ(p->extensions[0], (HeaderExtension{20, {1, 2, 3}}));
  EXPECT_EQ(p->extensions[1], (HeaderExtension{1, {}}));
  EXPECT_EQ(p->payload, (Bytes{0xAB, 0xCD}));
  EXPECT_EQ(p->serialize(), kTwoByteExtension);
}

TEST(RtpPacket, OneByteIdFifteenStopsParsing) {
  const Bytes bytes = {
      0x90, 0x6F, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, // header, X=1
      0xBE, 0xDE, 0x00, 0x01,                         // one word
      0x10, 0x07,                                     // id 1, 1 octet
      0xF0, 0x33,                                     // id 15: stop; 0x33 is not read
      0x99,                                           // payload
  };
  const auto p = RtpPacket::parse(bytes);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->extensions.size(), 1u);
  EXPECT_EQ(p->extensions[0], (HeaderExtension{1, {0x07}}));
  EXPECT_EQ(p->payload, Bytes{0x99});
}

// Found by fuzz_rtp: id 0 with a length nibble is not padding; parsing ends there
// (libwebrtc does the same), so serialize() then parse() gives the same packet.
TEST(RtpPacket, OneByteIdZeroWithLengthStopsParsing) {
  const Bytes bytes = {
      0x90, 0x6F, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, // header, X=1
      0xBE, 0xDE, 0x00, 0x02,                         // two words
      0x00,                                           // padding octet
      0x20, 0x05,                                     // id 2, 1 octet
      0x01, 0x7A, 0xFF,                               // id 0, L=1: stop here
      0x10, 0x09,                                     // id 1: not read
      0x42,                                           // payload
  };
  const auto p = RtpPacket::parse(bytes);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->extensions.size(), 1u);
  EXPECT_EQ(p->extensions[0], (HeaderExtension{2, {0x05}}));
  EXPECT_EQ(p->payload, Bytes{0x42});
  EXPECT_EQ(RtpPacket::parse(p->serialize()), p);
}

TEST(RtpPacket, SkipsExtensionOfUnknownProfile) {
  const Bytes bytes = {
      0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, // header, X=1, PT 0
      0x12, 0x34, 0x00, 0x01,                         // RFC 3550 §5.3.1 profile 0x1234
      0xFF, 0xFF, 0xFF, 0xFF,                         // opaque
      0x55,                                           // payload
  };
  const auto p = RtpPacket::parse(bytes);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->extensions.empty());
  EXPECT_EQ(p->payload, Bytes{0x55});
}

TEST(RtpPacket, StripsAndRestoresPadding) {
  const Bytes bytes = {
      0xA0, 0x6F, 0x00, 0x07, 0, 0, 0x07, 0x80, 0, 0, 0, 9, // V=2 P=1 | PT=111, seq 7, ts 1920
      0x01, 0x02,                                           // payload
      0x00, 0x00, 0x03,                                     // 3 padding octets, count last
  };
  const auto p = RtpPacket::parse(bytes);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->timestamp, 1920u);
  EXPECT_EQ(p->payload, (Bytes{0x01, 0x02}));
  EXPECT_EQ(p->padding_size, 3);
  EXPECT_EQ(p->serialize(), bytes);
}

TEST(RtpPacket, RejectsBadPadding) {
  Bytes zero_count = {0xA0, 0x6F, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0x00};
  EXPECT_FALSE(RtpPacket::parse(zero_count));
  Bytes past_payload = {0xA0, 0x6F, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0x03};
  EXPECT_FALSE(RtpPacket::parse(past_payload));
  Bytes whole_payload = {0xA0, 0x6F, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x02};
  const auto p = RtpPacket::parse(whole_payload);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload.empty());
}

TEST(RtpPacket, RejectsOtherVersions) {
  for (const uint8_t first : {0x00, 0x40, 0xC0}) {
    Bytes bytes = kMinimal;
    bytes[0] = first;
    EXPECT_FALSE(RtpPacket::parse(bytes)) << int{first};
  }
}

TEST(RtpPacket, RejectsExtensionElementPastItsBlock) {
  const Bytes bytes = {
      0x90, 0x6F, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, // X=1
      0xBE, 0xDE, 0x00, 0x01,                         // one word
      0x10, 0x07, 0x23, 0x01,                         // id 2 claims 4 octets, 1 left
      0x99, 0x99, 0x99, 0x99,                         // payload (not part of the block)
  };
  EXPECT_FALSE(RtpPacket::parse(bytes));
}

// Every prefix shorter than the header (with CSRCs and extension block) is rejected; longer
// prefixes are valid packets with a shorter payload.
TEST(RtpPacket, TruncationAtEveryLength) {
  const std::size_t header_end = kCsrcOneByteExtension.size() - 1;
  for (std::size_t n = 0; n < kCsrcOneByteExtension.size(); ++n) {
    const auto p = RtpPacket::parse(std::span(kCsrcOneByteExtension).first(n));
    if (n < header_end) {
      EXPECT_FALSE(p) << n;
    } else {
      ASSERT_TRUE(p) << n;
      EXPECT_EQ(p->payload.size(), n - header_end);
    }
  }
  for (std::size_t n = 0; n < kTwoByteExtension.size() - 2; ++n) {
    EXPECT_FALSE(RtpPacket::parse(std::span(kTwoByteExtension).first(n))) << n;
  }
}

TEST(RtpPacket, SerializeChoosesTwoByteFormWhenNeeded) {
  RtpPacket p;
  p.payload_type = 111;
  p.sequence = 2;
  p.ssrc = 3;
  p.extensions.push_back({1, Bytes(17, 0xEE)}); // 17 octets: too long for one-byte
  const auto bytes = p.serialize();
  ASSERT_EQ(bytes.size(), p.serialized_size());
  EXPECT_EQ(bytes[12], 0x10);
  EXPECT_EQ(bytes[13], 0x00);
  const auto back = RtpPacket::parse(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, p);
}

TEST(RtpPacket, SerializeDropsWhatTheWireCannotCarry) {
  RtpPacket p;
  p.payload_type = 0xFF;                      // masked to 127
  p.csrcs.assign(16, 7);                      // only 15 fit
  p.extensions.push_back({0, {1}});           // id 0 is padding, not an element
  p.extensions.push_back({3, Bytes(256, 1)}); // longer than 255
  const auto bytes = p.serialize();
  EXPECT_EQ(bytes.size(), p.serialized_size());
  EXPECT_EQ(bytes[0], 0x8F); // X=0, CC=15
  EXPECT_EQ(bytes[1], 0x7F);
  const auto back = RtpPacket::parse(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->csrcs.size(), 15u);
  EXPECT_TRUE(back->extensions.empty());
}

TEST(RtpPacket, RandomInputNeverCrashesAndReserializesStably) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 20000; ++i) {
    Bytes bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    if (!bytes.empty() && (rng() & 1)) bytes[0] = static_cast<uint8_t>(0x80 | (bytes[0] & 0x3F));
    const auto p = RtpPacket::parse(bytes);
    if (!p) continue;
    const auto again = RtpPacket::parse(p->serialize());
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *p);
  }
}

TEST(RtpPacket, DemultiplexesRtcpFromRtp) {
  EXPECT_TRUE(looks_like_rtcp(Bytes{0x80, 0xC8}));  // SR
  EXPECT_TRUE(looks_like_rtcp(Bytes{0x81, 0xC9}));  // RR
  EXPECT_TRUE(looks_like_rtcp(Bytes{0x81, 0xCE}));  // PSFB
  EXPECT_FALSE(looks_like_rtcp(Bytes{0x80, 0x6F})); // Opus PT 111
  EXPECT_FALSE(looks_like_rtcp(Bytes{0x80, 0xEF})); // Opus PT 111 with marker
  EXPECT_FALSE(looks_like_rtcp(Bytes{0x80, 0xE0})); // PT 96 with marker: not 224
  EXPECT_FALSE(looks_like_rtcp(Bytes{0x80}));       // too short
  EXPECT_FALSE(looks_like_rtcp(Bytes{0x16, 0xC8})); // DTLS first octet, not version 2
}

} // namespace
} // namespace roomcast::rtp
