// AvFrameConverter: av_image_copy for I420 pictures, libswscale for every other layout.
#include "media/av_frame_converter.hpp"

#include <string>
#include <utility>

#include "media/av_error.hpp"
#include "roomcast/error.hpp"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

namespace roomcast::media {

VideoFrame AvFrameConverter::to_i420(const AVFrame& decoded, const std::string& input) {
  VideoFrame out;
  out.format = PixelFormat::I420;
  out.width = decoded.width;
  out.height = decoded.height;
  out.data.resize(VideoFrame::size_for(PixelFormat::I420, out.width, out.height));
  const int chroma_width = (out.width + 1) / 2;
  const std::size_t luma = static_cast<std::size_t>(out.width) * out.height;
  const std::size_t chroma = static_cast<std::size_t>(chroma_width) * ((out.height + 1) / 2);
  auto* base = reinterpret_cast<uint8_t*>(out.data.data());
  uint8_t* const dst[4] = {base, base + luma, base + luma + chroma, nullptr};
  int dst_stride[4] = {out.width, chroma_width, chroma_width, 0};
  const bool full_range =
      decoded.color_range == AVCOL_RANGE_JPEG || decoded.format == AV_PIX_FMT_YUVJ420P;
  if (decoded.format == AV_PIX_FMT_YUV420P && !full_range) {
    // Already I420: the rows only lose their padding.
    uint8_t* copy_dst[4] = {dst[0], dst[1], dst[2], nullptr};
    const uint8_t* src[4] = {decoded.data[0], decoded.data[1], decoded.data[2], nullptr};
    av_image_copy(copy_dst, dst_stride, src, decoded.linesize, AV_PIX_FMT_YUV420P, out.width,
                  out.height);
  } else {
    convert_with_sws(decoded, full_range, dst, dst_stride, input);
  }
  return out;
}

void AvFrameConverter::convert_with_sws(const AVFrame& decoded, bool full_range,
                                        uint8_t* const dst[4], const int dst_stride[4],
                                        const std::string& input) {
  const auto format = static_cast<AVPixelFormat>(decoded.format);
  const char* name = av_get_pix_fmt_name(format);
  const std::string format_name = name != nullptr ? name : "unknown";
  if (!sws_ || width_ != decoded.width || height_ != decoded.height || format_ != decoded.format ||
      full_range_ != full_range) {
    // Built from options rather than sws_getContext(): the ranges must be known when the
    // context chooses its converter (set later, a same-size yuv420p copy ignores them).
    // Full-range YUV (JPEG levels) becomes the limited range VP8 and H.264 receivers assume.
    sws_.reset(sws_alloc_context());
    if (!sws_) {
      throw Error(Error::Kind::Media, "cannot convert the video of " + input +
                                          ": out of memory allocating the converter");
    }
    const std::pair<const char*, int64_t> options[] = {
        {"srcw", decoded.width},        {"srch", decoded.height},
        {"src_format", format},         {"src_range", full_range ? 1 : 0},
        {"dstw", decoded.width},        {"dsth", decoded.height},
        {"dst_format", AV_PIX_FMT_YUV420P}, {"dst_range", 0},
        {"sws_flags", SWS_BILINEAR},
    };
    for (const auto& [name, value] : options) {
      if (const int rc = av_opt_set_int(sws_.get(), name, value, 0); rc < 0) {
        throw Error(Error::Kind::Media, "cannot convert the video of " + input +
                                            ": libswscale refused option " + name + " (" +
                                            av_error_text(rc) + ")");
      }
    }
    if (const int rc = sws_init_context(sws_.get(), nullptr, nullptr); rc < 0) {
      sws_.reset();
      throw Error(Error::Kind::Media, "cannot convert the video of " + input +
                                          " from pixel format " + format_name +
                                          " to I420 (" + av_error_text(rc) +
                                          "); convert the file to yuv420p "
                                          "(ffmpeg -pix_fmt yuv420p)");
    }
    width_ = decoded.width;
    height_ = decoded.height;
    format_ = decoded.format;
    full_range_ = full_range;
  }
  const int rows =
      sws_scale(sws_.get(), decoded.data, decoded.linesize, 0, decoded.height, dst, dst_stride);
  if (rows != decoded.height) {
    throw Error(Error::Kind::Media,
                "cannot convert the " + format_name + " video of " + input + " to I420 (" +
                    (rows < 0 ? av_error_text(rows)
                              : "libswscale gave " + std::to_string(rows) + " of " +
                                    std::to_string(decoded.height) + " rows") +
                    ")");
  }
}

} // namespace roomcast::media
