// AudioRtpSender: Opus frames to RTP packets handed to the transport, sender-report figures on
// the sample clock, and what receiver reports say about the stream.
#include <gtest/gtest.h>

#include "peer/audio_rtp_sender.hpp"
#include "rtp/ntp_time.hpp"
#include "rtp/rtp_packet.hpp"

using roomcast::peer::AudioRtpSender;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {
const std::vector<uint8_t> kOpus(60, 0xab);
}

TEST(AudioRtpSender, EachFrameIsOnePacketDueAtOnce) {
  AudioRtpSender sender(0x1234, 111, 1, 100, 5000);
  const auto now = Clock::now();
  EXPECT_FALSE(sender.next_send_time());
  sender.packetize(kOpus, 0, 30, now);
  sender.packetize(kOpus, 960, 30, now);
  ASSERT_TRUE(sender.next_send_time());
  EXPECT_LE(*sender.next_send_time(), now) << "audio is not paced";
  const auto due = sender.take_due(now);
  ASSERT_EQ(due.size(), 2u);
  const auto second = roomcast::rtp::RtpPacket::parse(due[1]);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->ssrc, 0x1234u);
  EXPECT_EQ(second->payload_type, 111);
  EXPECT_EQ(second->sequence, 101);
  EXPECT_EQ(second->timestamp, 5000u + 960u);
  EXPECT_TRUE(sender.take_due(now).empty()) << "handed over once";
  EXPECT_EQ(sender.stats().packets_sent, 2u);
  EXPECT_EQ(sender.stats().payload_bytes_sent, 120u);
}

TEST(AudioRtpSender, SenderReportTimeFollowsTheSampleClockSinceTheLastFrame) {
  AudioRtpSender sender(1, 111, std::nullopt, 0, 1000);
  const auto sent_at = Clock::now();
  EXPECT_FALSE(sender.sender_info(sent_at)) << "nothing sent yet";
  sender.packetize(kOpus, 48000, 30, sent_at);  // one second in
  const auto at_send = sender.sender_info(sent_at);
  ASSERT_TRUE(at_send);
  EXPECT_EQ(at_send->rtp_timestamp, 1000u + 48000u);
  // 30 ms later the RTP time is 1440 samples further: reports need not coincide with a frame.
  const auto later = sender.sender_info(sent_at + 30ms);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->rtp_timestamp, 1000u + 48000u + 1440u);
  EXPECT_EQ(later->packet_count, 1u);
  EXPECT_EQ(later->octet_count, 60u);
}

TEST(AudioRtpSender, ReceiverReportsGiveLossJitterAndRoundTrip) {
  AudioRtpSender sender(7, 111, std::nullopt, 0, 0);
  roomcast::rtp::ReportBlock block;
  block.ssrc = 7;
  block.fraction_lost = 64;
  block.cumulative_lost = 12;
  block.jitter = 480;
  // The server got our SR 100 ms ago and held it 40 ms: the round trip is 60 ms.
  const auto now_ntp = roomcast::rtp::to_ntp(std::chrono::system_clock::now());
  block.last_sr = roomcast::rtp::compact_ntp(now_ntp) - roomcast::rtp::duration_to_compact_ntp(100ms);
  block.delay_since_last_sr = roomcast::rtp::duration_to_compact_ntp(40ms);
  sender.on_report_block(block, Clock::now());
  const auto& stats = sender.stats();
  EXPECT_EQ(stats.receiver_reports, 1u);
  EXPECT_DOUBLE_EQ(stats.remote_fraction_lost, 0.25);
  EXPECT_EQ(stats.remote_cumulative_lost, 12);
  EXPECT_EQ(stats.remote_jitter_samples, 480u);
  ASSERT_TRUE(stats.round_trip_time);
  const double rtt_ms = std::chrono::duration<double, std::milli>(*stats.round_trip_time).count();
  EXPECT_NEAR(rtt_ms, 60.0, 5.0);
}

TEST(AudioRtpSender, ContinuationCarriesOnTheStream) {
  AudioRtpSender first(99, 111, std::nullopt, 65534, 7000);
  first.packetize(kOpus, 0, 30, Clock::now());
  first.packetize(kOpus, 960, 30, Clock::now());
  const auto where = first.continuation();
  EXPECT_EQ(where.ssrc, 99u);
  EXPECT_EQ(where.next_sequence, 0) << "wraps";
  EXPECT_EQ(where.first_timestamp, 7000u);
  AudioRtpSender next(where.ssrc, 111, std::nullopt, where.next_sequence, where.first_timestamp);
  next.packetize(kOpus, 1920, 30, Clock::now());
  const auto packet = roomcast::rtp::RtpPacket::parse(next.take_due(Clock::now()).at(0));
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->sequence, 0);
  EXPECT_EQ(packet->timestamp, 7000u + 1920u);
  EXPECT_EQ(next.ssrcs(), std::vector<uint32_t>{99u});
}

TEST(AudioRtpSender, OnATimelineTheReportSaysWhatWasDueNotWhatWentOutLast) {
  AudioRtpSender sender(1, 111, std::nullopt, 0, 1000);
  const auto start = Clock::now();
  sender.set_timeline(start, 0);
  // Frame 0 went out 15 ms late (a late tick): the report still maps `now` to what is due now.
  sender.packetize(kOpus, 0, 30, start + 15ms);
  const auto info = sender.sender_info(start + 40ms);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->rtp_timestamp, 1000u + 1920u) << "40 ms after sample 0 was due";
}
