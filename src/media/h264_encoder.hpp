// H264Encoder: I420 frames to H.264 constrained baseline (libx264 via libavcodec) for WebRTC.
//
// Why libx264 through FFmpeg rather than Debian's libopenh264: libavcodec is already linked
// (pkg-config libavcodec), so no new dependency; Debian's FFmpeg is built with libx264 but
// not with OpenH264, and Debian's libopenh264 is built from source, so Cisco's patent licence
// (which covers only Cisco's own binaries) does not apply to it either way; x264 gives better
// pictures per bit at "veryfast"/"ultrafast" speeds, and tune=zerolatency makes it one frame
// in, one access unit out. The cost is x264's GPL-2.0+: a binary distributed with it is
// GPL-covered (already so for a build against Debian's GPL-enabled libavcodec).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/c_ptr.hpp"
#include "media/encoded_video_frame.hpp"
#include "media/i420_frame.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace roomcast::media {
namespace h264_detail {
inline void free_context(AVCodecContext* context) { avcodec_free_context(&context); }
inline void free_frame(AVFrame* frame) { av_frame_free(&frame); }
inline void free_packet(AVPacket* packet) { av_packet_free(&packet); }
} // namespace h264_detail

struct H264EncoderSettings {
  /// Even, at most 2704 each way and 3600 macroblocks (e.g. 1280x720): level 3.1's frame
  /// size (H.264 A.3.1), what profile-level-id 42e01f promises the receiver.
  int width = 640;
  int height = 360;
  int fps = 30;             ///< the source's nominal rate, 1 to 120; width x height x fps
                            ///< must stay within level 3.1's 108000 macroblocks a second
  int bitrate_bps = 800000; ///< target, 10 kbps and up
  /// Longest time between IDR frames when nobody asks for one (PLI/FIR force one sooner).
  std::chrono::milliseconds keyframe_interval{3000};
};

/// One encoder per (source, size): used from one thread at a time (a worker). Output is one
/// Annex-B access unit per frame (4-octet start codes), SPS and PPS before every IDR, no AUD,
/// constrained baseline (profile_idc 66, constraint_set0/1) at level 3.1.
class H264Encoder {
public:
  /// Throws Error(Kind::Config) for settings out of range and Error(Kind::Media) when
  /// libavcodec has no libx264 or refuses the settings (with its error text).
  explicit H264Encoder(const H264EncoderSettings& settings);
  ~H264Encoder();
  H264Encoder(const H264Encoder&) = delete;
  H264Encoder& operator=(const H264Encoder&) = delete;

  /// The frame compressed; nullopt when the encoder gave nothing for it. The first frame and
  /// every `force_keyframe` one are IDR (`keyframe` is true exactly when the access unit has
  /// an IDR slice). The frame must have the settings' size: otherwise, or when libx264
  /// fails, throws Error(Kind::Media). Timestamps should rise; one that does not is nudged
  /// 1/90000 s past the previous.
  std::optional<EncodedVideoFrame> encode(const I420Frame& frame, bool force_keyframe);

  /// New target (e.g. from congestion control), used from the next frame on. Throws
  /// Error(Kind::Config) below 10 kbps.
  void set_bitrate(int bitrate_bps);

  const H264EncoderSettings& settings() const { return settings_; }

private:
  void apply_bitrate(int bitrate_bps);

  H264EncoderSettings settings_;
  core::CPtr<AVCodecContext, h264_detail::free_context> context_;
  core::CPtr<AVFrame, h264_detail::free_frame> frame_;
  core::CPtr<AVPacket, h264_detail::free_packet> packet_;
  std::optional<int64_t> last_pts_; // 90 kHz, what libx264 last saw
};

} // namespace roomcast::media
