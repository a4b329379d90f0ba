// RTCP: SR+SDES bytes checked field by field, RR/SDES/PSFB/BYE parsing, malformed input.
#include "rtp/rtcp.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace roomcast::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

const Bytes kSenderReportCompound = {
    // SR, RFC 3550 §6.4.1
    0x80, 0xC8, 0x00, 0x06, // V=2 P=0 RC=0 | PT=200 | length 6 (28 octets)
    0x11, 0x22, 0x33, 0x44, // SSRC of sender
    0xE8, 0xF0, 0xA1, 0xB2, // NTP seconds
    0x80, 0x00, 0x00, 0x00, // NTP fraction (0.5 s)
    0x00, 0x01, 0xE2, 0x40, // RTP timestamp 123456
    0x00, 0x00, 0x00, 0x32, // sender's packet count 50
    0x00, 0x00, 0x1F, 0x40, // sender's octet count 8000
    // SDES, RFC 3550 §6.5
    0x81, 0xCA, 0x00, 0x04,                 // V=2 P=0 SC=1 | PT=202 | length 4 (20 octets)
    0x11, 0x22, 0x33, 0x44,                 // chunk SSRC
    0x01, 0x08,                             // CNAME, 8 octets
    'r', 'o', 'o', 'm', 'c', 'a', 's', 't', // "roomcast"
    0x00, 0x00,                             // end of items + padding to the word boundary
};

const SenderInfo kInfo{0xE8F0A1B280000000ULL, 123456, 50, 8000};

TEST(Rtcp, BuildsSenderReportWithCname) {
  EXPECT_EQ(build_sender_report(0x11223344, kInfo, "roomcast"), kSenderReportCompound);
}

TEST(Rtcp, ParsesSenderReportCompound) {
  const auto c = parse_rtcp(kSenderReportCompound);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->sender_reports.size(), 1u);
  EXPECT_EQ(c->sender_reports[0].ssrc, 0x11223344u);
  EXPECT_EQ(c->sender_reports[0].sender_info, kInfo);
  EXPECT_TRUE(c->sender_reports[0].report_blocks.empty());
  ASSERT_EQ(c->source_descriptions.size(), 1u);
  EXPECT_EQ(c->source_descriptions[0], (SourceDescription{0x11223344, "roomcast"}));
  EXPECT_TRUE(c->receiver_reports.empty());
  EXPECT_EQ(c->other_packets, 0u);
}

TEST(Rtcp, SdesPaddingAlwaysEndsOnWordBoundary) {
  for (std::size_t len = 0; len < 12; ++len) {
    const std::string cname(len, 'x');
    const auto bytes = build_sender_report(1, kInfo, cname);
    ASSERT_EQ(bytes.size() % 4, 0u) << len;
    const auto c = parse_rtcp(bytes);
    ASSERT_TRUE(c) << len;
    ASSERT_EQ(c->source_descriptions.size(), 1u);
    EXPECT_EQ(c->source_descriptions[0].cname, cname);
  }
}

// What Janus sends back about our stream: RR with one block, SDES, then a PLI, and a BYE.
const Bytes kReceiverCompound = {
    // RR, RFC 3550 §6.4.2
    0x81, 0xC9, 0x00, 0x07, // V=2 RC=1 | PT=201 | length 7 (32 octets)
    0xCA, 0xFE, 0xBA, 0xBE, // SSRC of packet sender
    0x11, 0x22, 0x33, 0x44, // SSRC_1 (our stream)
    0x40,                   // fraction lost 64/256
    0xFF, 0xFF, 0xFE,       // cumulative lost -2 (24-bit signed)
    0x00, 0x01, 0xFF, 0xFF, // extended highest sequence: cycles 1, seq 65535
    0x00, 0x00, 0x00, 0x10, // interarrival jitter 16
    0xA1, 0xB2, 0x80, 0x00, // LSR
    0x00, 0x01, 0x00, 0x00, // DLSR 1 s
    // SDES
    0x81, 0xCA, 0x00, 0x03,                    // SC=1 | PT=202 | length 3 (16 octets)
    0xCA, 0xFE, 0xBA, 0xBE,                    // chunk SSRC
    0x01, 0x05, 'j', 'a', 'n', 'u', 's', 0x00, // CNAME "janus", end of items
    // PSFB PLI, RFC 4585 §6.3.1
    0x81, 0xCE, 0x00, 0x02, // FMT=1 | PT=206 | length 2
    0xCA, 0xFE, 0xBA, 0xBE, // sender SSRC
    0x11, 0x22, 0x33, 0x44, // media SSRC
    // RTPFB generic NACK, RFC 4585 §6.2.1
    0x81, 0xCD, 0x00, 0x03, // FMT=1 | PT=205 | length 3
    0xCA, 0xFE, 0xBA, 0xBE, // sender SSRC
    0x11, 0x22, 0x33, 0x44, // media SSRC
    0x00, 0x10, 0x00, 0x01, // PID 16, BLP
    // BYE with reason, RFC 3550 §6.6
    0x81, 0xCB, 0x00, 0x03,                     // SC=1 | PT=203 | length 3
    0xCA, 0xFE, 0xBA, 0xBE,                     // SSRC
    0x04, 'd', 'o', 'n', 'e', 0x00, 0x00, 0x00, // reason "done", padding
};

