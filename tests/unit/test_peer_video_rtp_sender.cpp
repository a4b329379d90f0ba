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
