// VideoScaler: libswscale from the public pixel formats to the sender's I420 size.
#include "media/video_scaler.hpp"

#include <string>

#include "core/log.hpp"
#include "media/av_error.hpp"
#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

AVPixelFormat av_format(PixelFormat format) {
  switch (format) {
  case PixelFormat::I420:
    return AV_PIX_FMT_YUV420P;
  case PixelFormat::NV12:
    return AV_PIX_FMT_NV12;
  case PixelFormat::RGB24:
    return AV_PIX_FMT_RGB24;
  case PixelFormat::RGBA:
    return AV_PIX_FMT_RGBA;
  case PixelFormat::BGR24:
    return AV_PIX_FMT_BGR24;
  case PixelFormat::BGRA:
    return AV_PIX_FMT_BGRA;
  }
  return AV_PIX_FMT_NONE;
}

std::string size_text(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// Plane pointers and strides into a VideoFrame's tightly packed data (see PixelFormat).
struct SourcePlanes {
  const uint8_t* data[4] = {};
  int stride[4] = {};
};

SourcePlanes source_planes(const VideoFrame& frame) {
  SourcePlanes planes;
  const auto* base = reinterpret_cast<const uint8_t*>(frame.data.data());
  const int w = frame.width;
  const int chroma_w = (frame.width + 1) / 2;
  const std::size_t luma_bytes =
      static_cast<std::size_t>(w) * static_cast<std::size_t>(frame.height);
  const std::size_t chroma_bytes =
      static_cast<std::size_t>(chroma_w) * static_cast<std::size_t>((frame.height + 1) / 2);
  switch (frame.format) {
  case PixelFormat::I420:
    planes.data[0] = base;
    planes.data[1] = base + luma_bytes;
    planes.data[2] = base + luma_bytes + chroma_bytes;
    planes.stride[0] = w;
    planes.stride[1] = chroma_w;
    planes.stride[2] = chroma_w;
    break;
  case PixelFormat::NV12:
    planes.data[0] = base;
    planes.data[1] = base + luma_bytes;
    planes.stride[0] = w;
    planes.stride[1] = 2 * chroma_w;
    break;
  case PixelFormat::RGB24:
  case PixelFormat::BGR24:
    planes.data[0] = base;
    planes.stride[0] = 3 * w;
    break;
  case PixelFormat::RGBA:
  case PixelFormat::BGRA:
    planes.data[0] = base;
    planes.stride[0] = 4 * w;
    break;
  }
  return planes;
}

} // namespace

VideoScaler::VideoScaler(int target_width, int target_height)
    : target_width_(target_width), target_height_(target_height) {
  if (target_width <= 0 || target_height <= 0 || target_width % 2 != 0 ||
      target_height % 2 != 0) {
    throw Error(Error::Kind::Config, "video size " + size_text(target_width, target_height) +
                                         " cannot be sent; give an even, positive width and "
                                         "height (e.g. 640x360, 1280x720)");
  }
}

VideoScaler::~VideoScaler() = default;

I420Frame VideoScaler::scale(const VideoFrame& frame) {
  const std::size_t expected = VideoFrame::size_for(frame.format, frame.width, frame.height);
  if (frame.width <= 0 || frame.height <= 0 || frame.data.size() != expected) {
    throw Error(Error::Kind::Media,
                "cannot convert a " + size_text(frame.width, frame.height) +
                    " video frame of " + std::to_string(frame.data.size()) +
                    " bytes (its format takes " + std::to_string(expected) +
                    "); build frames with VideoFrame::from_pixels");
  }
  const Shape shape{frame.format, frame.width, frame.height};
  if (!shape_ || *shape_ != shape) {
    if (!first_shape_) {
      first_shape_ = shape;
    } else if ((first_shape_->width != shape.width || first_shape_->height != shape.height) &&
               !warned_size_change_) {
      // Once: a source that keeps changing size must not flood the log.
      warned_size_change_ = true;
      core::log_warn("video source changed size from ",
                     size_text(first_shape_->width, first_shape_->height), " to ",
                     size_text(shape.width, shape.height), "; still sending ",
                     size_text(target_width_, target_height_), " (the picture is stretched)");
    }
    context_.reset(); // a failed rebuild must not leave the old shape's context behind
    shape_.reset();
    context_.reset(sws_getContext(frame.width, frame.height, av_format(frame.format),
                                  target_width_, target_height_, AV_PIX_FMT_YUV420P,
                                  SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!context_) {
      throw Error(Error::Kind::Media, "cannot convert " + size_text(frame.width, frame.height) +
                                          " video to I420 at " +
                                          size_text(target_width_, target_height_) +
                                          " (libswscale refused the conversion); send another "
                                          "pixel format or size");
    }
    shape_ = shape;
  }

  I420Frame out;
  out.width = target_width_;
  out.height = target_height_;
  out.timestamp = frame.timestamp;
  const int chroma_w = out.chroma_width();
  const int chroma_h = out.chroma_height();
  out.y.resize(static_cast<std::size_t>(target_width_) * static_cast<std::size_t>(target_height_));
  out.u.resize(static_cast<std::size_t>(chroma_w) * static_cast<std::size_t>(chroma_h));
  out.v.resize(out.u.size());
  uint8_t* const dst[4] = {out.y.data(), out.u.data(), out.v.data(), nullptr};
  const int dst_stride[4] = {target_width_, chroma_w, chroma_w, 0};
  const SourcePlanes src = source_planes(frame);
  const int rows =
      sws_scale(context_.get(), src.data, src.stride, 0, frame.height, dst, dst_stride);
  if (rows < 0) {
    throw Error(Error::Kind::Media, "cannot convert " + size_text(frame.width, frame.height) +
                                        " video to I420 at " +
                                        size_text(target_width_, target_height_) + " (" +
                                        av_error_text(rows) + ")");
  }
  if (rows != target_height_) {
    throw Error(Error::Kind::Media, "converting " + size_text(frame.width, frame.height) +
                                        " video to I420 gave " + std::to_string(rows) + " of " +
                                        std::to_string(target_height_) + " rows (libswscale)");
  }
  return out;
}

} // namespace roomcast::media
