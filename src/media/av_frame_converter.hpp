// AvFrameConverter: decoded AVFrames of any pixel format to tightly packed I420 VideoFrames.
#pragma once

#include <string>

#include "core/c_ptr.hpp"
#include "roomcast/video_track.hpp"

extern "C" {
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

namespace roomcast::media {

/// One per decoder, one thread at a time. Keeps the picture's size; limited-range yuv420p
/// (what H.264, VP8 and VP9 files nearly always hold) is copied, anything else goes through
/// libswscale, whose context is kept while the decoder's output shape stays the same.
class AvFrameConverter {
public:
  /// The picture as an I420 VideoFrame (timestamp 0: the caller sets it). Throws
  /// Error(Kind::Media) naming `input` when libswscale cannot convert its pixel format.
  VideoFrame to_i420(const AVFrame& decoded, const std::string& input);

private:
  void convert_with_sws(const AVFrame& decoded, bool full_range, uint8_t* const dst[4],
                        const int dst_stride[4], const std::string& input);

  core::CPtr<SwsContext, sws_freeContext> sws_;
  int width_ = 0;
  int height_ = 0;
  int format_ = -1;
  bool full_range_ = false;
};

} // namespace roomcast::media
