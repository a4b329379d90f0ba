// H264Encoder: IDRs with SPS/PPS, constrained baseline, decodability (FFmpeg's h264), refusals.
#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "media/h264_encoder.hpp"
#include "roomcast/error.hpp"
#include "rtp/h264_depacketizer.hpp"
#include "rtp/h264_nal.hpp"
#include "rtp/h264_packetizer.hpp"
#include "test_video_pictures.hpp"

namespace roomcast::media {
namespace {

using std::chrono::microseconds;
using namespace roomcast::media::test;


std::vector<uint8_t> nal_types(const std::vector<uint8_t>& annexb) {
  std::vector<uint8_t> types;
  for (const auto nal : rtp::split_annexb(annexb)) types.push_back(rtp::h264_nal_type(nal[0]));
  return types;
}

// SPS and PPS come before the first slice of an IDR access unit, and it has no P slices.
void expect_idr_with_parameter_sets(const std::vector<uint8_t>& annexb) {
  const std::vector<uint8_t> types = nal_types(annexb);
  const auto idr = std::ranges::find(types, rtp::kH264NalIdr);
  ASSERT_NE(idr, types.end());
  EXPECT_NE(std::find(types.begin(), idr, rtp::kH264NalSps), idr);
  EXPECT_NE(std::find(types.begin(), idr, rtp::kH264NalPps), idr);
  EXPECT_EQ(std::ranges::count(types, rtp::kH264NalSlice), 0);
  EXPECT_EQ(std::ranges::count(types, rtp::kH264NalAud), 0);
}

// FFmpeg's H.264 decoder: what a receiver would do with our access units.
class H264Decoder {
public:
  H264Decoder() {
    context_ = avcodec_alloc_context3(avcodec_find_decoder(AV_CODEC_ID_H264));
    frame_ = av_frame_alloc();
    packet_ = av_packet_alloc();
    if (!context_ || !frame_ || !packet_) throw std::runtime_error("decoder allocation failed");
    context_->thread_count = 1; // no frame threads: a picture out for each access unit in
    if (avcodec_open2(context_, context_->codec, nullptr) < 0) {
      throw std::runtime_error("avcodec_open2 failed");
    }
  }
  ~H264Decoder() {
    av_packet_free(&packet_);
    av_frame_free(&frame_);
    avcodec_free_context(&context_);
  }
  H264Decoder(const H264Decoder&) = delete;
  H264Decoder& operator=(const H264Decoder&) = delete;

  // The decoded picture; nullptr when FFmpeg refused the data or gave no picture.
  const AVFrame* decode(const std::vector<uint8_t>& data) {
    if (av_new_packet(packet_, static_cast<int>(data.size())) < 0) return nullptr;
    std::copy(data.begin(), data.end(), packet_->data);
    const int sent = avcodec_send_packet(context_, packet_);
    av_packet_unref(packet_);
    if (sent < 0) return nullptr;
    av_frame_unref(frame_);
    return avcodec_receive_frame(context_, frame_) < 0 ? nullptr : frame_;
  }

private:
  AVCodecContext* context_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
};

TEST(H264Encoder, FirstFrameIsIdrWithParameterSetsThenNoIdrs) {
  H264Encoder encoder(H264EncoderSettings{});
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < 30; ++n) {
    SCOPED_TRACE("frame " + std::to_string(n));
    const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(n, texture), false);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->keyframe, n == 0);
    EXPECT_EQ(out->timestamp, microseconds(n * 1000000LL / 30));
    EXPECT_EQ(out->width, kWidth);
    EXPECT_EQ(out->height, kHeight);
    // Annex-B: the access unit opens with a 4-octet start code.
    ASSERT_GE(out->data.size(), 5u);
    EXPECT_EQ((std::vector<uint8_t>(out->data.begin(), out->data.begin() + 4)),
              (std::vector<uint8_t>{0, 0, 0, 1}));
    const std::vector<uint8_t> types = nal_types(out->data);
    if (n == 0) {
      expect_idr_with_parameter_sets(out->data);
    } else {
      EXPECT_EQ(std::ranges::count(types, rtp::kH264NalIdr), 0);
      EXPECT_EQ(std::ranges::count(types, rtp::kH264NalSps), 0);
      EXPECT_GE(std::ranges::count(types, rtp::kH264NalSlice), 1);
    }
    EXPECT_EQ(rtp::H264Packetizer::is_keyframe(out->data), out->keyframe);
  }
}

TEST(H264Encoder, SpsSaysConstrainedBaselineLevel31) {
  H264Encoder encoder(H264EncoderSettings{});
  const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(0, make_texture(4)), false);
  ASSERT_TRUE(out);
  int sps_count = 0;
  for (const auto nal : rtp::split_annexb(out->data)) {
    if (rtp::h264_nal_type(nal[0]) != rtp::kH264NalSps) continue;
    ++sps_count;
    ASSERT_GE(nal.size(), 4u);
    EXPECT_EQ(nal[1], 66);         // profile_idc: Baseline
    EXPECT_NE(nal[2] & 0x40, 0);   // constraint_set1_flag: constrained baseline (A.2.1.1)
    EXPECT_EQ(nal[2] & 0x03, 0);   // reserved_zero_2bits
    EXPECT_EQ(nal[3], 31);         // level_idc: 3.1, as profile-level-id 42e01f says
  }
  EXPECT_EQ(sps_count, 1);
}

TEST(H264Encoder, ForcedKeyframeIsIdrWithParameterSetsAgain) {
  H264Encoder encoder(H264EncoderSettings{});
  std::vector<int> keyframes;
  collect_keyframes(encoder, 30, 17, &keyframes, expect_idr_with_parameter_sets);
  EXPECT_EQ(keyframes, (std::vector<int>{0, 17}));
}

