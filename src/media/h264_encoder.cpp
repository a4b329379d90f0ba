// libx264 (through libavcodec) in real-time mode, each return code checked.
#include "media/h264_encoder.hpp"

#include <algorithm>
#include <span>
#include <string>

extern "C" {
#include <libavutil/opt.h>
}

#include "media/av_error.hpp"
#include "roomcast/error.hpp"
#include "rtp/h264_nal.hpp"

namespace roomcast::media {
namespace {

// RTP's video clock (RFC 6184 §5.1: 90 kHz); pts in it map straight onto RTP timestamps.
constexpr int kTimebaseHz = 90000;
constexpr int kMaxFps = 120;
constexpr int kMinBitrateBps = 10000;
// Level 3.1 (H.264 Table A-1): MaxFS 3600 macroblocks, MaxMBPS 108000; A.3.1 f/g bound
// each side by sqrt(8 * MaxFS) macroblocks.
constexpr int kMaxFrameMacroblocks = 3600;
constexpr int kMaxMacroblocksPerSecond = 108000;
constexpr int kMaxDimension = 169 * 16;
// Rate-control buffer: one second at the target, like the VP8 encoder's, so a burst cannot
// queue up seconds of latency behind it.
constexpr int64_t kBufferMs = 1000;

// repeat-headers: SPS and PPS before every IDR, so a receiver can start at any keyframe.
// annexb: start codes, what RFC 6184 packetizers split. scenecut=0: IDRs only on schedule
// or on request, never a surprise burst. aud=0: RFC 6184 packetizers drop them anyway.
constexpr const char* kX264Params = "repeat-headers=1:annexb=1:scenecut=0:aud=0";

std::string size_text(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

[[noreturn]] void fail_config(const std::string& what) { throw Error(Error::Kind::Config, what); }

void check(int rc, const std::string& what) {
  if (rc < 0) {
    throw Error(Error::Kind::Media, "H.264 encoder: " + what + " failed (" + av_error_text(rc) + ")");
  }
}

int macroblocks(int pixels) { return (pixels + 15) / 16; }

void validate(const H264EncoderSettings& s) {
  const int frame_mbs = macroblocks(s.width) * macroblocks(s.height);
  if (s.width <= 0 || s.height <= 0 || s.width % 2 != 0 || s.height % 2 != 0 ||
      s.width > kMaxDimension || s.height > kMaxDimension || frame_mbs > kMaxFrameMacroblocks) {
    fail_config("H.264 video size " + size_text(s.width, s.height) +
                " is out of range; give even sizes of at most 3600 macroblocks (level 3.1, "
                "e.g. 640x360 or 1280x720)");
  }
  if (s.fps <= 0 || s.fps > kMaxFps) {
    fail_config("H.264 frame rate " + std::to_string(s.fps) + " is out of range; give 1 to 120");
  }
  if (frame_mbs * s.fps > kMaxMacroblocksPerSecond) {
    fail_config("H.264 " + size_text(s.width, s.height) + " at " + std::to_string(s.fps) +
                " fps is beyond level 3.1 (108000 macroblocks a second); lower the size or "
                "the frame rate (e.g. 1280x720 at 30)");
  }
  if (s.bitrate_bps < kMinBitrateBps) {
    fail_config("H.264 bitrate " + std::to_string(s.bitrate_bps) +
                " bps is too low; give 10000 bps or more (e.g. 800000 for 640x360)");
  }
  if (s.keyframe_interval.count() <= 0) {
    fail_config("H.264 keyframe interval " + std::to_string(s.keyframe_interval.count()) +
                " ms is not positive; give e.g. 3000 ms");
  }
}

void set_option(AVCodecContext* context, const char* name, const char* value) {
  check(av_opt_set(context->priv_data, name, value, 0),
        std::string("set libx264 option ") + name + "=" + value);
}

bool has_idr(std::span<const uint8_t> annexb) {
  return std::ranges::any_of(rtp::split_annexb(annexb), [](std::span<const uint8_t> nal) {
    return rtp::h264_nal_type(nal[0]) == rtp::kH264NalIdr;
  });
}

} // namespace

H264Encoder::H264Encoder(const H264EncoderSettings& settings) : settings_(settings) {
  validate(settings_);
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) {
    throw Error(Error::Kind::Media, "H.264 encoder: this libavcodec has no libx264 encoder; "
                                    "install an FFmpeg built with --enable-libx264");
  }
  context_.reset(avcodec_alloc_context3(codec));
  frame_.reset(av_frame_alloc());
  packet_.reset(av_packet_alloc());
  if (!context_ || !frame_ || !packet_) {
    throw Error(Error::Kind::Media, "H.264 encoder: out of memory allocating the codec context");
  }
  AVCodecContext* c = context_.get();
  c->width = settings_.width;
  c->height = settings_.height;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = AVRational{1, kTimebaseHz};
  c->framerate = AVRational{settings_.fps, 1};
  c->thread_count = 1; // one encode per worker; the pool supplies parallelism
  c->max_b_frames = 0; // baseline has none, and each would add a frame of delay
  const auto frames = settings_.keyframe_interval.count() * settings_.fps / 1000;
  c->gop_size = static_cast<int>(std::clamp<int64_t>(frames, 1, 100000));
  apply_bitrate(settings_.bitrate_bps);

