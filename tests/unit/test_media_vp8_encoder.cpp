// Vp8Encoder: keyframes, decodability (libvpx's own decoder), rate control, refusals.
#include <gtest/gtest.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "media/vp8_encoder.hpp"
#include "roomcast/error.hpp"
#include "test_video_pictures.hpp"

namespace roomcast::media {
namespace {

using std::chrono::microseconds;
using namespace roomcast::media::test;


// libvpx's VP8 decoder: what a receiving browser would do with our frames.
class Vp8Decoder {
public:
  Vp8Decoder() {
    if (vpx_codec_dec_init(&codec_, vpx_codec_vp8_dx(), nullptr, 0) != VPX_CODEC_OK) {
      throw std::runtime_error("vpx_codec_dec_init failed");
    }
  }
  ~Vp8Decoder() { vpx_codec_destroy(&codec_); }
  Vp8Decoder(const Vp8Decoder&) = delete;
  Vp8Decoder& operator=(const Vp8Decoder&) = delete;

  // The decoded picture; nullptr when libvpx refused the data.
  const vpx_image_t* decode(const std::vector<uint8_t>& data) {
    if (vpx_codec_decode(&codec_, data.data(), static_cast<unsigned>(data.size()), nullptr, 0) !=
        VPX_CODEC_OK) {
      return nullptr;
    }
    vpx_codec_iter_t iter = nullptr;
    return vpx_codec_get_frame(&codec_, &iter);
  }

private:
  vpx_codec_ctx_t codec_{};
};

TEST(Vp8Encoder, FirstFrameIsAKeyframeThenDeltasWithTheirTimestamps) {
  Vp8Encoder encoder(Vp8EncoderSettings{});
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < 30; ++n) {
    const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(n, texture), false);
    ASSERT_TRUE(out) << "frame " << n << " dropped";
    EXPECT_EQ(out->keyframe, n == 0) << "frame " << n;
    EXPECT_EQ(out->timestamp, microseconds(n * 1000000LL / 30));
    EXPECT_EQ(out->width, kWidth);
    EXPECT_EQ(out->height, kHeight);
    ASSERT_GE(out->data.size(), 3u);
    // RFC 6386 9.1: bit 0 of the first byte is 0 for a keyframe; keyframes carry the start
    // code 9d 01 2a at bytes 3..5.
    EXPECT_EQ((out->data[0] & 1) == 0, n == 0) << "frame " << n;
    if (n == 0) {
      ASSERT_GE(out->data.size(), 10u);
      EXPECT_EQ(out->data[3], 0x9d);
      EXPECT_EQ(out->data[4], 0x01);
      EXPECT_EQ(out->data[5], 0x2a);
      EXPECT_EQ(out->data[6] | (out->data[7] & 0x3f) << 8, kWidth);
      EXPECT_EQ(out->data[8] | (out->data[9] & 0x3f) << 8, kHeight);
    }
  }
}

TEST(Vp8Encoder, ForcedKeyframeIsHonoured) {
  Vp8Encoder encoder(Vp8EncoderSettings{});
  std::vector<int> keyframes;
  collect_keyframes(encoder, 30, 17, &keyframes);
  EXPECT_EQ(keyframes, (std::vector<int>{0, 17}));
}

TEST(Vp8Encoder, KeyframeIntervalBringsKeyframesUnasked) {
  // 500 ms at 30 fps: a keyframe every 15 frames at the latest.
  Vp8Encoder encoder(Vp8EncoderSettings{.keyframe_interval = std::chrono::milliseconds(500)});
  std::vector<int> keyframes;
  collect_keyframes(encoder, 60, -1, &keyframes);
  expect_keyframe_every_15_frames(keyframes);
}

TEST(Vp8Encoder, OutputDecodesToThePictureSent) {
  Vp8Encoder encoder(Vp8EncoderSettings{});
  Vp8Decoder decoder;
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < 30; ++n) {
    SCOPED_TRACE("frame " + std::to_string(n));
    const I420Frame input = pattern(n, texture);
    const std::optional<EncodedVideoFrame> out = encoder.encode(input, false);
    ASSERT_TRUE(out);
    const vpx_image_t* image = decoder.decode(out->data);
    ASSERT_NE(image, nullptr);
    ASSERT_EQ(image->d_w, static_cast<unsigned>(kWidth));
    ASSERT_EQ(image->d_h, static_cast<unsigned>(kHeight));
    const uint8_t* y = image->planes[VPX_PLANE_Y];
    const int stride = image->stride[VPX_PLANE_Y];
    // The still patch, the moving box (inside its edges) and a stretch of background.
    EXPECT_NEAR(mean_luma(y, stride, kPatchX + 8, kPatchY + 8, kPatchSize - 16), kPatchLuma, 4);
    EXPECT_NEAR(mean_luma(y, stride, box_x(n) + 8, kBoxY + 8, kBoxSize - 16), kBoxLuma, 4);
    EXPECT_NEAR(mean_luma(y, stride, 400, 40, 96),
                mean_luma(input.y.data(), kWidth, 400, 40, 96), 4);
    EXPECT_NEAR(mean_luma(image->planes[VPX_PLANE_U], image->stride[VPX_PLANE_U], 100, 60, 32),
                100, 3);
    EXPECT_NEAR(mean_luma(image->planes[VPX_PLANE_V], image->stride[VPX_PLANE_V], 100, 60, 32),
                160, 3);
  }
}


TEST(Vp8Encoder, SetBitrateLowersTheFrameSize) {
  Vp8Encoder encoder(Vp8EncoderSettings{.bitrate_bps = 1500000});
  expect_set_bitrate_lowers_the_frame_size(encoder, [](int n) { return n > 0; });
}

std::string config_error(const Vp8EncoderSettings& settings) {
  return test::config_error<Vp8Encoder>(settings);
}

TEST(Vp8Encoder, RefusesSettingsOutOfRange) {
  EXPECT_EQ(config_error({.width = 0}),
            "VP8 video size 0x360 is out of range; give 1 to 16383 pixels each way (e.g. 640x360)");
  EXPECT_EQ(config_error({.height = 20000}), "VP8 video size 640x20000 is out of range; give 1 "
                                             "to 16383 pixels each way (e.g. 640x360)");
  expect_rate_refusals<Vp8Encoder, Vp8EncoderSettings>("VP8");
}

TEST(Vp8Encoder, FrameOfAnotherSizeIsAMediaError) {
  expect_other_size_refused<Vp8Encoder, Vp8EncoderSettings>("VP8");
}

TEST(Vp8Encoder, RepeatedTimestampsStillEncode) {
  expect_repeated_timestamps_still_encode<Vp8Encoder, Vp8Decoder>(Vp8EncoderSettings{});
}

} // namespace
} // namespace roomcast::media
