// VideoFrame helpers from the public header: byte sizes per pixel format, construction.
#include <cstring>
#include <string>

#include "roomcast/error.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast {
namespace {

const char* format_name(PixelFormat format) {
  switch (format) {
  case PixelFormat::I420:
    return "I420";
  case PixelFormat::NV12:
    return "NV12";
  case PixelFormat::RGB24:
    return "RGB24";
  case PixelFormat::RGBA:
    return "RGBA";
  case PixelFormat::BGR24:
    return "BGR24";
  case PixelFormat::BGRA:
    return "BGRA";
  }
  return "unknown";
}

} // namespace

std::size_t VideoFrame::size_for(PixelFormat format, int width, int height) {
  if (width <= 0 || height <= 0) {
    return 0;
  }
  const auto w = static_cast<std::size_t>(width);
  const auto h = static_cast<std::size_t>(height);
  // Odd sizes round the chroma planes up, so the last column and row keep their colour.
  const std::size_t chroma = ((w + 1) / 2) * ((h + 1) / 2);
  switch (format) {
  case PixelFormat::I420:
  case PixelFormat::NV12: // one plane of UV pairs: as many bytes as U and V apart
    return w * h + 2 * chroma;
  case PixelFormat::RGB24:
  case PixelFormat::BGR24:
    return w * h * 3;
  case PixelFormat::RGBA:
  case PixelFormat::BGRA:
    return w * h * 4;
  }
  return 0;
}

VideoFrame VideoFrame::from_pixels(std::span<const std::byte> pixels, PixelFormat format,
                                   int width, int height, std::chrono::microseconds timestamp) {
  // Checked here so the mistake is reported where the frame is made, not later on a worker.
  if (width <= 0 || height <= 0) {
    throw Error(Error::Kind::Media, "VideoFrame::from_pixels: size is " + std::to_string(width) +
                                        "x" + std::to_string(height) +
                                        "; width and height must be positive");
  }
  const std::size_t expected = size_for(format, width, height);
  if (pixels.size() != expected) {
    throw Error(Error::Kind::Media,
                "VideoFrame::from_pixels: " + std::to_string(pixels.size()) + " bytes for a " +
                    std::to_string(width) + "x" + std::to_string(height) + " " +
                    format_name(format) + " frame, which takes " + std::to_string(expected) +
                    "; pass the planes with no row padding (see PixelFormat)");
  }
  VideoFrame frame;
  frame.data.assign(pixels.begin(), pixels.end());
  frame.format = format;
  frame.width = width;
  frame.height = height;
  frame.timestamp = timestamp;
  return frame;
}

} // namespace roomcast
