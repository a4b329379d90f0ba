// Vp8Decoder: what Vp8Encoder makes decodes back to its size and brightness; a stream that
// starts without a keyframe is refused until one comes; the PNG capture of a picture.
#include "receive/vp8_decoder.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "media/vp8_encoder.hpp"
#include "receive/png_image.hpp"
#include "roomcast/error.hpp"
#include "test_video_pictures.hpp"

namespace roomcast::receive {
namespace {

using std::chrono::microseconds;

using media::test::kHeight, media::test::kWidth, media::test::mean;

media::I420Frame picture(int n, uint8_t luma) { return media::test::bar_picture(n, luma); }

std::vector<media::EncodedVideoFrame> encode(int count, uint8_t luma) {
  media::Vp8Encoder encoder(media::Vp8EncoderSettings{});
  std::vector<media::EncodedVideoFrame> out;
  for (int n = 0; n < count; ++n)
    if (auto frame = encoder.encode(picture(n, luma), false)) out.push_back(std::move(*frame));
  return out;
}

TEST(Vp8Decoder, DecodesWhatTheEncoderMakes) {
  const auto frames = encode(10, 90);
  ASSERT_GE(frames.size(), 5u);
  ASSERT_TRUE(frames[0].keyframe);
  EXPECT_TRUE(is_vp8_keyframe(frames[0].data));
  EXPECT_FALSE(is_vp8_keyframe(frames[1].data));
  Vp8Decoder decoder;
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto out = decoder.decode(frames[i].data, microseconds(1000 * static_cast<int64_t>(i)));
    ASSERT_TRUE(out) << "frame " << i;
    EXPECT_EQ(out->width, kWidth);
    EXPECT_EQ(out->height, kHeight);
    EXPECT_EQ(out->timestamp, microseconds(1000 * static_cast<int64_t>(i)));
    ASSERT_EQ(out->y.size(), static_cast<size_t>(kWidth) * kHeight);
    ASSERT_EQ(out->u.size(), static_cast<size_t>(kWidth / 2) * (kHeight / 2));
    ASSERT_EQ(out->v.size(), out->u.size());
    // Mostly luma 90, the bar 235 over 1600 of 230400 pixels: about 91.
    EXPECT_NEAR(mean(out->y), 91.0, 3.0) << "frame " << i;
    // The background away from the bar keeps its level; the bar is bright where it was drawn.
    EXPECT_NEAR(out->y[static_cast<size_t>(300) * kWidth + 320], 90, 6);
    EXPECT_GT(out->y[static_cast<size_t>(120) * kWidth + 10 * static_cast<int>(i) + 20], 200);
    EXPECT_NEAR(mean(out->u), 128.0, 2.0);
  }
  EXPECT_EQ(decoder.frames_decoded(), frames.size());
  EXPECT_EQ(decoder.frames_failed(), 0u);
  EXPECT_TRUE(decoder.in_sync());
}

TEST(Vp8Decoder, WaitsForAKeyframe) {
  const auto frames = encode(4, 60);
  ASSERT_GE(frames.size(), 3u);
  Vp8Decoder decoder;
  // Joined mid-stream: the delta frames have nothing to refer to.
  EXPECT_FALSE(decoder.decode(frames[1].data, microseconds(0)));
  EXPECT_FALSE(decoder.decode(frames[2].data, microseconds(0)));
  EXPECT_EQ(decoder.frames_failed(), 2u);
  EXPECT_FALSE(decoder.in_sync());
  const auto key = decoder.decode(frames[0].data, microseconds(5));
  ASSERT_TRUE(key);
  EXPECT_NEAR(mean(key->y), 61.0, 3.0);
  EXPECT_TRUE(decoder.in_sync());
}

TEST(Vp8Decoder, GarbageIsRefusedNotThrown) {
  Vp8Decoder decoder;
  const auto frames = encode(1, 128);
  ASSERT_FALSE(frames.empty());
  std::vector<uint8_t> broken = frames[0].data;
  broken.resize(12);  // a keyframe header, then nothing
  EXPECT_FALSE(decoder.decode(broken, microseconds(0)));
  EXPECT_FALSE(decoder.decode(std::vector<uint8_t>{}, microseconds(0)));
  EXPECT_FALSE(decoder.in_sync());
  // And it recovers with a whole keyframe.
  EXPECT_TRUE(decoder.decode(frames[0].data, microseconds(0)));
}

TEST(PngImage, EncodesAPictureAsPng) {
  const auto frames = encode(1, 128);
  ASSERT_FALSE(frames.empty());
  Vp8Decoder decoder;
  const auto decoded = decoder.decode(frames[0].data, microseconds(0));
  ASSERT_TRUE(decoded);
  const auto png = encode_png(*decoded);
  // RFC 2083 §3.1 signature, then IHDR with width and height big-endian (§4.1.1).
  ASSERT_GT(png.size(), 33u);
  const std::vector<uint8_t> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_TRUE(std::equal(signature.begin(), signature.end(), png.begin()));
  EXPECT_EQ(std::string(png.begin() + 12, png.begin() + 16), "IHDR");
  auto be32 = [&](size_t at) {
    return (uint32_t{png[at]} << 24) | (uint32_t{png[at + 1]} << 16) | (uint32_t{png[at + 2]} << 8) |
           png[at + 3];
  };
  EXPECT_EQ(be32(16), static_cast<uint32_t>(kWidth));
  EXPECT_EQ(be32(20), static_cast<uint32_t>(kHeight));
  EXPECT_EQ(png[24], 8);  // bit depth
  EXPECT_EQ(png[25], 2);  // colour type: RGB
}

TEST(PngImage, EmptyPictureIsAMediaError) {
  EXPECT_THROW(encode_png(media::I420Frame{}), roomcast::Error);
}

}  // namespace
}  // namespace roomcast::receive
