// H264Decoder and the H.264 receive path: H264Encoder's access units, packetized (RFC 6184)
// and reassembled by VideoReceiver, decode back to the picture's size and brightness; a stream
// joined after its IDR is refused until the next one; a lost packet withholds frames until an IDR.
#include "receive/h264_decoder.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "media/h264_encoder.hpp"
#include "receive/video_receiver.hpp"
#include "rtp/h264_packetizer.hpp"
#include "test_video_pictures.hpp"

namespace roomcast::receive {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

using media::test::kHeight, media::test::kWidth, media::test::mean;

media::I420Frame picture(int n, uint8_t luma) { return media::test::bar_picture(n, luma); }

// `count` frames; frame n is forced to be an IDR when n is in `idrs`.
std::vector<media::EncodedVideoFrame> encode(int count, uint8_t luma, std::vector<int> idrs = {}) {
  media::H264Encoder encoder(media::H264EncoderSettings{});
  std::vector<media::EncodedVideoFrame> out;
  for (int n = 0; n < count; ++n) {
    const bool force = std::find(idrs.begin(), idrs.end(), n) != idrs.end();
    if (auto frame = encoder.encode(picture(n, luma), force)) out.push_back(std::move(*frame));
  }
  return out;
}

TEST(H264Decoder, DecodesWhatTheEncoderMakes) {
  const auto frames = encode(10, 90);
  ASSERT_EQ(frames.size(), 10u);
  EXPECT_TRUE(is_h264_keyframe(frames[0].data));
  EXPECT_FALSE(is_h264_keyframe(frames[1].data));
  H264Decoder decoder;
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto decoded = decoder.decode(frames[i].data, frames[i].timestamp);
    ASSERT_TRUE(decoded) << "frame " << i;
    EXPECT_EQ(decoded->width, kWidth);
    EXPECT_EQ(decoded->height, kHeight);
    EXPECT_EQ(decoded->timestamp, frames[i].timestamp);
    EXPECT_NEAR(mean(decoded->u), 128, 2);
    EXPECT_NEAR(mean(decoded->y), mean(picture(static_cast<int>(i), 90).y), 3);
  }
  EXPECT_EQ(decoder.frames_decoded(), 10u);
}

TEST(H264Decoder, WaitsForAnIdr) {
  const auto frames = encode(6, 128, {4});
  ASSERT_EQ(frames.size(), 6u);
  ASSERT_TRUE(is_h264_keyframe(frames[4].data));
  H264Decoder decoder;
  for (int i = 1; i < 4; ++i) EXPECT_FALSE(decoder.decode(frames[i].data, microseconds(0))) << i;
  EXPECT_FALSE(decoder.in_sync());
  EXPECT_TRUE(decoder.decode(frames[4].data, microseconds(0)));
  EXPECT_TRUE(decoder.decode(frames[5].data, microseconds(0)));
}

TEST(H264Decoder, GarbageIsRefusedNotThrown) {
  H264Decoder decoder;
  const std::vector<uint8_t> garbage = {0, 0, 0, 1, 0x65, 0xff, 0x00, 0x12, 0x34};  // an IDR header, no slice
  EXPECT_FALSE(decoder.decode(garbage, microseconds(0)));
  EXPECT_FALSE(decoder.decode({}, microseconds(0)));
}

// Through the RTP path: packetize at 1200 octets (the IDR needs FU-As), lose one packet of
// frame 3, and see the receiver withhold frames (with a PLI) until the forced IDR at 6.
TEST(H264Receive, PacketsToPicturesWithALossRecoveredByAnIdr) {
  const auto frames = encode(9, 100, {6});
  ASSERT_EQ(frames.size(), 9u);
  rtp::H264Packetizer packetizer(0x1234, 102, 1000);
  VideoReceiver receiver(0x9999, VideoCodec::h264);
  H264Decoder decoder;
  const VideoReceiver::Clock::time_point t{};
  int decoded = 0;
  std::vector<size_t> shown;
  bool pli = false;
  for (size_t i = 0; i < frames.size(); ++i) {
    auto packets = packetizer.packetize(frames[i].data, static_cast<uint32_t>(3000 * i));
    if (i == 0) {
      ASSERT_GT(packets.size(), 1u) << "the IDR spans several packets";
    }
    for (size_t p = 0; p < packets.size(); ++p) {
      if (i == 3 && p == 0) continue;  // lost
      auto wire = packets[p].serialize();
      auto parsed = rtp::RtpPacket::parse(wire);
      ASSERT_TRUE(parsed);
      auto out = receiver.on_packet(*parsed, t + milliseconds(33) * static_cast<int>(i), milliseconds(50));
      if (!out.rtcp.empty() && i >= 3) pli = true;
      for (auto& frame : out.frames) {
        auto picture = decoder.decode(frame.payload, frame.timestamp);
        ASSERT_TRUE(picture);
        EXPECT_EQ(picture->width, kWidth);
        ++decoded;
        shown.push_back(static_cast<size_t>((frame.timestamp.count() * 30 + 500000) / 1000000));
      }
    }
  }
  EXPECT_TRUE(pli) << "the loss asks for a keyframe (or NACKs the packet)";
  EXPECT_EQ(shown, (std::vector<size_t>{0, 1, 2, 6, 7, 8}));
  EXPECT_EQ(decoded, 6);
}

}  // namespace
}  // namespace roomcast::receive
