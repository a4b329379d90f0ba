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

namespace roomcast::media {
namespace {

using std::chrono::microseconds;

constexpr int kWidth = 640;
constexpr int kHeight = 360;
constexpr int kBoxSize = 80;
constexpr uint8_t kBoxLuma = 210;
constexpr uint8_t kPatchLuma = 40;
// Where the fixed dark patch sits (top left), away from the moving box.
constexpr int kPatchX = 16, kPatchY = 16, kPatchSize = 64;

int box_x(int n) { return 160 + 8 * n; } // moves right 8 px a frame
constexpr int kBoxY = 200;

// Frame n of a moving pattern: a textured background drifting left, a dark still patch and
// a bright box sliding right; timestamps at 30 fps.
I420Frame pattern(int n, const std::vector<uint8_t>& texture) {
  I420Frame frame;
  frame.width = kWidth;
  frame.height = kHeight;
  frame.timestamp = microseconds(n * 1000000LL / 30);
  frame.y.resize(static_cast<std::size_t>(kWidth) * kHeight);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      uint8_t luma = texture[static_cast<std::size_t>(y) * kWidth + (x + 4 * n) % kWidth];
      if (x >= kPatchX && x < kPatchX + kPatchSize && y >= kPatchY && y < kPatchY + kPatchSize) {
        luma = kPatchLuma;
      }
      if (x >= box_x(n) && x < box_x(n) + kBoxSize && y >= kBoxY && y < kBoxY + kBoxSize) {
        luma = kBoxLuma;
      }
      frame.y[static_cast<std::size_t>(y) * kWidth + x] = luma;
    }
  }
  frame.u.assign(static_cast<std::size_t>(kWidth / 2) * (kHeight / 2), 100);
  frame.v.assign(frame.u.size(), 160);
  return frame;
}

// Smooth blobs plus fine noise: costly enough that the bitrate matters.
std::vector<uint8_t> make_texture(double noise) {
  std::mt19937 rng(11);
  std::normal_distribution<double> grain(0.0, noise);
  std::vector<uint8_t> texture(static_cast<std::size_t>(kWidth) * kHeight);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const double v = 128 + 50 * std::sin(x * 0.05) * std::cos(y * 0.07) + grain(rng);
      texture[static_cast<std::size_t>(y) * kWidth + x] =
          static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
    }
  }
  return texture;
}

double mean_luma(const uint8_t* plane, int stride, int x0, int y0, int size) {
  double sum = 0;
  for (int y = y0; y < y0 + size; ++y) {
    for (int x = x0; x < x0 + size; ++x) {
      sum += plane[static_cast<std::size_t>(y) * stride + x];
    }
  }
  return sum / (size * size);
}

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
  const std::vector<uint8_t> texture = make_texture(4);
  std::vector<int> keyframes;
  for (int n = 0; n < 30; ++n) {
    const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(n, texture), n == 17);
    ASSERT_TRUE(out);
    if (out->keyframe) {
      keyframes.push_back(n);
    }
  }
  EXPECT_EQ(keyframes, (std::vector<int>{0, 17}));
}

TEST(Vp8Encoder, KeyframeIntervalBringsKeyframesUnasked) {
  // 500 ms at 30 fps: a keyframe every 15 frames at the latest.
  Vp8Encoder encoder(Vp8EncoderSettings{.keyframe_interval = std::chrono::milliseconds(500)});
  const std::vector<uint8_t> texture = make_texture(4);
  int last_key = -1;
  int keys = 0;
  for (int n = 0; n < 60; ++n) {
    const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(n, texture), false);
    ASSERT_TRUE(out);
    if (out->keyframe) {
      EXPECT_LE(n - last_key, 15) << "frame " << n;
      last_key = n;
      ++keys;
    }
  }
  EXPECT_GE(keys, 4);
  EXPECT_GE(59 - last_key, 0);
  EXPECT_LE(59 - last_key, 15);
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

