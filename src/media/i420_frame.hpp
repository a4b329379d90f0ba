// I420Frame: the SDK's internal picture (tight I420), what scalers make and encoders take.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace roomcast::media {

/// Planes are tightly packed (stride == plane width): y is width x height, u and v are
/// (width + 1) / 2 x (height + 1) / 2, so an odd size is representable too.
struct I420Frame {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> y;
  std::vector<uint8_t> u;
  std::vector<uint8_t> v;
  std::chrono::microseconds timestamp{0}; ///< from the track's start, as VideoFrame's

  int chroma_width() const { return (width + 1) / 2; }
  int chroma_height() const { return (height + 1) / 2; }
};

} // namespace roomcast::media
