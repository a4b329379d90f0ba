// VideoFrame sizes and VideoScaler: every pixel format to BT.601 I420, scaling, shape changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "media/video_scaler.hpp"
#include "roomcast/error.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast::media {
namespace {

using std::chrono::microseconds;

struct Rgb {
  uint8_t r, g, b;
};
struct Yuv {
  int y, u, v;
};

// BT.601 limited range (what libyuv and WebRTC receivers assume), rounded.
struct Colour {
  const char* name;
  Rgb rgb;
  Yuv yuv;
};
const Colour kColours[] = {
    {"white", {255, 255, 255}, {235, 128, 128}}, {"black", {0, 0, 0}, {16, 128, 128}},
    {"red", {255, 0, 0}, {81, 90, 240}},         {"green", {0, 255, 0}, {145, 54, 34}},
    {"blue", {0, 0, 255}, {41, 240, 110}},
};

// A solid frame of `rgb` in one of the packed formats.
VideoFrame packed_frame(PixelFormat format, int width, int height, Rgb rgb) {
  const bool bgr = format == PixelFormat::BGR24 || format == PixelFormat::BGRA;
  const bool alpha = format == PixelFormat::RGBA || format == PixelFormat::BGRA;
  std::vector<std::byte> pixels;
  for (int i = 0; i < width * height; ++i) {
    const uint8_t first = bgr ? rgb.b : rgb.r;
    const uint8_t last = bgr ? rgb.r : rgb.b;
    for (uint8_t c : {first, rgb.g, last}) {
      pixels.push_back(std::byte{c});
    }
    if (alpha) {
      pixels.push_back(std::byte{255});
    }
  }
  return VideoFrame::from_pixels(pixels, format, width, height, microseconds(0));
}

// A solid frame in a planar YUV format (I420 or NV12), odd sizes included.
VideoFrame yuv_frame(PixelFormat format, int width, int height, Yuv yuv) {
  const std::size_t luma = static_cast<std::size_t>(width) * height;
  const std::size_t chroma = static_cast<std::size_t>((width + 1) / 2) * ((height + 1) / 2);
  std::vector<std::byte> pixels(luma, std::byte(yuv.y));
  for (std::size_t i = 0; i < chroma; ++i) {
    if (format == PixelFormat::NV12) {
      pixels.push_back(std::byte(yuv.u));
      pixels.push_back(std::byte(yuv.v));
    }
  }
  if (format == PixelFormat::I420) {
    pixels.insert(pixels.end(), chroma, std::byte(yuv.u));
    pixels.insert(pixels.end(), chroma, std::byte(yuv.v));
  }
  return VideoFrame::from_pixels(pixels, format, width, height, microseconds(0));
}

// Every sample of the plane within `tolerance` of `expected`.
void expect_plane(const std::vector<uint8_t>& plane, int expected, int tolerance,
                  const char* name) {
  ASSERT_FALSE(plane.empty());
  const auto [lo, hi] = std::minmax_element(plane.begin(), plane.end());
  EXPECT_NEAR(*lo, expected, tolerance) << name;
  EXPECT_NEAR(*hi, expected, tolerance) << name;
}

void expect_colour(const I420Frame& out, Yuv yuv, int tolerance = 2) {
  expect_plane(out.y, yuv.y, tolerance, "Y");
  expect_plane(out.u, yuv.u, tolerance, "U");
  expect_plane(out.v, yuv.v, tolerance, "V");
}

TEST(VideoFrame, SizeForEachFormatRoundsOddChromaUp) {
  // 101x77: chroma planes are 51x39.
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::I420, 101, 77), 101u * 77 + 2 * 51 * 39);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::NV12, 101, 77), 101u * 77 + 2 * 51 * 39);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::I420, 640, 360), 640u * 360 * 3 / 2);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::RGB24, 101, 77), 101u * 77 * 3);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::BGR24, 2, 2), 12u);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::RGBA, 101, 77), 101u * 77 * 4);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::BGRA, 1, 1), 4u);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::I420, 1, 1), 3u);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::I420, 0, 10), 0u);
  EXPECT_EQ(VideoFrame::size_for(PixelFormat::RGB24, 10, -1), 0u);
}

