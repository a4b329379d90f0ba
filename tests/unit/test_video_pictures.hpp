// Test helpers for the video tests: synthetic pictures, plane means, and the checks every
// encoder (VP8, H.264) must pass the same way.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "media/encoded_video_frame.hpp"
#include "media/i420_frame.hpp"
#include "roomcast/error.hpp"

namespace roomcast::media::test {

constexpr int kWidth = 640;
constexpr int kHeight = 360;
constexpr int kBoxSize = 80;
constexpr uint8_t kBoxLuma = 210;
constexpr uint8_t kPatchLuma = 40;
// Where the fixed dark patch sits (top left), away from the moving box.
constexpr int kPatchX = 16, kPatchY = 16, kPatchSize = 64;
constexpr int kBoxY = 200;

inline int box_x(int n) { return 160 + 8 * n; } // moves right 8 px a frame

inline std::chrono::microseconds frame_time_30fps(int n) {
  return std::chrono::microseconds(n * 1000000LL / 30);
}

// Frame n of a moving pattern: a textured background drifting left, a dark still patch and
// a bright box sliding right; timestamps at 30 fps.
inline I420Frame pattern(int n, const std::vector<uint8_t>& texture) {
  I420Frame frame;
  frame.width = kWidth;
  frame.height = kHeight;
  frame.timestamp = frame_time_30fps(n);
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
inline std::vector<uint8_t> make_texture(double noise) {
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

// Frame n: flat luma `luma` with a bright bar moving right, neutral chroma, 30 fps times.
inline I420Frame bar_picture(int n, uint8_t luma) {
  I420Frame f;
  f.width = kWidth;
  f.height = kHeight;
  f.timestamp = frame_time_30fps(n);
  f.y.assign(static_cast<size_t>(kWidth) * kHeight, luma);
  for (int y = 100; y < 140; ++y)
    for (int x = 10 * n; x < 10 * n + 40; ++x) f.y[static_cast<size_t>(y) * kWidth + x] = 235;
  f.u.assign(static_cast<size_t>(f.chroma_width()) * f.chroma_height(), 128);
  f.v.assign(f.u.size(), 128);
  return f;
}

// The mean of a square of a plane.
inline double mean_luma(const uint8_t* plane, int stride, int x0, int y0, int size) {
  double sum = 0;
  for (int y = y0; y < y0 + size; ++y) {
    for (int x = x0; x < x0 + size; ++x) {
      sum += plane[static_cast<std::size_t>(y) * stride + x];
    }
  }
  return sum / (size * size);
}

inline double mean(const std::vector<uint8_t>& plane) {
  return std::accumulate(plane.begin(), plane.end(), 0.0) / static_cast<double>(plane.size());
}

inline double mean_bytes(const std::vector<std::size_t>& sizes) {
  return static_cast<double>(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0})) /
         static_cast<double>(sizes.size());
}

// Encodes `count` frames of the pattern (noise 4), frame `forced` asked to be a keyframe; the
// numbers of the frames that came out as keyframes go to `keyframes`, and each keyframe's data
// to `on_keyframe`.
template <class Encoder>
void collect_keyframes(Encoder& encoder, int count, int forced, std::vector<int>* keyframes,
                       const std::function<void(const std::vector<uint8_t>&)>& on_keyframe = {}) {
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < count; ++n) {
    SCOPED_TRACE("frame " + std::to_string(n));
    const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(n, texture), n == forced);
    ASSERT_TRUE(out);
    if (out->keyframe) {
      keyframes->push_back(n);
      if (on_keyframe) on_keyframe(out->data);
    }
  }
}

// Keyframes of 60 frames (2 s at 30 fps) with a 500 ms keyframe interval: at most 15 frames
// apart from the start to the end, so at least 4.
inline void expect_keyframe_every_15_frames(const std::vector<int>& keyframes) {
  int last_key = -1;
  for (const int n : keyframes) {
    EXPECT_LE(n - last_key, 15) << "frame " << n;
    last_key = n;
  }
  EXPECT_GE(keyframes.size(), 4u);
  EXPECT_GE(59 - last_key, 0);
  EXPECT_LE(59 - last_key, 15);
}

// What constructing an Encoder with `settings` throws (a Config error), or "(no error)".
template <class Encoder, class Settings> std::string config_error(const Settings& settings) {
  try {
    Encoder encoder(settings);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    return e.what();
  }
  return "(no error)";
}

