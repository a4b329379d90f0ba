// Vp8Encoder: I420 frames to VP8 (libvpx) with the real-time settings of a WebRTC sender.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include <vpx/vpx_encoder.h>

#include "core/c_ptr.hpp"
#include "media/encoded_video_frame.hpp"
#include "media/i420_frame.hpp"

namespace roomcast::media {
namespace vp8_detail {
// The context is a struct libvpx fills in place: ours is on the heap, destroyed then freed.
inline void destroy_codec(vpx_codec_ctx_t* codec) {
  vpx_codec_destroy(codec); // returns an error only for a context never initialised
  delete codec;
}
} // namespace vp8_detail

struct Vp8EncoderSettings {
  int width = 640;             ///< 1 to 16383 (VP8's 14-bit size, RFC 6386 9.2)
  int height = 360;
  int fps = 30;                ///< the source's nominal rate, 1 to 120; sets rate control's budget
  int bitrate_bps = 800000;    ///< target, 10 kbps and up
  /// Longest time between keyframes when nobody asks for one (PLI/FIR force one sooner).
  std::chrono::milliseconds keyframe_interval{3000};
};

/// One encoder per (source, size): used from one thread at a time (a worker).
class Vp8Encoder {
public:
  /// Throws Error(Kind::Config) for settings out of range and Error(Kind::Media) when libvpx
  /// refuses them (with its error text).
  explicit Vp8Encoder(const Vp8EncoderSettings& settings);
  ~Vp8Encoder();
  Vp8Encoder(const Vp8Encoder&) = delete;
  Vp8Encoder& operator=(const Vp8Encoder&) = delete;

  /// The frame compressed; nullopt when rate control dropped it. The first frame and every
  /// `force_keyframe` one are keyframes. The frame must have the settings' size (scale it
  /// with VideoScaler first): otherwise, or when libvpx fails, throws Error(Kind::Media).
  /// Timestamps should rise; one that does not is nudged 1/90000 s past the previous.
  std::optional<EncodedVideoFrame> encode(const I420Frame& frame, bool force_keyframe);

  /// New target (e.g. from congestion control), used from the next frame on. Throws
  /// Error(Kind::Config) below 10 kbps, Error(Kind::Media) when libvpx refuses it.
  void set_bitrate(int bitrate_bps);

  const Vp8EncoderSettings& settings() const { return settings_; }

private:
  Vp8EncoderSettings settings_;
  vpx_codec_enc_cfg_t config_{};
  core::CPtr<vpx_codec_ctx_t, vp8_detail::destroy_codec> codec_;
  std::optional<int64_t> last_pts_; // 90 kHz, what libvpx last saw
};

} // namespace roomcast::media