TEST(H264Encoder, KeyframeIntervalBringsIdrsUnasked) {
  // 500 ms at 30 fps: an IDR every 15 frames at the latest.
  H264Encoder encoder(H264EncoderSettings{.keyframe_interval = std::chrono::milliseconds(500)});
  std::vector<int> keyframes;
  collect_keyframes(encoder, 60, -1, &keyframes, expect_idr_with_parameter_sets);
  expect_keyframe_every_15_frames(keyframes);
}

void expect_picture(const AVFrame* image, const I420Frame& input, int n) {
  ASSERT_NE(image, nullptr);
  ASSERT_EQ(image->width, kWidth);
  ASSERT_EQ(image->height, kHeight);
  const uint8_t* y = image->data[0];
  const int stride = image->linesize[0];
  // The still patch, the moving box (inside its edges) and a stretch of background.
  EXPECT_NEAR(mean_luma(y, stride, kPatchX + 8, kPatchY + 8, kPatchSize - 16), kPatchLuma, 4);
  EXPECT_NEAR(mean_luma(y, stride, box_x(n) + 8, kBoxY + 8, kBoxSize - 16), kBoxLuma, 4);
  EXPECT_NEAR(mean_luma(y, stride, 400, 40, 96), mean_luma(input.y.data(), kWidth, 400, 40, 96),
              4);
  EXPECT_NEAR(mean_luma(image->data[1], image->linesize[1], 100, 60, 32), 100, 3);
  EXPECT_NEAR(mean_luma(image->data[2], image->linesize[2], 100, 60, 32), 160, 3);
}

TEST(H264Encoder, OutputDecodesToThePictureSent) {
  H264Encoder encoder(H264EncoderSettings{});
  H264Decoder decoder;
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < 30; ++n) {
    SCOPED_TRACE("frame " + std::to_string(n));
    const I420Frame input = pattern(n, texture);
    const std::optional<EncodedVideoFrame> out = encoder.encode(input, n == 20);
    ASSERT_TRUE(out);
    expect_picture(decoder.decode(out->data), input, n);
  }
}

TEST(H264Encoder, DecodesAfterPacketizingAndReassembly) {
  H264Encoder encoder(H264EncoderSettings{});
  rtp::H264Packetizer packetizer(0x1234, 102, 65500);
  rtp::H264Depacketizer depacketizer;
  H264Decoder decoder;
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < 10; ++n) {
    SCOPED_TRACE("frame " + std::to_string(n));
    const I420Frame input = pattern(n, texture);
    const std::optional<EncodedVideoFrame> out = encoder.encode(input, false);
    ASSERT_TRUE(out);
    auto packets = packetizer.packetize(out->data, static_cast<uint32_t>(n * 3000));
    ASSERT_FALSE(packets.empty());
    std::ranges::reverse(packets); // the marker first: nothing completes before the start
    std::vector<rtp::H264Frame> frames;
    for (const auto& packet : packets) {
      ASSERT_LE(packet.payload.size(), 1200u);
      for (auto& frame : depacketizer.push(packet)) frames.push_back(std::move(frame));
    }
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].keyframe, out->keyframe);
    // The same units; start codes may differ (x264 writes 3-octet ones for later slices).
    const auto sent = rtp::split_annexb(out->data);
    const auto received = rtp::split_annexb(frames[0].payload);
    ASSERT_EQ(received.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
      EXPECT_TRUE(std::ranges::equal(received[i], sent[i])) << "unit " << i;
    }
    expect_picture(decoder.decode(frames[0].payload), input, n);
  }
}


TEST(H264Encoder, SetBitrateLowersTheFrameSize) {
  H264Encoder encoder(H264EncoderSettings{.bitrate_bps = 1500000});
  // The first IDR is large at any rate; frame 60, where the target changes, is left out too.
  expect_set_bitrate_lowers_the_frame_size(encoder, [](int n) { return n > 0 && n != 60; });
}

std::string config_error(const H264EncoderSettings& settings) {
  return test::config_error<H264Encoder>(settings);
}

TEST(H264Encoder, RefusesSettingsOutOfRange) {
  const std::string size_hint = " is out of range; give even sizes of at most 3600 macroblocks "
                                "(level 3.1, e.g. 640x360 or 1280x720)";
  EXPECT_EQ(config_error({.width = 0}), "H.264 video size 0x360" + size_hint);
  EXPECT_EQ(config_error({.width = 641}), "H.264 video size 641x360" + size_hint);
  EXPECT_EQ(config_error({.width = 1920, .height = 1080}), "H.264 video size 1920x1080" + size_hint);
  EXPECT_EQ(config_error({.width = 1280, .height = 720, .fps = 60}),
            "H.264 1280x720 at 60 fps is beyond level 3.1 (108000 macroblocks a second); lower "
            "the size or the frame rate (e.g. 1280x720 at 30)");
  EXPECT_EQ(config_error({.width = 1280, .height = 720}), "(no error)");
  expect_rate_refusals<H264Encoder, H264EncoderSettings>("H.264");
}

TEST(H264Encoder, FrameOfAnotherSizeIsAMediaError) {
  expect_other_size_refused<H264Encoder, H264EncoderSettings>("H.264");
}

TEST(H264Encoder, RepeatedTimestampsStillEncode) {
  expect_repeated_timestamps_still_encode<H264Encoder, H264Decoder>(H264EncoderSettings{});
}

} // namespace
} // namespace roomcast::media
