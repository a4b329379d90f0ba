// VideoReceiver: one received VP8 or H.264 stream's RTP side: frames out, NACK and PLI back (RFC 4585).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "roomcast/meeting_config.hpp"
#include "rtp/h264_depacketizer.hpp"
#include "rtp/rate_limiter.hpp"
#include "rtp/rtp_packet.hpp"
#include "rtp/vp8_depacketizer.hpp"

namespace roomcast::receive {

/// Reassembles frames and decides what feedback to send: a generic NACK (RFC 4585 §6.2.1) for
/// packets missing behind newer ones, each sequence number asked again at most once per round
/// trip and at most kMaxNacks times; a PLI (§6.3.1) while no keyframe has come yet or since a
/// frame was given up on (delta frames are withheld meanwhile: they refer to what is missing),
/// or when the decoder says it lost sync (request_keyframe), at most one per kPliInterval.
/// Pure logic with time as an input; loop thread.
class VideoReceiver {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kPliInterval = std::chrono::milliseconds(500);
  static constexpr int kMaxNacks = 5;
  static constexpr auto kMinNackInterval = std::chrono::milliseconds(20);

  /// One complete frame (VP8: descriptors removed; H.264: an Annex-B access unit).
  struct Frame {
    std::vector<uint8_t> payload;
    bool keyframe = false;                   ///< VP8 key frame; H.264 access unit with an IDR slice
    uint32_t rtp_timestamp = 0;
    std::chrono::microseconds timestamp{0};  ///< its RTP time since the first frame handed out
  };
  struct Output {
    std::vector<Frame> frames;               ///< completed and worth decoding, oldest first
    std::vector<std::vector<uint8_t>> rtcp;  ///< feedback to send now
  };

  /// `local_ssrc`: the sender SSRC of our feedback; `codec`: what the stream carries.
  explicit VideoReceiver(uint32_t local_ssrc, VideoCodec codec = VideoCodec::vp8);

  /// One RTP packet of the stream. `rtt`: the round trip to the server, for NACK spacing.
  Output on_packet(const rtp::RtpPacket& packet, Clock::time_point now, Clock::duration rtt);
  /// The decoder could not use a frame: a PLI, unless one went out within kPliInterval
  /// (empty then, or before any packet told us the media SSRC).
  std::vector<uint8_t> request_keyframe(Clock::time_point now);

  uint64_t nacks_sent() const { return nacks_sent_; }
  uint64_t plis_sent() const { return plis_sent_; }
  VideoCodec codec() const { return codec_; }
  /// Frames the depacketizer gave up on (incomplete when a newer one completed).
  uint64_t frames_dropped() const;

 private:
  struct Nacked {
    Clock::time_point last;
    int count = 0;
  };
  void add_nack(Output& out, Clock::time_point now, Clock::duration rtt);
  std::chrono::microseconds media_time(uint32_t rtp_timestamp);

  void reset_depacketizer();

  uint32_t local_ssrc_;
  VideoCodec codec_;
  std::optional<uint32_t> remote_ssrc_;
  std::variant<rtp::Vp8Depacketizer, rtp::H264Depacketizer> depacketizer_;
  rtp::RateLimiter pli_limiter_{kPliInterval};
  bool keyframe_seen_ = false;
  uint64_t dropped_seen_ = 0;
  std::map<uint16_t, Nacked> nacked_;
  // RTP time unwrapped (RFC 3550 §5.1: 32 bits wrap), from the first frame's.
  std::optional<uint32_t> last_rtp_;
  int64_t extended_rtp_ = 0;
  uint64_t nacks_sent_ = 0;
  uint64_t plis_sent_ = 0;
};

}  // namespace roomcast::receive