TEST(VideoFrame, FromPixelsCopiesAndKeepsTheShape) {
  std::vector<std::byte> pixels(VideoFrame::size_for(PixelFormat::RGBA, 3, 2));
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = std::byte(i);
  }
  const VideoFrame frame =
      VideoFrame::from_pixels(pixels, PixelFormat::RGBA, 3, 2, microseconds(40000));
  pixels[0] = std::byte{99}; // a copy: the caller's buffer is free again
  EXPECT_EQ(frame.format, PixelFormat::RGBA);
  EXPECT_EQ(frame.width, 3);
  EXPECT_EQ(frame.height, 2);
  EXPECT_EQ(frame.timestamp, microseconds(40000));
  ASSERT_EQ(frame.data.size(), 24u);
  EXPECT_EQ(frame.data[0], std::byte{0});
  EXPECT_EQ(frame.data[23], std::byte{23});
}

std::string from_pixels_error(std::size_t bytes, PixelFormat format, int width, int height) {
  const std::vector<std::byte> pixels(bytes);
  try {
    VideoFrame::from_pixels(pixels, format, width, height, microseconds(0));
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    return e.what();
  }
  return "(no error)";
}

TEST(VideoFrame, FromPixelsRefusesWrongSizes) {
  EXPECT_EQ(from_pixels_error(100, PixelFormat::I420, 10, 10),
            "VideoFrame::from_pixels: 100 bytes for a 10x10 I420 frame, which takes 150; pass "
            "the planes with no row padding (see PixelFormat)");
  EXPECT_EQ(from_pixels_error(0, PixelFormat::RGB24, 0, 4),
            "VideoFrame::from_pixels: size is 0x4; width and height must be positive");
  EXPECT_EQ(from_pixels_error(12, PixelFormat::BGRA, 3, -1),
            "VideoFrame::from_pixels: size is 3x-1; width and height must be positive");
}

TEST(VideoScaler, RefusesOddOrNonPositiveTargets) {
  for (auto [w, h] : {std::pair{641, 360}, {640, 359}, {0, 360}, {640, -2}}) {
    try {
      VideoScaler scaler(w, h);
      ADD_FAILURE() << w << "x" << h << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::Config);
      EXPECT_EQ(std::string(e.what()), "video size " + std::to_string(w) + "x" +
                                           std::to_string(h) +
                                           " cannot be sent; give an even, positive width and "
                                           "height (e.g. 640x360, 1280x720)");
    }
  }
}

TEST(VideoScaler, PackedRgbFormatsGiveBt601LimitedRangeColours) {
  for (PixelFormat format :
       {PixelFormat::RGB24, PixelFormat::BGR24, PixelFormat::RGBA, PixelFormat::BGRA}) {
    for (const Colour& colour : kColours) {
      SCOPED_TRACE(std::string(colour.name) + " format " +
                   std::to_string(static_cast<int>(format)));
      VideoScaler scaler(32, 24);
      const I420Frame out = scaler.scale(packed_frame(format, 64, 48, colour.rgb));
      EXPECT_EQ(out.width, 32);
      EXPECT_EQ(out.height, 24);
      expect_colour(out, colour.yuv);
    }
  }
}

TEST(VideoScaler, PlanarInputsKeepTheirPlanesApartAtOddSizes) {
  const Yuv yuv{100, 60, 200}; // U and V far apart: a swap or misread plane shows
  for (PixelFormat format : {PixelFormat::I420, PixelFormat::NV12}) {
    SCOPED_TRACE(static_cast<int>(format));
    VideoScaler scaler(50, 38);
    const I420Frame out = scaler.scale(yuv_frame(format, 101, 77, yuv));
    expect_colour(out, yuv, 1);
  }
}

