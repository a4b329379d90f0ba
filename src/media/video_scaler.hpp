// VideoScaler: VideoFrames of any pixel format and size to I420 at the size the encoder sends.
#pragma once

#include <optional>

#include "core/c_ptr.hpp"
#include "media/i420_frame.hpp"
#include "roomcast/video_track.hpp"

extern "C" {
#include <libswscale/swscale.h>
}

namespace roomcast::media {

/// One per video track, used from one thread at a time. Keeps its libswscale context while
/// the input's format and size stay the same (the usual case: a camera or a file).
class VideoScaler {
public:
  /// Throws Error(Kind::Config) unless both targets are even and positive (I420's chroma
  /// planes are half size; VP8 and H.264 senders use even sizes).
  VideoScaler(int target_width, int target_height);
  ~VideoScaler();
  VideoScaler(const VideoScaler&) = delete;
  VideoScaler& operator=(const VideoScaler&) = delete;

  /// The frame as I420 at the target size (stretched: no letterboxing), same timestamp.
  /// Throws Error(Kind::Media) for a frame whose size is not positive or whose data does
  /// not hold VideoFrame::size_for() bytes, or when libswscale refuses the conversion.
  I420Frame scale(const VideoFrame& frame);

  int target_width() const { return target_width_; }
  int target_height() const { return target_height_; }

private:
  struct Shape {
    PixelFormat format;
    int width;
    int height;
    bool operator==(const Shape&) const = default;
  };
  int target_width_;
  int target_height_;
  core::CPtr<SwsContext, sws_freeContext> context_;
  std::optional<Shape> shape_;       // what context_ converts from
  std::optional<Shape> first_shape_; // the first frame's, for the size-change warning
  bool warned_size_change_ = false;
};

} // namespace roomcast::media
