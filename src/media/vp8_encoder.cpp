// libvpx VP8 encoder calls in real-time mode, each return code checked.
#include "media/vp8_encoder.hpp"

#include <algorithm>
#include <string>

#include <vpx/vp8cx.h>

#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

// RTP's video clock (RFC 7741 4.1: 90 kHz); pts in it map straight onto RTP timestamps.
constexpr int kTimebaseHz = 90000;
constexpr int kMaxDimension = 16383;
constexpr int kMaxFps = 120;
constexpr int kMinBitrateBps = 10000;
// WebRTC's quantizer range for camera video: 56 keeps the worst frames recognisable.
constexpr unsigned kMinQuantizer = 2;
constexpr unsigned kMaxQuantizer = 56;
// Rate-control buffer (ms of the target rate): small, so a frame burst cannot queue up
// seconds of latency behind it (WebRTC's libvpx_vp8_encoder values).
constexpr unsigned kBufferInitialMs = 500;
constexpr unsigned kBufferOptimalMs = 600;
constexpr unsigned kBufferMs = 1000;

std::string size_text(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

[[noreturn]] void fail_config(const std::string& what) { throw Error(Error::Kind::Config, what); }

void check(vpx_codec_err_t rc, vpx_codec_ctx_t* codec, const std::string& what) {
  if (rc == VPX_CODEC_OK) {
    return;
  }
  std::string text = vpx_codec_err_to_string(rc);
  if (codec != nullptr) {
    if (const char* detail = vpx_codec_error_detail(codec); detail != nullptr) {
      text += ": " + std::string(detail);
    }
  }
  throw Error(Error::Kind::Media, "VP8 encoder: " + what + " failed (" + text + ")");
}

unsigned kbps(int bitrate_bps) { return static_cast<unsigned>((bitrate_bps + 500) / 1000); }

void validate(const Vp8EncoderSettings& s) {
  if (s.width <= 0 || s.height <= 0 || s.width > kMaxDimension || s.height > kMaxDimension) {
    fail_config("VP8 video size " + size_text(s.width, s.height) +
                " is out of range; give 1 to 16383 pixels each way (e.g. 640x360)");
  }
  if (s.fps <= 0 || s.fps > kMaxFps) {
    fail_config("VP8 frame rate " + std::to_string(s.fps) + " is out of range; give 1 to 120");
  }
  if (s.bitrate_bps < kMinBitrateBps) {
    fail_config("VP8 bitrate " + std::to_string(s.bitrate_bps) +
                " bps is too low; give 10000 bps or more (e.g. 800000 for 640x360)");
  }
  if (s.keyframe_interval.count() <= 0) {
    fail_config("VP8 keyframe interval " + std::to_string(s.keyframe_interval.count()) +
                " ms is not positive; give e.g. 3000 ms");
  }
}

// libvpx's speed/quality trade-off: WebRTC's desktop choice, a little slower (better) for
// small pictures where the cost is low anyway.
int cpu_used(const Vp8EncoderSettings& s) { return s.width * s.height <= 352 * 288 ? -4 : -6; }

// A keyframe may take this % of a frame's average budget (WebRTC's MaxIntraTarget: half the
// optimal buffer): big enough for a clear picture after a PLI, small enough not to stall.
unsigned max_intra_bitrate_pct(int fps) {
  const unsigned pct = kBufferOptimalMs / 2 * static_cast<unsigned>(fps) / 10;
  return std::max(pct, 300u);
}

} // namespace

Vp8Encoder::Vp8Encoder(const Vp8EncoderSettings& settings) : settings_(settings) {
  validate(settings_);
  vpx_codec_iface_t* iface = vpx_codec_vp8_cx();
  check(vpx_codec_enc_config_default(iface, &config_, 0), nullptr, "default config");
  config_.g_w = static_cast<unsigned>(settings_.width);
  config_.g_h = static_cast<unsigned>(settings_.height);
  config_.g_timebase = {1, kTimebaseHz};
  config_.g_threads = 1;          // one encode per worker; the pool supplies parallelism
  config_.g_lag_in_frames = 0;    // no look-ahead: a frame in, its packet out
  config_.g_pass = VPX_RC_ONE_PASS;
  config_.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT; // decodable after a lost frame
  config_.rc_end_usage = VPX_CBR; // the network's rate, not the content's
  config_.rc_target_bitrate = kbps(settings_.bitrate_bps);
  config_.rc_dropframe_thresh = 0; // the pacer drops late frames; the encoder sends what it gets
  config_.rc_resize_allowed = 0;
  config_.rc_min_quantizer = kMinQuantizer;
  config_.rc_max_quantizer = kMaxQuantizer;
  config_.rc_undershoot_pct = 100;
  config_.rc_overshoot_pct = 15;
  config_.rc_buf_initial_sz = kBufferInitialMs;
  config_.rc_buf_optimal_sz = kBufferOptimalMs;
  config_.rc_buf_sz = kBufferMs;
  config_.kf_mode = VPX_KF_AUTO;
  config_.kf_min_dist = 0;
  const auto frames = settings_.keyframe_interval.count() * settings_.fps / 1000;
  config_.kf_max_dist = static_cast<unsigned>(std::max<int64_t>(frames, 1));

  auto codec = std::make_unique<vpx_codec_ctx_t>();
  check(vpx_codec_enc_init(codec.get(), iface, &config_, 0), codec.get(),
        "init at " + size_text(settings_.width, settings_.height) + ", " +
            std::to_string(settings_.bitrate_bps) + " bps");
  codec_.reset(codec.release()); // initialised: from here on it must be destroyed

  check(vpx_codec_control(codec_.get(), VP8E_SET_CPUUSED, cpu_used(settings_)), codec_.get(),
        "set speed");
  // Blocks that barely changed are skipped: a webcam's static background costs nothing.
  check(vpx_codec_control(codec_.get(), VP8E_SET_STATIC_THRESHOLD, 1), codec_.get(),
        "set static threshold");
  check(vpx_codec_control(codec_.get(), VP8E_SET_NOISE_SENSITIVITY, 0), codec_.get(),
        "turn off denoising");
  // One partition: the VP8 payload descriptor (RFC 7741 4.2) then needs no partition index.
  check(vpx_codec_control(codec_.get(), VP8E_SET_TOKEN_PARTITIONS, VP8_ONE_TOKENPARTITION),
        codec_.get(), "set token partitions");
  check(vpx_codec_control(codec_.get(), VP8E_SET_MAX_INTRA_BITRATE_PCT,
                          max_intra_bitrate_pct(settings_.fps)),
        codec_.get(), "set keyframe size limit");
}