TEST(VideoScaler, OutputPlanesAreTightAndTheTimestampKept) {
  VideoScaler scaler(640, 360);
  VideoFrame frame = packed_frame(PixelFormat::RGB24, 1280, 720, {255, 0, 0});
  frame.timestamp = microseconds(1234567);
  const I420Frame out = scaler.scale(frame);
  EXPECT_EQ(out.y.size(), 640u * 360);
  EXPECT_EQ(out.u.size(), 320u * 180);
  EXPECT_EQ(out.v.size(), 320u * 180);
  EXPECT_EQ(out.timestamp, microseconds(1234567));
}

TEST(VideoScaler, DownscaleKeepsARampInPlace) {
  // Luma rises with x, chroma (U) with y: scaled by 2, each lands at half the coordinate.
  const int w = 1280, h = 720;
  std::vector<std::byte> pixels(VideoFrame::size_for(PixelFormat::I420, w, h));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      pixels[static_cast<std::size_t>(y) * w + x] = std::byte(16 + x * 219 / (w - 1));
    }
  }
  const std::size_t u_at = static_cast<std::size_t>(w) * h;
  const std::size_t chroma = static_cast<std::size_t>(w / 2) * (h / 2);
  for (int y = 0; y < h / 2; ++y) {
    for (int x = 0; x < w / 2; ++x) {
      pixels[u_at + static_cast<std::size_t>(y) * (w / 2) + x] =
          std::byte(16 + y * 224 / (h / 2 - 1));
      pixels[u_at + chroma + static_cast<std::size_t>(y) * (w / 2) + x] = std::byte{128};
    }
  }
  VideoScaler scaler(640, 360);
  const I420Frame out =
      scaler.scale(VideoFrame::from_pixels(pixels, PixelFormat::I420, w, h, microseconds(0)));
  for (int x : {0, 100, 320, 500, 639}) {
    const double expected = 16 + (2.0 * x + 0.5) * 219 / (w - 1);
    EXPECT_NEAR(out.y[static_cast<std::size_t>(180) * 640 + x], expected, 2.0) << "x " << x;
  }
  for (int y : {0, 45, 90, 179}) {
    const double expected = 16 + (2.0 * y + 0.5) * 224 / (h / 2 - 1);
    EXPECT_NEAR(out.u[static_cast<std::size_t>(y) * 320 + 160], expected, 2.0) << "y " << y;
    EXPECT_NEAR(out.v[static_cast<std::size_t>(y) * 320 + 160], 128, 1) << "y " << y;
  }
}

TEST(VideoScaler, FrameDataOfTheWrongSizeIsAMediaError) {
  VideoScaler scaler(64, 48);
  VideoFrame frame = packed_frame(PixelFormat::RGB24, 32, 24, {1, 2, 3});
  frame.data.pop_back();
  try {
    scaler.scale(frame);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    EXPECT_EQ(std::string(e.what()),
              "cannot convert a 32x24 video frame of 2303 bytes (its format takes 2304); build "
              "frames with VideoFrame::from_pixels");
  }
}

TEST(VideoScaler, SizeChangeConvertsRightAndWarnsOnce) {
  VideoScaler scaler(64, 48);
  ::testing::internal::CaptureStderr();
  expect_colour(scaler.scale(packed_frame(PixelFormat::RGB24, 64, 48, {255, 0, 0})),
                kColours[2].yuv);
  // Same size, other format: a new context, no warning.
  expect_colour(scaler.scale(packed_frame(PixelFormat::BGRA, 64, 48, {0, 0, 255})),
                kColours[4].yuv);
  const std::string quiet = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(quiet, "");

  ::testing::internal::CaptureStderr();
  expect_colour(scaler.scale(packed_frame(PixelFormat::RGB24, 128, 96, {0, 255, 0})),
                kColours[3].yuv);
  expect_colour(scaler.scale(packed_frame(PixelFormat::RGB24, 64, 48, {255, 255, 255})),
                kColours[0].yuv);
  expect_colour(scaler.scale(yuv_frame(PixelFormat::I420, 33, 17, {50, 100, 150})),
                {50, 100, 150});
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(log, "roomcast warn: video source changed size from 64x48 to 128x96; still sending "
                 "64x48 (the picture is stretched)\n");
}

} // namespace
} // namespace roomcast::media
