// ReceiveStatistics: RFC 3550 A.8 jitter against a hand-computed sequence, A.1/A.3 loss with
// reordering, duplicates and wraparound, LSR/DLSR and the RR built from it, RTT (§6.4.1).
#include "rtp/receive_statistics.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace roomcast::rtp {
namespace {

using namespace std::chrono_literals;
using Clock = ReceiveStatistics::Clock;
const Clock::time_point t0{std::chrono::seconds(1000)};

TEST(ReceiveStatistics, JitterFollowsRfc3550A8ByHand) {
  ReceiveStatistics rs(0x1234);
  // 20 ms packets (960 timestamp units at 48 kHz); the third arrives 5 ms late.
  // D: -, 0, +240, -240, 0 units; J += (|D| - J) / 16:
  //   0 -> 0 -> 15 -> 15 + 225/16 = 29.0625 -> 29.0625 - 29.0625/16 = 27.24609375
  // (RFC 3550 A.8's integer code gives 240 -> 465 -> 436 scaled by 16: 15, 29, 27.)
  const int arrival_ms[] = {0, 20, 45, 60, 80};
  for (int i = 0; i < 5; ++i)
    rs.on_packet(static_cast<uint16_t>(100 + i), 5000 + 960u * i, 80, t0 + std::chrono::milliseconds(arrival_ms[i]));
  EXPECT_DOUBLE_EQ(rs.jitter_units(), 27.24609375);
  EXPECT_NEAR(rs.jitter_ms(), 27.24609375 / 48.0, 1e-12);
  EXPECT_EQ(rs.make_report_block(t0 + 100ms).jitter, 27u);
  EXPECT_EQ(rs.packets_received(), 5u);
  EXPECT_EQ(rs.bytes_received(), 400u);
}

TEST(ReceiveStatistics, JitterIsZeroForPerfectPacingAndSurvivesTimestampWrap) {
  ReceiveStatistics rs(1);
  uint32_t ts = 0xFFFFFFFFu - 960 * 3;  // wraps after 3 packets
  for (int i = 0; i < 50; ++i, ts += 960) rs.on_packet(static_cast<uint16_t>(i), ts, 10, t0 + i * 20ms);
  EXPECT_DOUBLE_EQ(rs.jitter_units(), 0.0);
  // A constant network delay changes nothing either: only its variation counts.
  ReceiveStatistics delayed(2);
  for (int i = 0; i < 50; ++i) delayed.on_packet(static_cast<uint16_t>(i), 960u * i, 10, t0 + 300ms + i * 20ms);
  EXPECT_DOUBLE_EQ(delayed.jitter_units(), 0.0);
}

TEST(ReceiveStatistics, LossAndFractionWithReorderingWraparoundAndDuplicates) {
  ReceiveStatistics rs(7);
  auto at = t0;
  auto push = [&](uint16_t seq) { rs.on_packet(seq, 0, 1, at += 20ms); };
  // 65532 and 2 missing; 65534 reordered; the sequence number wraps.
  for (uint16_t seq : {65530, 65531, 65533, 65535, 65534, 0, 1, 3}) push(seq);
  EXPECT_EQ(rs.extended_highest_sequence(), 0x00010003u);  // one cycle, highest 3
  EXPECT_EQ(rs.cumulative_lost(), 2);                      // expected 10, received 8
  ReportBlock first = rs.make_report_block(at);
  EXPECT_EQ(first.fraction_lost, (2 << 8) / 10);  // 51: 2 of 10 in this interval
  EXPECT_EQ(first.cumulative_lost, 2);
  EXPECT_EQ(first.extended_highest_sequence, 0x00010003u);
  EXPECT_DOUBLE_EQ(*rs.last_fraction_lost(), 51 / 256.0);

  // 65532 arrives late (within the misorder window), then 4, 5 and 5 again: more received
  // than expected in this interval, so fraction 0 (A.3) and cumulative 0.
  for (uint16_t seq : {65532, 4, 5, 5}) push(seq);
  ReportBlock second = rs.make_report_block(at);
  EXPECT_EQ(second.fraction_lost, 0);
  EXPECT_EQ(second.cumulative_lost, 0);
  EXPECT_EQ(second.extended_highest_sequence, 0x00010005u);

  // A duplicate pushes cumulative loss below zero (RFC 3550 A.3 allows it).
  push(5);
  EXPECT_EQ(rs.cumulative_lost(), -1);
  // Next interval: 6..15 with 8 and 9 lost, but the duplicate above counts as received in
  // it: 10 expected, 9 received, 1 lost (A.3 compares counts, not which packets).
  for (uint16_t seq = 6; seq <= 15; ++seq)
    if (seq != 8 && seq != 9) push(seq);
  ReportBlock third = rs.make_report_block(at);
  EXPECT_EQ(third.fraction_lost, (1 << 8) / 10);
  EXPECT_EQ(third.cumulative_lost, 1);
}

TEST(ReceiveStatistics, StrayJumpIsIgnoredConfirmedJumpRestarts) {
  ReceiveStatistics rs(9);
  auto at = t0;
  for (uint16_t seq = 10; seq < 20; ++seq) rs.on_packet(seq, 0, 1, at += 20ms);
  rs.on_packet(30000, 0, 1, at += 20ms);  // one stray packet far ahead: not counted
  rs.on_packet(20, 0, 1, at += 20ms);
  EXPECT_EQ(rs.packets_received(), 11u);
  EXPECT_EQ(rs.cumulative_lost(), 0);
  EXPECT_EQ(rs.extended_highest_sequence(), 20u);
  // The sender restarted: 40000, 40001 ... counting starts again (RFC 3550 A.1).
  rs.on_packet(40000, 0, 1, at += 20ms);
  rs.on_packet(40001, 0, 1, at += 20ms);
  rs.on_packet(40002, 0, 1, at += 20ms);
  EXPECT_EQ(rs.extended_highest_sequence(), 40002u);
  EXPECT_EQ(rs.cumulative_lost(), 0);
  EXPECT_EQ(rs.packets_received(), 2u);
}

TEST(ReceiveStatistics, NoPacketsNoFigures) {
  ReceiveStatistics rs(5);
  EXPECT_EQ(rs.cumulative_lost(), 0);
  EXPECT_FALSE(rs.last_fraction_lost());
  const ReportBlock b = rs.make_report_block(t0);
  EXPECT_EQ(b.fraction_lost, 0);
  EXPECT_EQ(b.last_sr, 0u);
  EXPECT_EQ(b.delay_since_last_sr, 0u);
}

TEST(ReceiveStatistics, ReceiverReportCarriesLsrAndDlsr) {
  ReceiveStatistics rs(0xCAFEBABE);
  for (int i = 0; i < 10; ++i) rs.on_packet(static_cast<uint16_t>(i), 960u * i, 50, t0 + i * 20ms);
  // SR NTP 0xE8F0A1B2:80000000 -> LSR is the middle 32 bits, 0xA1B28000.
  rs.on_sender_report(0xE8F0A1B280000000ULL, t0 + 200ms);
  const ReportBlock block = rs.make_report_block(t0 + 1700ms);  // 1.5 s after the SR
  EXPECT_EQ(block.last_sr, 0xA1B28000u);
  EXPECT_EQ(block.delay_since_last_sr, 0x00018000u);  // 1.5 s in 1/65536 s

  // Built into an RR, parsed back byte for byte.
  const ReportBlock blocks[] = {block};
  const auto rr = build_receiver_report(0x01020304, blocks, "cname");
  ASSERT_GE(rr.size(), 32u);
  EXPECT_EQ(rr[0], 0x81);  // V=2, RC=1
  EXPECT_EQ(rr[1], 201);   // RR
  EXPECT_EQ(rr[3], 7);     // 8 words - 1
  auto parsed = parse_rtcp(rr);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->receiver_reports.size(), 1u);
  EXPECT_EQ(parsed->receiver_reports[0].ssrc, 0x01020304u);
  ASSERT_EQ(parsed->receiver_reports[0].report_blocks.size(), 1u);
  EXPECT_EQ(parsed->receiver_reports[0].report_blocks[0], block);
  EXPECT_EQ(parsed->receiver_reports[0].report_blocks[0].ssrc, 0xCAFEBABEu);
}

