// RTCP feedback: PLI, generic NACK (with wrap), FIR and REMB bytes built and parsed back.
#include "rtp/rtcp.hpp"
#include "rtp/rtcp_feedback.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

namespace roomcast::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

// The one feedback message in `bytes`, parsed through the compound parser.
Feedback only_feedback(const Bytes& bytes) {
  const auto c = parse_rtcp(bytes);
  EXPECT_TRUE(c);
  if (!c || c->feedback.size() != 1) {
    ADD_FAILURE() << "expected one feedback message";
    return {};
  }
  return c->feedback[0];
}

TEST(RtcpFeedback, PictureLossBytes) {
  const Bytes expected = {
      0x81, 0xCE, 0x00, 0x02, // V=2 FMT=1 | PT=206 PSFB | length 2
      0xCA, 0xFE, 0xBA, 0xBE, // sender SSRC
      0x11, 0x22, 0x33, 0x44, // media SSRC
  };
  EXPECT_EQ(build_picture_loss(0xCAFEBABE, 0x11223344), expected);
  const Feedback fb = only_feedback(expected);
  EXPECT_EQ(fb, (Feedback{FeedbackKind::PictureLoss, 1, 0xCAFEBABE, 0x11223344}));
}

TEST(RtcpFeedback, GenericNackAcrossTheWrap) {
  const uint16_t lost[] = {65534, 65535, 0, 3};
  const Bytes expected = {
      0x81, 0xCD, 0x00, 0x03, // V=2 FMT=1 | PT=205 RTPFB | length 3
      0xCA, 0xFE, 0xBA, 0xBE, // sender SSRC
      0x11, 0x22, 0x33, 0x44, // media SSRC
      0xFF, 0xFE,             // PID 65534
      0x00, 0x13,             // BLP 0b1_0011: PID+1 (65535), PID+2 (0), PID+5 (3)
  };
  EXPECT_EQ(build_generic_nack(0xCAFEBABE, 0x11223344, lost), expected);
  const Feedback fb = only_feedback(expected);
  EXPECT_EQ(fb.kind, FeedbackKind::GenericNack);
  EXPECT_EQ(fb.media_ssrc, 0x11223344u);
  EXPECT_EQ(fb.lost_sequences, (std::vector<uint16_t>{65534, 65535, 0, 3}));
}

TEST(RtcpFeedback, GenericNackPacksRunsIntoPairs) {
  const uint16_t lost[] = {100, 116, 117, 117, 200, 5};
  const Bytes expected = {
      0x81, 0xCD, 0x00, 0x06, // length 6: four PID+BLP pairs
      0x00, 0x00, 0x00, 0x01, // sender SSRC
      0x00, 0x00, 0x00, 0x02, // media SSRC
      0x00, 0x64, 0x80, 0x00, // PID 100, BLP bit 15: 116
      0x00, 0x75, 0x00, 0x00, // PID 117 (17 after 100: a pair of its own; the repeat is dropped)
      0x00, 0xC8, 0x00, 0x00, // PID 200
      0x00, 0x05, 0x00, 0x00, // PID 5: behind the last PID, so a new pair too
  };
  EXPECT_EQ(build_generic_nack(1, 2, lost), expected);
  EXPECT_EQ(only_feedback(expected).lost_sequences, (std::vector<uint16_t>{100, 116, 117, 200, 5}));
  EXPECT_TRUE(build_generic_nack(1, 2, {}).empty());
}

TEST(RtcpFeedback, GenericNackRoundTripsAscendingLists) {
  std::mt19937 rng(17);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint16_t> lost;
    auto sequence = static_cast<uint16_t>(rng());
    const std::size_t count = 1 + rng() % 60;
    for (std::size_t i = 0; i < count; ++i) {
      sequence = static_cast<uint16_t>(sequence + 1 + rng() % 20); // wraps now and then
      lost.push_back(sequence);
    }
    const Feedback fb = only_feedback(build_generic_nack(9, 10, lost));
    ASSERT_EQ(fb.lost_sequences, lost) << round;
  }
}

TEST(RtcpFeedback, FullIntraRequestBytes) {
  const FirEntry entries[] = {{0x11223344, 7}, {0x55667788, 255}};
  const Bytes expected = {
      0x84, 0xCE, 0x00, 0x06, // V=2 FMT=4 | PT=206 | length 6
      0xCA, 0xFE, 0xBA, 0xBE, // sender SSRC
      0x00, 0x00, 0x00, 0x00, // media SSRC: unused, 0 (RFC 5104 §4.3.1.2)
      0x11, 0x22, 0x33, 0x44, // entry 1: SSRC
      0x07, 0x00, 0x00, 0x00, //          seq nr 7, reserved
      0x55, 0x66, 0x77, 0x88, // entry 2: SSRC
      0xFF, 0x00, 0x00, 0x00, //          seq nr 255, reserved
  };
  EXPECT_EQ(build_full_intra_request(0xCAFEBABE, entries), expected);
  const Feedback fb = only_feedback(expected);
  EXPECT_EQ(fb.kind, FeedbackKind::FullIntraRequest);
  EXPECT_EQ(fb.format, 4);
  EXPECT_EQ(fb.media_ssrc, 0u);
  EXPECT_EQ(fb.fir_entries, (std::vector<FirEntry>{{0x11223344, 7}, {0x55667788, 255}}));
  EXPECT_TRUE(build_full_intra_request(1, {}).empty());
}

