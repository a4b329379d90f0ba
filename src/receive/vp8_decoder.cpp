// libvpx VP8 decoder calls, each return code checked; pictures copied out tightly packed.
#include "receive/vp8_decoder.hpp"

#include <cstring>
#include <string>

#include <vpx/vp8dx.h>

#include "core/log.hpp"
#include "roomcast/error.hpp"

namespace roomcast::receive {

namespace {
void copy_plane(const uint8_t* src, int stride, int width, int height, std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(width) * height);
  for (int row = 0; row < height; ++row)
    std::memcpy(out.data() + static_cast<size_t>(row) * width, src + static_cast<ptrdiff_t>(row) * stride,
                static_cast<size_t>(width));
}
}  // namespace

bool is_vp8_keyframe(std::span<const uint8_t> frame) {
  // A keyframe also carries the start code 9d 01 2a after the 3-octet tag (§9.1).
  return frame.size() >= 10 && (frame[0] & 0x01) == 0 && frame[3] == 0x9d && frame[4] == 0x01 &&
         frame[5] == 0x2a;
}

Vp8Decoder::Vp8Decoder() : codec_(new vpx_codec_ctx_t{}) {
  vpx_codec_dec_cfg_t config{};
  config.threads = 1;
  const auto rc = vpx_codec_dec_init(codec_.get(), vpx_codec_vp8_dx(), &config, 0);
  if (rc != VPX_CODEC_OK) {
    // A context that failed to initialise must not be destroyed.
    delete codec_.release();
    throw Error(Error::Kind::Media,
                std::string("VP8 decoder: cannot create one (") + vpx_codec_err_to_string(rc) + ")");
  }
}

Vp8Decoder::~Vp8Decoder() = default;

std::optional<media::I420Frame> Vp8Decoder::decode(std::span<const uint8_t> frame,
                                                   std::chrono::microseconds timestamp) {
  if (frame.empty()) return std::nullopt;
  if (!in_sync_ && !is_vp8_keyframe(frame)) {
    ++frames_failed_;
    return std::nullopt;
  }
  const auto rc = vpx_codec_decode(codec_.get(), frame.data(), static_cast<unsigned>(frame.size()),
                                   nullptr, 0);
  if (rc != VPX_CODEC_OK) {
    const char* detail = vpx_codec_error_detail(codec_.get());
    core::log_debug("VP8 decoder: frame refused (", vpx_codec_err_to_string(rc),
                    detail ? std::string(": ") + detail : std::string(), ")");
    ++frames_failed_;
    in_sync_ = false;
    return std::nullopt;
  }
  // libvpx flags a frame decoded from a corrupt reference; it is shown but a keyframe is due.
  int corrupted = 0;
  if (vpx_codec_control(codec_.get(), VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK &&
      corrupted) {
    ++frames_failed_;
    in_sync_ = false;
    return std::nullopt;
  }
  vpx_codec_iter_t iter = nullptr;
  const vpx_image_t* image = vpx_codec_get_frame(codec_.get(), &iter);
  if (!image || image->fmt != VPX_IMG_FMT_I420) {
    ++frames_failed_;
    return std::nullopt;
  }
  in_sync_ = true;
  media::I420Frame out;
  out.width = static_cast<int>(image->d_w);
  out.height = static_cast<int>(image->d_h);
  out.timestamp = timestamp;
  copy_plane(image->planes[VPX_PLANE_Y], image->stride[VPX_PLANE_Y], out.width, out.height, out.y);
  copy_plane(image->planes[VPX_PLANE_U], image->stride[VPX_PLANE_U], out.chroma_width(), out.chroma_height(), out.u);
  copy_plane(image->planes[VPX_PLANE_V], image->stride[VPX_PLANE_V], out.chroma_width(), out.chroma_height(), out.v);
  ++frames_decoded_;
  return out;
}

}  // namespace roomcast::receive