TEST(ReceiveStatistics, RoundTripTimeRfc3550Example) {
  // RFC 3550 §6.4.1 Figure 2: A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 0x0005:4000:
  // A - LSR - DLSR = 0x0006:2000 = 6.125 s.
  ReportBlock b;
  b.last_sr = 0xB7052000;
  b.delay_since_last_sr = 0x00054000;
  EXPECT_EQ(round_trip_time(0xB7108000, b), std::chrono::microseconds(6'125'000));
}

TEST(ReceiveStatistics, RoundTripTimeThroughSenderReportAndReceiverReport) {
  // Our SR leaves at wall time W; the peer receives it 12 ms later, answers 700 ms after
  // that, and its RR reaches us 12 ms later: RTT 24 ms (to the 1/65536 s of compact NTP).
  const auto wall = std::chrono::system_clock::time_point{std::chrono::seconds(1'800'000'000)};
  const uint64_t sr_ntp = to_ntp(wall);
  ReceiveStatistics peer(42);
  peer.on_packet(1, 0, 10, t0);
  peer.on_sender_report(sr_ntp, t0 + 12ms);
  const ReportBlock block = peer.make_report_block(t0 + 712ms);
  const uint32_t arrival = compact_ntp(to_ntp(wall + 724ms));
  const auto rtt = round_trip_time(arrival, block);
  ASSERT_TRUE(rtt);
  EXPECT_NEAR(static_cast<double>(rtt->count()), 24'000.0, 50.0);
}

}  // namespace
}  // namespace roomcast::rtp
