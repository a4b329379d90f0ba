// The sender's bandwidth estimate: the lower of the server's REMB and what reported loss allows.
#include "peer/video_rtp_sender.hpp"

#include <gtest/gtest.h>

#include <vector>

using roomcast::VideoCodec;
using roomcast::peer::VideoRtpSender;
using namespace std::chrono_literals;

namespace {
constexpr uint32_t kSsrc = 0x1234;

struct Fixture {
  std::vector<int> estimates;
  VideoRtpSender sender{VideoCodec::vp8, kSsrc, 96, 1000, 5000, true,
                        {nullptr, [this](int bps) { estimates.push_back(bps); }}};
  VideoRtpSender::Clock::time_point t{};

  // One second of 30 frames of 2,500 bytes: ~600 kbit/s on the wire.
  void send_a_second() {
    const std::vector<uint8_t> frame(2500, 0x10);
    for (int i = 0; i < 30; ++i) {
      t += 33ms;
      sender.packetize(frame, i == 0, std::chrono::microseconds(i * 33'333), t);
    }
  }
  void report(double fraction) {
    roomcast::rtp::ReportBlock block;
    block.ssrc = kSsrc;
    block.fraction_lost = static_cast<uint8_t>(fraction * 256);
    sender.on_report_block(block, t);
  }
  void remb(uint64_t bps) {
    roomcast::rtp::Feedback fb;
    fb.kind = roomcast::rtp::FeedbackKind::ApplicationLayer;
    fb.remb = roomcast::rtp::Remb{bps, {kSsrc}};
    sender.on_feedback(fb, t);
  }
};
}  // namespace

TEST(VideoRtpSender, RembAloneIsTheEstimate) {
  Fixture f;
  f.remb(300'000);
  ASSERT_EQ(f.estimates.size(), 1u);
  EXPECT_EQ(f.estimates.back(), 300'000);
}

TEST(VideoRtpSender, SustainedLossLowersTheEstimateBelowWhatWasSent) {
  Fixture f;
  f.remb(2'000'000);  // the server's delay-based estimate is generous
  f.send_a_second();
  f.report(0.25);
  ASSERT_EQ(f.estimates.size(), 2u);
  // ~600 kbit/s sent (payload plus headers), cut by half the 25 % loss.
  EXPECT_GT(f.estimates.back(), 450'000);
  EXPECT_LT(f.estimates.back(), 600'000);
  EXPECT_EQ(f.sender.stats().loss_estimate_bps, f.estimates.back());
  EXPECT_NEAR(f.sender.stats().remote_fraction_lost, 0.25, 0.01);
  // A lower REMB then wins over the loss-based estimate.
  f.remb(200'000);
  EXPECT_EQ(f.estimates.back(), 200'000);
}

TEST(VideoRtpSender, CleanReportsGrowTheEstimateBack) {
  Fixture f;
  f.send_a_second();
  f.report(0.5);
  const int cut = f.estimates.back();
  f.t += 1s;
  f.report(0.0);
  EXPECT_EQ(f.estimates.back(), static_cast<int>(cut * 1.08));
}

// Pacing and retransmission through the sender's chain (packetizer -> history -> pacer).
namespace {
using roomcast::rtp::RtpPacket;

struct Chain {
  VideoRtpSender sender{VideoCodec::vp8, kSsrc, 96, 1000, 5000, true, {}};
  VideoRtpSender::Clock::time_point t{std::chrono::seconds(100)};

  // Everything the pacer releases from `t` on, waking when it says.
  std::vector<RtpPacket> drain() {
    std::vector<RtpPacket> out;
    for (;;) {
      for (auto& wire : sender.take_due(t)) out.push_back(*RtpPacket::parse(wire));
      auto next = sender.next_send_time();
      if (!next) return out;
      t = *next;
    }
  }
  void nack(std::vector<uint16_t> sequences) {
    roomcast::rtp::Feedback fb;
    fb.kind = roomcast::rtp::FeedbackKind::GenericNack;
    fb.media_ssrc = kSsrc;
    fb.lost_sequences = std::move(sequences);
    sender.on_feedback(fb, t);
  }
};
}  // namespace

TEST(VideoRtpSender, AFramesPacketsArePacedNotBurst) {
  Chain c;
  c.sender.set_target_bitrate(500'000);
  EXPECT_EQ(c.sender.stats().pacing_rate_bps, 1'250'000);
  const std::vector<uint8_t> keyframe(30'000, 0x10);
  const auto made = c.sender.packetize(keyframe, true, 0us, c.t);
  ASSERT_GT(made, 20u);
  EXPECT_EQ(c.sender.take_due(c.t).size(), 1u) << "only the first packet leaves at once";
  ASSERT_TRUE(c.sender.next_send_time());
  EXPECT_GT(*c.sender.next_send_time(), c.t);
  const auto start = c.t;
  const auto rest = c.drain();
  ASSERT_EQ(rest.size(), made - 1);
  for (std::size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].sequence, 1001 + i);
  EXPECT_TRUE(rest.back().marker);
  EXPECT_GT(c.t - start, 30ms) << "spread, within the keyframe budget";
  EXPECT_LT(c.t - start, 70ms);
}

TEST(VideoRtpSender, NackWithoutRtxResendsThePacketAsItWas) {
  Chain c;
  c.sender.packetize(std::vector<uint8_t>(3000, 0x10), true, 0us, c.t);
  const auto sent = c.drain();
  ASSERT_GE(sent.size(), 3u);
  c.nack({1001});
  const auto resent = c.drain();
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0], sent[1]);
  EXPECT_EQ(c.sender.stats().retransmissions, 1u);
  EXPECT_EQ(c.sender.stats().retransmissions_rtx, 0u);
  EXPECT_FALSE(c.sender.stats().rtx);
}

TEST(VideoRtpSender, NackWithRtxSendsOnTheRtxStreamWithTheOriginalSequence) {
  Chain c;
  c.sender.enable_rtx(0x5678, 97, 40);
  c.sender.packetize(std::vector<uint8_t>(3000, 0x10), true, 0us, c.t);
  const auto sent = c.drain();
  ASSERT_GE(sent.size(), 3u);
  c.nack({1002, 1000, 999});  // 999 was never sent: a miss
  const auto resent = c.drain();
  ASSERT_EQ(resent.size(), 2u);
  const uint16_t expected_osn[] = {1002, 1000};
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(resent[i].ssrc, 0x5678u);
    EXPECT_EQ(resent[i].payload_type, 97);
    EXPECT_EQ(resent[i].sequence, 40 + i) << "the RTX stream's own sequence numbers";
    const auto original = roomcast::rtp::unwrap_rtx(resent[i], kSsrc, 96);
    ASSERT_TRUE(original);
    EXPECT_EQ(original->sequence, expected_osn[i]);
    EXPECT_EQ(*original, sent[expected_osn[i] - 1000]);
  }
  EXPECT_EQ(c.sender.stats().retransmissions, 2u);
  EXPECT_EQ(c.sender.stats().retransmissions_rtx, 2u);
  EXPECT_EQ(c.sender.stats().retransmit_misses, 1u);
  EXPECT_TRUE(c.sender.stats().rtx);
}

TEST(VideoRtpSender, RetransmissionsGoAheadOfQueuedMedia) {
  Chain c;
  c.sender.set_target_bitrate(500'000);
  c.sender.packetize(std::vector<uint8_t>(3000, 0x10), false, 0us, c.t);
  c.drain();
  c.t += 33ms;
  c.sender.packetize(std::vector<uint8_t>(30'000, 0x20), true, 33'333us, c.t);
  ASSERT_EQ(c.sender.take_due(c.t).size(), 1u);
  c.nack({1001});
  const auto next = c.drain();
  ASSERT_GT(next.size(), 2u);
  EXPECT_EQ(next[0].sequence, 1001) << "the NACKed packet before the keyframe's rest";
  EXPECT_GT(next[1].sequence, 1003);
}

TEST(VideoRtpSender, NacksAreOnlyCountedWhenNotAnswered) {
  VideoRtpSender sender{VideoCodec::vp8, kSsrc, 96, 1000, 5000, false, {}};
  const VideoRtpSender::Clock::time_point t{std::chrono::seconds(100)};
  sender.packetize(std::vector<uint8_t>(500, 0x10), true, 0us, t);
  EXPECT_EQ(sender.take_due(t).size(), 1u);
  roomcast::rtp::Feedback fb;
  fb.kind = roomcast::rtp::FeedbackKind::GenericNack;
  fb.media_ssrc = kSsrc;
  fb.lost_sequences = {1000};
  sender.on_feedback(fb, t);
  EXPECT_FALSE(sender.next_send_time());
  EXPECT_EQ(sender.stats().nacks_received, 1u);
  EXPECT_EQ(sender.stats().retransmissions, 0u);
}