// `encoder`, set up for 1.5 Mbps, codes 120 frames of a busy picture; at frame 60 its target
// drops to 200 kbps. The frames `counted` (not the keyframes, large at any rate) must show the
// drop: below a third of the rate before, which was the target give or take.
template <class Encoder>
void expect_set_bitrate_lowers_the_frame_size(Encoder& encoder,
                                              const std::function<bool(int)>& counted) {
  const std::vector<uint8_t> texture = make_texture(24);
  std::vector<std::size_t> high, low;
  for (int n = 0; n < 120; ++n) {
    if (n == 60) {
      encoder.set_bitrate(200000);
      EXPECT_EQ(encoder.settings().bitrate_bps, 200000);
    }
    const std::optional<EncodedVideoFrame> out = encoder.encode(pattern(n, texture), false);
    ASSERT_TRUE(out) << "frame " << n;
    if (counted(n)) {
      (n < 60 ? high : low).push_back(out->data.size());
    }
  }
  const double high_bps = mean_bytes(high) * 8 * 30;
  const double low_bps = mean_bytes(low) * 8 * 30;
  EXPECT_LT(low_bps, high_bps / 3) << high_bps << " then " << low_bps;
  // The encoder spends what it is given (CBR) and then follows the new target; this busy
  // picture cannot get all the way down to 200 kbps at the coarsest quantizer.
  EXPECT_GT(high_bps, 1500000 * 0.5);
  EXPECT_LT(high_bps, 1500000 * 1.3);
  EXPECT_LT(low_bps, 200000 * 2.0);
}

// A source that stamps nothing: every frame at time 0 still encodes, keeps its time and decodes.
template <class Encoder, class Decoder, class Settings>
void expect_repeated_timestamps_still_encode(const Settings& settings) {
  Encoder encoder(settings);
  Decoder decoder;
  const std::vector<uint8_t> texture = make_texture(4);
  for (int n = 0; n < 5; ++n) {
    I420Frame frame = pattern(n, texture);
    frame.timestamp = std::chrono::microseconds(0);
    const std::optional<EncodedVideoFrame> out = encoder.encode(frame, false);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->timestamp, std::chrono::microseconds(0));
    EXPECT_NE(decoder.decode(out->data), nullptr);
  }
}

// set_bitrate(0) on an Encoder with default `settings` is a Config error with `text` and leaves
// the default 800 kbps in place.
template <class Encoder, class Settings>
void expect_zero_bitrate_refused(const Settings& settings, const std::string& text) {
  Encoder encoder(settings);
  try {
    encoder.set_bitrate(0);
    ADD_FAILURE() << "set_bitrate(0) accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_EQ(std::string(e.what()), text);
  }
  EXPECT_EQ(encoder.settings().bitrate_bps, 800000);
}

// The refusals every encoder makes alike, their texts naming the `codec`: frame rate, bitrate
// and keyframe interval out of range, then set_bitrate(0) on a working encoder.
template <class Encoder, class Settings> void expect_rate_refusals(const std::string& codec) {
  EXPECT_EQ(config_error<Encoder>(Settings{.fps = 0}),
            codec + " frame rate 0 is out of range; give 1 to 120");
  EXPECT_EQ(config_error<Encoder>(Settings{.bitrate_bps = 5000}),
            codec + " bitrate 5000 bps is too low; give 10000 bps or more (e.g. 800000 for 640x360)");
  EXPECT_EQ(config_error<Encoder>(Settings{.keyframe_interval = std::chrono::milliseconds(0)}),
            codec + " keyframe interval 0 ms is not positive; give e.g. 3000 ms");
  expect_zero_bitrate_refused<Encoder>(Settings{},
                                       codec + " bitrate 0 bps is too low; give 10000 bps or more");
}

// Encoding a 640x360 frame with an encoder set up for 320x180 is a Media error naming the `codec`.
template <class Encoder, class Settings> void expect_other_size_refused(const std::string& codec) {
  const std::string text = codec + " encoder set up for 320x180 got a 640x360 frame; scale frames "
                                   "to the encoder's size first";
  Encoder encoder(Settings{.width = 320, .height = 180});
  try {
    encoder.encode(pattern(0, make_texture(4)), false);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    EXPECT_EQ(std::string(e.what()), text);
  }
}

} // namespace roomcast::media::test