Vp8Encoder::~Vp8Encoder() = default;

std::optional<EncodedVideoFrame> Vp8Encoder::encode(const I420Frame& frame, bool force_keyframe) {
  const std::size_t luma = static_cast<std::size_t>(settings_.width) * settings_.height;
  const std::size_t chroma = static_cast<std::size_t>(frame.chroma_width()) * frame.chroma_height();
  if (frame.width != settings_.width || frame.height != settings_.height) {
    throw Error(Error::Kind::Media, "VP8 encoder set up for " +
                                        size_text(settings_.width, settings_.height) +
                                        " got a " + size_text(frame.width, frame.height) +
                                        " frame; scale frames to the encoder's size first");
  }
  if (frame.y.size() != luma || frame.u.size() != chroma || frame.v.size() != chroma) {
    throw Error(Error::Kind::Media, "VP8 encoder got a " + size_text(frame.width, frame.height) +
                                        " I420 frame whose planes hold " +
                                        std::to_string(frame.y.size()) + "/" +
                                        std::to_string(frame.u.size()) + "/" +
                                        std::to_string(frame.v.size()) + " bytes, not " +
                                        std::to_string(luma) + "/" + std::to_string(chroma) +
                                        "/" + std::to_string(chroma));
  }

  // The image only points at the frame's planes; libvpx reads them, never writes.
  vpx_image_t image;
  if (vpx_img_wrap(&image, VPX_IMG_FMT_I420, static_cast<unsigned>(frame.width),
                   static_cast<unsigned>(frame.height), 1,
                   const_cast<uint8_t*>(frame.y.data())) == nullptr) {
    throw Error(Error::Kind::Media, "VP8 encoder: cannot describe a " +
                                        size_text(frame.width, frame.height) +
                                        " I420 frame to libvpx (vpx_img_wrap)");
  }
  image.planes[VPX_PLANE_U] = const_cast<uint8_t*>(frame.u.data());
  image.planes[VPX_PLANE_V] = const_cast<uint8_t*>(frame.v.data());
  image.stride[VPX_PLANE_Y] = frame.width;
  image.stride[VPX_PLANE_U] = frame.chroma_width();
  image.stride[VPX_PLANE_V] = frame.chroma_width();

  // libvpx's rate control measures time by pts: it must rise for the budget to add up.
  int64_t pts = frame.timestamp.count() * kTimebaseHz / 1000000;
  if (last_pts_ && pts <= *last_pts_) {
    pts = *last_pts_ + 1;
  }
  last_pts_ = pts;
  const auto duration = static_cast<unsigned long>(kTimebaseHz / settings_.fps);
  const vpx_enc_frame_flags_t flags = force_keyframe ? VPX_EFLAG_FORCE_KF : 0;
  check(vpx_codec_encode(codec_.get(), &image, pts, duration, flags, VPX_DL_REALTIME),
        codec_.get(), "encode");

  std::optional<EncodedVideoFrame> out;
  vpx_codec_iter_t iter = nullptr;
  while (const vpx_codec_cx_pkt_t* packet = vpx_codec_get_cx_data(codec_.get(), &iter)) {
    if (packet->kind != VPX_CODEC_CX_FRAME_PKT) {
      continue;
    }
    if (!out) {
      out.emplace();
      out->timestamp = frame.timestamp;
      out->width = frame.width;
      out->height = frame.height;
    }
    // With no lag and no fragment output this is one packet; appending covers any other case.
    const auto* bytes = static_cast<const uint8_t*>(packet->data.frame.buf);
    out->data.insert(out->data.end(), bytes, bytes + packet->data.frame.sz);
    out->keyframe = out->keyframe || (packet->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
  }
  return out;
}

void Vp8Encoder::set_bitrate(int bitrate_bps) {
  if (bitrate_bps < kMinBitrateBps) {
    fail_config("VP8 bitrate " + std::to_string(bitrate_bps) +
                " bps is too low; give 10000 bps or more");
  }
  vpx_codec_enc_cfg_t config = config_;
  config.rc_target_bitrate = kbps(bitrate_bps);
  check(vpx_codec_enc_config_set(codec_.get(), &config), codec_.get(),
        "set bitrate " + std::to_string(bitrate_bps) + " bps");
  config_ = config; // only once libvpx took it
  settings_.bitrate_bps = bitrate_bps;
}

} // namespace roomcast::media