double mean_bytes(const std::vector<std::size_t>& sizes) {
  return static_cast<double>(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0})) /
         static_cast<double>(sizes.size());
}

TEST(Vp8Encoder, SetBitrateLowersTheFrameSize) {
  Vp8Encoder encoder(Vp8EncoderSettings{.bitrate_bps = 1500000});
  const std::vector<uint8_t> texture = make_texture(24);
  std::vector<std::size_t> high, low;
  for (int n = 0; n < 120; ++n) {
    if (n == 60) {
      encoder.set_bitrate(200000);
      EXPECT_EQ(encoder.settings().bitrate_bps, 200000);
    }
    const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(n, texture), false);
    ASSERT_TRUE(out) << "frame " << n;
    if (n > 0) { // the first keyframe is large at any rate
      (n < 60 ? high : low).push_back(out->data.size());
    }
  }
  const double high_bps = mean_bytes(high) * 8 * 30;
  const double low_bps = mean_bytes(low) * 8 * 30;
  EXPECT_LT(low_bps, high_bps / 3) << high_bps << " then " << low_bps;
  // The encoder spends what it is given (CBR) and then follows the new target; this busy
  // picture cannot get all the way down to 200 kbps at VP8's coarsest quantizer.
  EXPECT_GT(high_bps, 1500000 * 0.5);
  EXPECT_LT(high_bps, 1500000 * 1.3);
  EXPECT_LT(low_bps, 200000 * 2.0);
}

std::string config_error(const Vp8EncoderSettings& settings) {
  try {
    Vp8Encoder encoder(settings);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    return e.what();
  }
  return "(no error)";
}

TEST(Vp8Encoder, RefusesSettingsOutOfRange) {
  EXPECT_EQ(config_error({.width = 0}),
            "VP8 video size 0x360 is out of range; give 1 to 16383 pixels each way (e.g. 640x360)");
  EXPECT_EQ(config_error({.height = 20000}), "VP8 video size 640x20000 is out of range; give 1 "
                                             "to 16383 pixels each way (e.g. 640x360)");
  EXPECT_EQ(config_error({.fps = 0}), "VP8 frame rate 0 is out of range; give 1 to 120");
  EXPECT_EQ(config_error({.bitrate_bps = 5000}),
            "VP8 bitrate 5000 bps is too low; give 10000 bps or more (e.g. 800000 for 640x360)");
  EXPECT_EQ(config_error({.keyframe_interval = std::chrono::milliseconds(0)}),
            "VP8 keyframe interval 0 ms is not positive; give e.g. 3000 ms");
  Vp8Encoder encoder(Vp8EncoderSettings{});
  try {
    encoder.set_bitrate(0);
    ADD_FAILURE() << "set_bitrate(0) accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_EQ(std::string(e.what()), "VP8 bitrate 0 bps is too low; give 10000 bps or more");
  }
  EXPECT_EQ(encoder.settings().bitrate_bps, 800000);
}

TEST(Vp8Encoder, FrameOfAnotherSizeIsAMediaError) {
  Vp8Encoder encoder(Vp8EncoderSettings{.width = 320, .height = 180});
  const std::vector<uint8_t> texture = make_texture(4);
  try {
    encoder.encode(pattern(0, texture), false);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    EXPECT_EQ(std::string(e.what()), "VP8 encoder set up for 320x180 got a 640x360 frame; scale "
                                     "frames to the encoder's size first");
  }
}

TEST(Vp8Encoder, RepeatedTimestampsStillEncode) {
  Vp8Encoder encoder(Vp8EncoderSettings{});
  Vp8Decoder decoder;
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < 5; ++n) {
    I420Frame frame = pattern(n, texture);
    frame.timestamp = microseconds(0); // a source that stamps nothing
    const std::optional<EncodedVideoFrame> out = encoder.encode(frame, false);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->timestamp, microseconds(0));
    EXPECT_NE(decoder.decode(out->data), nullptr);
  }
}

} // namespace
} // namespace roomcast::media
