// VideoReceiver: PLI until the first keyframe and after a dropped frame, generic NACKs for
// gaps once per round trip, media time from the RTP clock; fake time throughout.
#include "receive/video_receiver.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "rtp/rtcp.hpp"

namespace roomcast::receive {
namespace {

using Clock = VideoReceiver::Clock;
using std::chrono::milliseconds;
constexpr uint32_t kLocal = 0x1234;
constexpr uint32_t kRemote = 0xABCD;
constexpr auto kRtt = milliseconds(50);

// One-packet VP8 frame: minimal descriptor (S=1, PID=0), then a frame tag (RFC 6386 §9.1).
rtp::RtpPacket packet(uint16_t sequence, uint32_t timestamp, bool keyframe, bool marker = true,
                      bool start = true) {
  rtp::RtpPacket p;
  p.payload_type = 96;
  p.sequence = sequence;
  p.timestamp = timestamp;
  p.ssrc = kRemote;
  p.marker = marker;
  p.payload = {static_cast<uint8_t>(start ? 0x10 : 0x00), static_cast<uint8_t>(keyframe ? 0x50 : 0x51),
               0x00, 0x00, 0x9d, 0x01, 0x2a};
  return p;
}

std::vector<rtp::Feedback> feedback_of(const VideoReceiver::Output& out) {
  std::vector<rtp::Feedback> all;
  for (const auto& bytes : out.rtcp) {
    auto compound = rtp::parse_rtcp(bytes);
    EXPECT_TRUE(compound);
    if (compound) all.insert(all.end(), compound->feedback.begin(), compound->feedback.end());
  }
  return all;
}

TEST(VideoReceiver, AsksForAKeyframeUntilOneComes) {
  VideoReceiver r(kLocal);
  Clock::time_point t{};
  auto out = r.on_packet(packet(100, 9000, false), t, kRtt);
  EXPECT_TRUE(out.frames.empty());  // a delta frame before any keyframe is not worth decoding
  auto fb = feedback_of(out);
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].kind, rtp::FeedbackKind::PictureLoss);
  EXPECT_EQ(fb[0].sender_ssrc, kLocal);
  EXPECT_EQ(fb[0].media_ssrc, kRemote);
  // Rate-limited: the next delta frame 33 ms later asks nothing.
  out = r.on_packet(packet(101, 12000, false), t + milliseconds(33), kRtt);
  EXPECT_TRUE(out.rtcp.empty());
  // The keyframe: handed out, and no more PLIs.
  out = r.on_packet(packet(102, 15000, true), t + milliseconds(600), kRtt);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_TRUE(out.frames[0].keyframe);
  EXPECT_EQ(out.frames[0].timestamp, std::chrono::microseconds(0));
  EXPECT_TRUE(out.rtcp.empty());
  out = r.on_packet(packet(103, 18000, false), t + milliseconds(700), kRtt);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].timestamp, std::chrono::microseconds(33333));  // 3000 ticks of 90 kHz
  EXPECT_TRUE(out.rtcp.empty());
  EXPECT_EQ(r.plis_sent(), 1u);
}

TEST(VideoReceiver, NacksAGapOncePerRoundTrip) {
  VideoReceiver r(kLocal);
  Clock::time_point t{};
  ASSERT_FALSE(r.on_packet(packet(10, 0, true), t, kRtt).frames.empty());
  // 11 and 12 lost: the frame starting at 13 spans 13..14.
  auto out = r.on_packet(packet(13, 6000, false, false), t + milliseconds(1), kRtt);
  auto fb = feedback_of(out);
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].kind, rtp::FeedbackKind::GenericNack);
  EXPECT_EQ(fb[0].media_ssrc, kRemote);
  EXPECT_EQ(fb[0].lost_sequences, (std::vector<uint16_t>{11, 12}));
  // Within the round trip: not asked again.
  out = r.on_packet(packet(14, 6000, false, false, false), t + milliseconds(20), kRtt);
  EXPECT_TRUE(feedback_of(out).empty());
  // After it: asked again.
  out = r.on_packet(packet(15, 6000, false, false, false), t + milliseconds(60), kRtt);
  fb = feedback_of(out);
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].lost_sequences, (std::vector<uint16_t>{11, 12}));
  // The retransmissions arrive: nothing more to ask for.
  r.on_packet(packet(11, 3000, false, false), t + milliseconds(70), kRtt);
  EXPECT_FALSE(r.on_packet(packet(12, 3000, false, true, false), t + milliseconds(71), kRtt).frames.empty());
  out = r.on_packet(packet(16, 6000, false, true, false), t + milliseconds(200), kRtt);
  EXPECT_FALSE(out.frames.empty());
  EXPECT_TRUE(out.rtcp.empty());
  EXPECT_EQ(r.nacks_sent(), 2u);
}

TEST(VideoReceiver, GivesUpAfterAFewNacksPerPacket) {
  VideoReceiver r(kLocal);
  Clock::time_point t{};
  r.on_packet(packet(10, 0, true), t, kRtt);
  uint16_t sequence = 12;  // 11 never comes; frames of two packets keep it awaited
  for (int i = 1; i <= 20; ++i) {
    r.on_packet(packet(sequence++, 3000u * i, false, false), t + milliseconds(100) * i, kRtt);
  }
  EXPECT_LE(r.nacks_sent(), static_cast<uint64_t>(VideoReceiver::kMaxNacks) + 1);
}

TEST(VideoReceiver, AfterADroppedFrameDeltasWaitForAKeyframe) {
  VideoReceiver r(kLocal);
  Clock::time_point t{};
  ASSERT_FALSE(r.on_packet(packet(1, 0, true), t, kRtt).frames.empty());
  ASSERT_FALSE(r.on_packet(packet(2, 3000, false), t + milliseconds(33), kRtt).frames.empty());
  // Frame 3000*2 is the start of two packets whose second (4) never comes; frame 9000 at 5
  // completes, and the incomplete one is given up on.
  EXPECT_TRUE(r.on_packet(packet(3, 6000, false, false), t + milliseconds(66), kRtt).frames.empty());
  auto out = r.on_packet(packet(5, 9000, false), t + milliseconds(700), kRtt);
  EXPECT_TRUE(out.frames.empty()) << "a delta frame after a lost one is withheld";
  EXPECT_EQ(r.frames_dropped(), 1u);
  bool pli = false;
  for (const auto& f : feedback_of(out)) pli = pli || f.kind == rtp::FeedbackKind::PictureLoss;
  EXPECT_TRUE(pli);
  EXPECT_TRUE(r.on_packet(packet(6, 12000, false), t + milliseconds(733), kRtt).frames.empty());
  out = r.on_packet(packet(7, 15000, true), t + milliseconds(766), kRtt);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_TRUE(out.frames[0].keyframe);
  EXPECT_FALSE(r.on_packet(packet(8, 18000, false), t + milliseconds(800), kRtt).frames.empty());
}

TEST(VideoReceiver, DecoderTroubleAsksForAKeyframeRateLimited) {
  VideoReceiver r(kLocal);
  Clock::time_point t{};
  EXPECT_TRUE(r.request_keyframe(t).empty());  // no media SSRC known yet
  r.on_packet(packet(1, 0, true), t, kRtt);
  const auto pli = r.request_keyframe(t + milliseconds(10));
  ASSERT_FALSE(pli.empty());
  EXPECT_TRUE(r.request_keyframe(t + milliseconds(100)).empty());
  EXPECT_FALSE(r.request_keyframe(t + milliseconds(10) + VideoReceiver::kPliInterval).empty());
}

}  // namespace
}  // namespace roomcast::receive
