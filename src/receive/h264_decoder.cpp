// libavcodec H.264 decoder calls, each return code checked; pictures copied out tightly packed.
#include "receive/h264_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/log.hpp"
#include "media/av_error.hpp"
#include "roomcast/error.hpp"
#include "rtp/h264_nal.hpp"

namespace roomcast::receive {

namespace {
void copy_plane(const uint8_t* src, int stride, int width, int height, std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(width) * height);
  for (int row = 0; row < height; ++row)
    std::memcpy(out.data() + static_cast<size_t>(row) * width, src + static_cast<ptrdiff_t>(row) * stride,
                static_cast<size_t>(width));
}
}  // namespace

bool is_h264_keyframe(std::span<const uint8_t> access_unit) {
  return std::ranges::any_of(rtp::split_annexb(access_unit), [](std::span<const uint8_t> nal) {
    return !nal.empty() && rtp::h264_nal_type(nal[0]) == rtp::kH264NalIdr;
  });
}

H264Decoder::H264Decoder() {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  if (!codec) throw Error(Error::Kind::Media, "H.264 decoder: this libavcodec has no h264 decoder");
  context_.reset(avcodec_alloc_context3(codec));
  frame_.reset(av_frame_alloc());
  packet_.reset(av_packet_alloc());
  if (!context_ || !frame_ || !packet_)
    throw Error(Error::Kind::Media, "H.264 decoder: out of memory allocating the codec context");
  context_->thread_count = 1;
  context_->flags |= AV_CODEC_FLAG_LOW_DELAY;
  if (const int rc = avcodec_open2(context_.get(), codec, nullptr); rc < 0)
    throw Error(Error::Kind::Media, "H.264 decoder: cannot open it (" + media::av_error_text(rc) + ")");
}

H264Decoder::~H264Decoder() = default;

std::optional<media::I420Frame> H264Decoder::fail() {
  ++frames_failed_;
  in_sync_ = false;
  return std::nullopt;
}

std::optional<media::I420Frame> H264Decoder::decode(std::span<const uint8_t> access_unit,
                                                    std::chrono::microseconds timestamp) {
  if (access_unit.empty()) return std::nullopt;
  if (!in_sync_ && !is_h264_keyframe(access_unit)) {
    ++frames_failed_;
    return std::nullopt;
  }
  // av_new_packet pads the copy: the bitstream reader may read past the end.
  av_packet_unref(packet_.get());
  if (av_new_packet(packet_.get(), static_cast<int>(access_unit.size())) < 0)
    throw Error(Error::Kind::Media, "H.264 decoder: out of memory for a packet");
  std::memcpy(packet_->data, access_unit.data(), access_unit.size());
  if (const int rc = avcodec_send_packet(context_.get(), packet_.get()); rc < 0) {
    core::log_debug("H.264 decoder: access unit refused (", media::av_error_text(rc), ")");
    return fail();
  }
  bool got = false;
  for (;;) {
    av_frame_unref(frame_.get());
    const int rc = avcodec_receive_frame(context_.get(), frame_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
    if (rc < 0) {
      core::log_debug("H.264 decoder: decoding failed (", media::av_error_text(rc), ")");
      return fail();
    }
    got = true;
    break;  // low delay: at most one picture per access unit
  }
  if (!got) return fail();
  const AVFrame* f = frame_.get();
  if ((f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags) return fail();
  if (f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P) {
    core::log_debug("H.264 decoder: pixel format ", f->format, " is not 4:2:0 8-bit");
    return fail();
  }
  in_sync_ = true;
  media::I420Frame out;
  out.width = f->width;
  out.height = f->height;
  out.timestamp = timestamp;
  copy_plane(f->data[0], f->linesize[0], out.width, out.height, out.y);
  copy_plane(f->data[1], f->linesize[1], out.chroma_width(), out.chroma_height(), out.u);
  copy_plane(f->data[2], f->linesize[2], out.chroma_width(), out.chroma_height(), out.v);
  ++frames_decoded_;
  return out;
}

}  // namespace roomcast::receive