TEST(RtcpFeedback, RembAt256kbps) {
  const uint32_t ssrcs[] = {0x11223344};
  // 256000 < 2^18, so exponent 0 and mantissa 256000 = 0x3E800.
  const Bytes expected = {
      0x8F, 0xCE, 0x00, 0x05, // V=2 FMT=15 | PT=206 | length 5
      0xCA, 0xFE, 0xBA, 0xBE, // sender SSRC
      0x00, 0x00, 0x00, 0x00, // media SSRC: always 0
      'R',  'E',  'M',  'B',  // unique identifier
      0x01,                   // Num SSRC 1
      0x03,                   // BR Exp 0 (high 6 bits) | mantissa bits 17-16 = 0b11
      0xE8, 0x00,             // mantissa bits 15-0: 0x3E800 = 256000
      0x11, 0x22, 0x33, 0x44, // SSRC feedback
  };
  EXPECT_EQ(build_remb(0xCAFEBABE, 256000, ssrcs), expected);
  const Feedback fb = only_feedback(expected);
  EXPECT_EQ(fb.kind, FeedbackKind::ApplicationLayer);
  ASSERT_TRUE(fb.remb);
  EXPECT_EQ(fb.remb->bitrate_bps, 256000u);
  EXPECT_EQ(fb.remb->ssrcs, (std::vector<uint32_t>{0x11223344}));
}

TEST(RtcpFeedback, RembExponentAndRoundingDown) {
  const uint32_t ssrcs[] = {1, 2};
  // 2.5 Mbps: 2500000 >> 4 = 156250 = 0x2625A fits 18 bits (>> 3 would not): exact.
  const Bytes remb = build_remb(7, 2'500'000, ssrcs);
  ASSERT_EQ(remb.size(), 28u);
  EXPECT_EQ(Bytes(remb.begin() + 16, remb.begin() + 20), (Bytes{0x02, 0x12, 0x62, 0x5A}));
  EXPECT_EQ(only_feedback(remb).remb, (Remb{2'500'000, {1, 2}}));

  // 1000001 >> 2 = 250000 = 0x3D090; the low bits are lost, the estimate rounds down.
  const Bytes lossy = build_remb(7, 1'000'001, {});
  EXPECT_EQ(Bytes(lossy.begin() + 16, lossy.end()), (Bytes{0x00, 0x0B, 0xD0, 0x90}));
  EXPECT_EQ(only_feedback(lossy).remb, (Remb{1'000'000, {}}));

  const Bytes huge = build_remb(7, std::numeric_limits<uint64_t>::max(), {});
  EXPECT_EQ(huge[17] >> 2, 46); // 64 bits = 18-bit mantissa << 46
  EXPECT_EQ(only_feedback(huge).remb->bitrate_bps,
            std::numeric_limits<uint64_t>::max() >> 46 << 46);

  Bytes beyond = huge;
  beyond[17] = 0xFF; // exponent 63 with a full mantissa: past 2^64, read as no limit
  EXPECT_EQ(only_feedback(beyond).remb->bitrate_bps, std::numeric_limits<uint64_t>::max());
}

TEST(RtcpFeedback, OtherApplicationLayerKeepsHeaderOnly) {
  const Bytes afb = {0x8F, 0xCE, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 'G', 'O', 'O', 'G'};
  const Feedback fb = only_feedback(afb);
  EXPECT_EQ(fb.kind, FeedbackKind::ApplicationLayer);
  EXPECT_FALSE(fb.remb);
  EXPECT_EQ(fb.sender_ssrc, 1u);
}

TEST(RtcpFeedback, FeedbackFollowsReceiverReportInCompound) {
  Bytes bytes = build_receiver_report(0xCAFEBABE, {}, "janus");
  const uint16_t lost[] = {42};
  const auto nack = build_generic_nack(0xCAFEBABE, 0x11223344, lost);
  const auto pli = build_picture_loss(0xCAFEBABE, 0x11223344);
  bytes.insert(bytes.end(), nack.begin(), nack.end());
  bytes.insert(bytes.end(), pli.begin(), pli.end());
  const auto c = parse_rtcp(bytes);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->feedback.size(), 2u);
  EXPECT_EQ(c->feedback[0].lost_sequences, (std::vector<uint16_t>{42}));
  EXPECT_EQ(c->feedback[1].kind, FeedbackKind::PictureLoss);
  EXPECT_TRUE(c->feedback[1].lost_sequences.empty());
}

TEST(RtcpFeedback, RejectsFciThatDoesNotFit) {
  // NACK with P=1: two padding octets leave a 2-octet FCI.
  const Bytes nack_half = {0xA1, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x10, 0x00, 0x02};
  EXPECT_FALSE(parse_rtcp(nack_half));
  const Bytes fir_half = {0x84, 0xCE, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44};
  EXPECT_FALSE(parse_rtcp(fir_half));
  const Bytes remb_short = {0x8F, 0xCE, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B'};
  EXPECT_FALSE(parse_rtcp(remb_short));
  const uint32_t one[] = {5};
  Bytes remb_count = build_remb(1, 1000, one);
  remb_count[16] = 2; // claims two SSRCs, carries one
  EXPECT_FALSE(parse_rtcp(remb_count));
  remb_count[16] = 0; // claims none: the trailing word is ignored
  EXPECT_TRUE(parse_rtcp(remb_count));
  EXPECT_FALSE(parse_feedback(true, 1, Bytes{0, 0, 0, 1})); // no room for the media SSRC
  const Bytes pli_with_fci = {0x81, 0xCE, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 9, 9, 9, 9};
  EXPECT_TRUE(parse_rtcp(pli_with_fci)); // RFC 4585 §6.3.1: no FCI expected; extra is ignored
}

} // namespace
} // namespace roomcast::rtp
