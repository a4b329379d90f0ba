// H264Decoder: received H.264 access units (Annex-B, RFC 6184 reassembled) to I420 pictures
// with libavcodec's h264 decoder.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "core/c_ptr.hpp"
#include "receive/picture_decoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace roomcast::receive {
namespace h264_decoder_detail {
inline void free_context(AVCodecContext* context) { avcodec_free_context(&context); }
inline void free_frame(AVFrame* frame) { av_frame_free(&frame); }
inline void free_packet(AVPacket* packet) { av_packet_free(&packet); }
}  // namespace h264_decoder_detail

/// Single-threaded and low-delay: one access unit in, its picture out (no frame threads,
/// whose pipeline would hold pictures back). A picture libavcodec flags as corrupt counts as
/// a failure, so the caller asks for an IDR instead of showing a smeared one.
class H264Decoder : public PictureDecoder {
 public:
  /// Throws Error(Kind::Media) when libavcodec has no H.264 decoder or cannot open it.
  H264Decoder();
  ~H264Decoder() override;
  H264Decoder(const H264Decoder&) = delete;
  H264Decoder& operator=(const H264Decoder&) = delete;

  /// Until an access unit with an IDR slice, every access unit is refused.
  std::optional<media::I420Frame> decode(std::span<const uint8_t> access_unit,
                                         std::chrono::microseconds timestamp) override;

  uint64_t frames_decoded() const { return frames_decoded_; }
  uint64_t frames_failed() const { return frames_failed_; }
  bool in_sync() const { return in_sync_; }

 private:
  std::optional<media::I420Frame> fail();

  core::CPtr<AVCodecContext, h264_decoder_detail::free_context> context_;
  core::CPtr<AVFrame, h264_decoder_detail::free_frame> frame_;
  core::CPtr<AVPacket, h264_decoder_detail::free_packet> packet_;
  bool in_sync_ = false;
  uint64_t frames_decoded_ = 0;
  uint64_t frames_failed_ = 0;
};

/// True when the Annex-B access unit has an IDR slice (nal_unit_type 5): decodable on its own.
bool is_h264_keyframe(std::span<const uint8_t> access_unit);

}  // namespace roomcast::receive