  // zerolatency: no lookahead, no frame threads, no B-frames: a frame in, its access unit out.
  set_option(c, "preset", "veryfast");
  set_option(c, "tune", "zerolatency");
  set_option(c, "profile", "baseline"); // x264 marks it constraint_set1: constrained baseline
  set_option(c, "level", "3.1");
  set_option(c, "intra-refresh", "0"); // whole IDRs: a PLI must give a clean picture at once
  set_option(c, "forced-idr", "1");    // a forced keyframe is an IDR, not an open-GOP I frame
  set_option(c, "x264-params", kX264Params);

  check(avcodec_open2(c, codec, nullptr),
        "open libx264 at " + size_text(settings_.width, settings_.height) + ", " +
            std::to_string(settings_.bitrate_bps) + " bps");
}

H264Encoder::~H264Encoder() = default;

void H264Encoder::apply_bitrate(int bitrate_bps) {
  // CBR-like: the average at the target and the VBV capping it over a short buffer.
  // libx264 re-reads these three before each frame (x264_encoder_reconfig).
  context_->bit_rate = bitrate_bps;
  context_->rc_max_rate = bitrate_bps;
  context_->rc_buffer_size = static_cast<int>(bitrate_bps * kBufferMs / 1000);
}

std::optional<EncodedVideoFrame> H264Encoder::encode(const I420Frame& frame, bool force_keyframe) {
  const std::size_t luma = static_cast<std::size_t>(settings_.width) * settings_.height;
  const std::size_t chroma = static_cast<std::size_t>(frame.chroma_width()) * frame.chroma_height();
  if (frame.width != settings_.width || frame.height != settings_.height) {
    throw Error(Error::Kind::Media, "H.264 encoder set up for " +
                                        size_text(settings_.width, settings_.height) +
                                        " got a " + size_text(frame.width, frame.height) +
                                        " frame; scale frames to the encoder's size first");
  }
  if (frame.y.size() != luma || frame.u.size() != chroma || frame.v.size() != chroma) {
    throw Error(Error::Kind::Media, "H.264 encoder got a " +
                                        size_text(frame.width, frame.height) +
                                        " I420 frame whose planes hold " +
                                        std::to_string(frame.y.size()) + "/" +
                                        std::to_string(frame.u.size()) + "/" +
                                        std::to_string(frame.v.size()) + " bytes, not " +
                                        std::to_string(luma) + "/" + std::to_string(chroma) +
                                        "/" + std::to_string(chroma));
  }

  // The AVFrame only points at the frame's planes: not reference counted, so libavcodec
  // copies them before libx264 sees them and nothing here is written.
  AVFrame* f = frame_.get();
  f->format = AV_PIX_FMT_YUV420P;
  f->width = frame.width;
  f->height = frame.height;
  f->data[0] = const_cast<uint8_t*>(frame.y.data());
  f->data[1] = const_cast<uint8_t*>(frame.u.data());
  f->data[2] = const_cast<uint8_t*>(frame.v.data());
  f->linesize[0] = frame.width;
  f->linesize[1] = frame.chroma_width();
  f->linesize[2] = frame.chroma_width();
  // libx264's rate control measures time by pts: it must rise for the budget to add up.
  int64_t pts = frame.timestamp.count() * kTimebaseHz / 1000000;
  if (last_pts_ && pts <= *last_pts_) {
    pts = *last_pts_ + 1;
  }
  last_pts_ = pts;
  f->pts = pts;
  f->pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  f->key_frame = force_keyframe ? 1 : 0;

  check(avcodec_send_frame(context_.get(), f), "encode");
  std::optional<EncodedVideoFrame> out;
  for (;;) {
    const int rc = avcodec_receive_packet(context_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
      break;
    }
    check(rc, "receive an access unit");
    if (!out) {
      out.emplace();
      out->timestamp = frame.timestamp;
      out->width = frame.width;
      out->height = frame.height;
    }
    // zerolatency gives one packet per frame; appending covers any other case.
    out->data.insert(out->data.end(), packet_->data, packet_->data + packet_->size);
    av_packet_unref(packet_.get());
  }
  if (out) {
    out->keyframe = has_idr(out->data);
  }
  return out;
}

void H264Encoder::set_bitrate(int bitrate_bps) {
  if (bitrate_bps < kMinBitrateBps) {
    fail_config("H.264 bitrate " + std::to_string(bitrate_bps) +
                " bps is too low; give 10000 bps or more");
  }
  apply_bitrate(bitrate_bps);
  settings_.bitrate_bps = bitrate_bps;
}

} // namespace roomcast::media