TEST(Rtcp, ParsesReceiverReportFeedbackAndBye) {
  const auto c = parse_rtcp(kReceiverCompound);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->receiver_reports.size(), 1u);
  const auto& rr = c->receiver_reports[0];
  EXPECT_EQ(rr.ssrc, 0xCAFEBABEu);
  ASSERT_EQ(rr.report_blocks.size(), 1u);
  const ReportBlock& b = rr.report_blocks[0];
  EXPECT_EQ(b.ssrc, 0x11223344u);
  EXPECT_EQ(b.fraction_lost, 0x40);
  EXPECT_EQ(b.cumulative_lost, -2);
  EXPECT_EQ(b.extended_highest_sequence, 0x0001FFFFu);
  EXPECT_EQ(b.jitter, 16u);
  EXPECT_EQ(b.last_sr, 0xA1B28000u);
  EXPECT_EQ(b.delay_since_last_sr, 0x00010000u);
  ASSERT_EQ(c->source_descriptions.size(), 1u);
  EXPECT_EQ(c->source_descriptions[0].cname, "janus");
  ASSERT_EQ(c->feedback.size(), 2u);
  EXPECT_EQ(c->feedback[0], (Feedback{FeedbackKind::PictureLoss, 1, 0xCAFEBABE, 0x11223344}));
  EXPECT_EQ(c->feedback[1].kind, FeedbackKind::GenericNack);
  ASSERT_EQ(c->goodbyes.size(), 1u);
  EXPECT_EQ(c->goodbyes[0], (Goodbye{{0xCAFEBABE}, "done"}));
}

TEST(Rtcp, BuildsReceiverReportThatParsesBack) {
  const ReportBlock block{0x11223344, 0x40, -2, 0x0001FFFF, 16, 0xA1B28000, 0x00010000};
  const auto bytes = build_receiver_report(0xCAFEBABE, std::span(&block, 1), "janus");
  // The RR and SDES of kReceiverCompound, byte for byte.
  EXPECT_EQ(bytes, Bytes(kReceiverCompound.begin(), kReceiverCompound.begin() + 48));
  const auto c = parse_rtcp(bytes);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->receiver_reports.size(), 1u);
  EXPECT_EQ(c->receiver_reports[0].report_blocks[0], block);
}

TEST(Rtcp, EmptyReceiverReportAndCumulativeLostClamp) {
  const auto empty = build_receiver_report(9, {}, "c");
  EXPECT_EQ(Bytes(empty.begin(), empty.begin() + 8),
            (Bytes{0x80, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09}));
  const ReportBlock huge{1, 0, 100'000'000, 0, 0, 0, 0};
  const ReportBlock tiny{2, 0, -100'000'000, 0, 0, 0, 0};
  const ReportBlock blocks[] = {huge, tiny};
  const auto c = parse_rtcp(build_sender_report(5, kInfo, "c", blocks));
  ASSERT_TRUE(c);
  ASSERT_EQ(c->sender_reports.at(0).report_blocks.size(), 2u);
  EXPECT_EQ(c->sender_reports[0].report_blocks[0].cumulative_lost, 0x7FFFFF);
  EXPECT_EQ(c->sender_reports[0].report_blocks[1].cumulative_lost, -0x800000);
}

