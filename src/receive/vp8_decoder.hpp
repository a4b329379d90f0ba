// Vp8Decoder: received VP8 frames (RFC 6386) to I420 pictures with libvpx.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include <vpx/vpx_decoder.h>

#include "core/c_ptr.hpp"
#include "media/i420_frame.hpp"
#include "receive/picture_decoder.hpp"

namespace roomcast::receive {
namespace vp8_decoder_detail {
// The context is a struct libvpx fills in place: ours is on the heap, destroyed then freed.
inline void destroy_codec(vpx_codec_ctx_t* codec) {
  vpx_codec_destroy(codec);
  delete codec;
}
}  // namespace vp8_decoder_detail

/// See PictureDecoder.
class Vp8Decoder : public PictureDecoder {
 public:
  /// Throws Error(Kind::Media) when libvpx cannot make a decoder.
  Vp8Decoder();
  ~Vp8Decoder() override;
  Vp8Decoder(const Vp8Decoder&) = delete;
  Vp8Decoder& operator=(const Vp8Decoder&) = delete;

  /// Decodes one complete frame (descriptors removed). Until the first keyframe every frame
  /// is refused (nothing to predict from). `timestamp` is copied into the picture.
  std::optional<media::I420Frame> decode(std::span<const uint8_t> frame,
                                         std::chrono::microseconds timestamp) override;

  uint64_t frames_decoded() const { return frames_decoded_; }
  uint64_t frames_failed() const { return frames_failed_; }
  /// True once a keyframe was decoded and no failure came since.
  bool in_sync() const { return in_sync_; }

 private:
  core::CPtr<vpx_codec_ctx_t, vp8_decoder_detail::destroy_codec> codec_;
  bool in_sync_ = false;
  uint64_t frames_decoded_ = 0;
  uint64_t frames_failed_ = 0;
};

/// RFC 6386 §9.1: bit 0 of the first octet of the frame tag is 0 for a keyframe.
bool is_vp8_keyframe(std::span<const uint8_t> frame);

}  // namespace roomcast::receive