TEST(Rtcp, GoodbyeAppendsToCompound) {
  const uint32_t ssrc = 0x11223344;
  auto bytes = build_sender_report(ssrc, kInfo, "roomcast");
  const auto bye = build_goodbye(std::span(&ssrc, 1));
  EXPECT_EQ(bye, (Bytes{0x81, 0xCB, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44}));
  bytes.insert(bytes.end(), bye.begin(), bye.end());
  const auto c = parse_rtcp(bytes);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->goodbyes.size(), 1u);
  EXPECT_EQ(c->goodbyes[0], (Goodbye{{ssrc}, ""}));
}

// Only the prefix that ends exactly after the SR is itself a valid compound.
TEST(Rtcp, TruncationAtEveryLength) {
  for (std::size_t n = 0; n < kSenderReportCompound.size(); ++n) {
    const auto c = parse_rtcp(std::span(kSenderReportCompound).first(n));
    EXPECT_EQ(c.has_value(), n == 28) << n;
  }
  for (std::size_t n = 0; n < kReceiverCompound.size(); ++n) {
    const bool boundary = n == 32 || n == 48 || n == 60 || n == 76;
    EXPECT_EQ(parse_rtcp(std::span(kReceiverCompound).first(n)).has_value(), boundary) << n;
  }
}

TEST(Rtcp, RejectsMalformedPackets) {
  Bytes bad_version = kSenderReportCompound;
  bad_version[28] = 0x41; // SDES with version 1
  EXPECT_FALSE(parse_rtcp(bad_version));

  Bytes count_too_big = kSenderReportCompound;
  count_too_big[0] = 0x81; // RC=1 but no report block inside the 28 octets
  EXPECT_FALSE(parse_rtcp(count_too_big));

  Bytes length_too_big = kSenderReportCompound;
  length_too_big[3] = 0x07; // 32 octets: runs into the SDES header, which then is short
  EXPECT_FALSE(parse_rtcp(length_too_big));

  const Bytes zero_padding = {0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 0}; // P=1, count octet 0
  EXPECT_FALSE(parse_rtcp(zero_padding));
  const Bytes padding_too_big = {0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 9};
  EXPECT_FALSE(parse_rtcp(padding_too_big));

  const Bytes sdes_item_past_end = {0x81, 0xCA, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x09, 'a', 'b'};
  EXPECT_FALSE(parse_rtcp(sdes_item_past_end));
  const Bytes short_feedback = {0x81, 0xCE, 0x00, 0x01, 0, 0, 0, 1};
  EXPECT_FALSE(parse_rtcp(short_feedback));
  EXPECT_FALSE(parse_rtcp({}));
}

TEST(Rtcp, CountsUnknownPacketTypes) {
  const Bytes app = {0x80, 0xCC, 0x00, 0x02, 0, 0, 0, 1, 'n', 'a', 'm', 'e'}; // APP
  const auto c = parse_rtcp(app);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->other_packets, 1u);
}

TEST(Rtcp, RoundTripTimeFromReportBlock) {
  ReportBlock b;
  b.last_sr = 0xA1B28000;
  b.delay_since_last_sr = 0x00010000;                      // 1 s
  const uint32_t arrival = 0xA1B28000 + 0x00010000 + 3277; // + ~50 ms
  const auto rtt = round_trip_time(arrival, b);
  ASSERT_TRUE(rtt);
  EXPECT_EQ(rtt->count(), 50003);
  EXPECT_EQ(round_trip_time(0xA1B28000, b), std::chrono::microseconds{0}); // clamped
  b.last_sr = 0;
  EXPECT_FALSE(round_trip_time(arrival, b));
}

TEST(Rtcp, RandomInputNeverCrashes) {
  std::mt19937 rng(99);
  std::size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes bytes(rng() % 80);
    for (auto& x : bytes) x = static_cast<uint8_t>(rng());
    if (bytes.size() >= 4) {
      bytes[0] = static_cast<uint8_t>(0x80 | (bytes[0] & 0x1F)); // version 2, no padding
      bytes[2] = 0;
      bytes[3] = static_cast<uint8_t>(bytes.size() / 4 - 1);
    }
    if (parse_rtcp(bytes)) ++parsed;
  }
  EXPECT_GT(parsed, 0u);
}

} // namespace
} // namespace roomcast::rtp
