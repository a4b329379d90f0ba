// VideoRtpSender: one outgoing video stream's RTP work, as a chain of small steps:
// VP8 or H.264 packetizer -> send history (answers NACKs, plain or RTX) -> pacer -> the transport;
// keyframe requests (PLI, FIR) and the server's bandwidth estimate (REMB) go back to the encoder.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "peer/rtp_sender.hpp"
#include "roomcast/meeting_config.hpp"
#include "rtp/h264_packetizer.hpp"
#include "rtp/loss_based_bitrate.hpp"
#include "rtp/packet_pacer.hpp"
#include "rtp/rtcp.hpp"
#include "rtp/rtx.hpp"
#include "rtp/send_history.hpp"
#include "rtp/vp8_packetizer.hpp"

namespace roomcast::peer {

inline constexpr uint32_t kVideoClockRateHz = 90000;  // RFC 7741 §6.1, RFC 6184 §5.1
// The loss-based estimate's range: the lowest VideoSettings::max_bitrate_bps allows, and its
// highest (the encoder never goes above the configured maximum anyway).
inline constexpr int kMinLossBitrateBps = 50'000;
inline constexpr int kMaxLossBitrateBps = 8'000'000;

struct VideoSendStats {
  uint64_t frames_sent = 0;
  uint64_t keyframes_sent = 0;
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t nacks_received = 0;       ///< NACK messages about our stream
  uint64_t retransmissions = 0;      ///< packets resent from the history (plain or RTX)
  uint64_t retransmissions_rtx = 0;  ///< of those, sent as RTX (RFC 4588)
  bool rtx = false;                  ///< the server took RTX in its answer
  uint64_t retransmit_misses = 0;    ///< asked for, but too old to resend
  uint64_t keyframe_requests = 0;    ///< PLI and FIR received
  std::optional<int> remb_bps;       ///< the server's latest estimate
  double remote_fraction_lost = 0;   ///< in the server's latest receiver report on our stream
  int loss_estimate_bps = 0;         ///< what that loss allows (LossBasedBitrate)
  int pacing_rate_bps = 0;           ///< the pacer's rate (2.5 x the encoder's target)
  uint64_t pacer_dropped = 0;        ///< media and retransmissions a full pacer queue dropped
  uint64_t pacer_peak_queue = 0;     ///< most packets the pacer held at once
  int64_t pacer_peak_delay_us = 0;   ///< longest a packet waited in the pacer
};

/// Loop thread only. Sending is the caller's: packetize() and on_feedback() queue packets in the
/// pacer; take_due() hands over those due (serialized, not yet SRTP-protected) in send order,
/// and next_send_time() says when to call it again.
class VideoRtpSender : public RtpSender {
 public:
  struct Callbacks {
    std::function<void()> on_keyframe_request;
    /// The lower of the server's REMB and what the reported loss allows, when either changes.
    std::function<void(int bitrate_bps)> on_bandwidth_estimate;
  };

  /// `answer_nacks` false: NACKs are counted, never answered (Janus 1.1 sends them even
  /// when the offer did not ask for NACK feedback).
  /// Frames given to packetize are `codec`'s (H.264: Annex-B access units).
  VideoRtpSender(VideoCodec codec, uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence,
                 uint32_t first_timestamp, bool answer_nacks, Callbacks callbacks);

  /// The steady-clock time at which track time 0 is shown: RTP time in sender reports is
  /// counted from it, on the same wall clock as the audio's, so receivers lip-sync.
  void set_anchor(Clock::time_point anchor) { anchor_ = anchor; }
  std::optional<Clock::time_point> anchor() const { return anchor_; }

  /// The server's answer kept RTX: NACKed packets go on this SSRC and payload type, with
  /// their own sequence numbers from `first_sequence` (RFC 4588 §4). Without it they are
  /// resent as they were (same SSRC and sequence number).
  void enable_rtx(uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence);
  /// The encoder's current target: the pacing rate follows it.
  void set_target_bitrate(int bitrate_bps);

  /// One encoded frame at `track_time` (from the track's start) into RTP packets, queued in
  /// the pacer; returns how many.
  std::size_t packetize(std::span<const uint8_t> frame, bool keyframe, std::chrono::microseconds track_time,
                        Clock::time_point now);
  /// RTCP feedback addressed to this stream; NACKed packets are queued for resending, ahead of media.
  void on_feedback(const rtp::Feedback& feedback, Clock::time_point now) override;
  /// The packets due at `now`, in send order.
  std::vector<std::vector<uint8_t>> take_due(Clock::time_point now) override;
  /// When take_due() has something next (on the pacer's shared grid); nullopt: nothing queued.
  std::optional<Clock::time_point> next_send_time() const override { return pacer_.next_send_time(); }
  /// A receiver report block about our stream: sustained loss lowers the bitrate.
  void on_report_block(const rtp::ReportBlock& block, Clock::time_point now) override;
  /// Whether this feedback concerns our stream (media SSRC, or a FIR entry naming it).
  bool concerns(const rtp::Feedback& feedback) const override;

  /// The sender-report figures for `now` (nullopt before the first frame).
  std::optional<rtp::SenderInfo> sender_info(Clock::time_point now) const override;
  uint32_t ssrc() const override { return ssrc_; }
  std::vector<uint32_t> ssrcs() const override;
  uint32_t timestamp_for(std::chrono::microseconds track_time) const;
  const VideoSendStats& stats() const { return stats_; }

 private:
  uint32_t ssrc_;
  std::variant<rtp::Vp8Packetizer, rtp::H264Packetizer> packetizer_;
  rtp::SendHistory history_;
  rtp::PacketPacer pacer_;
  std::optional<rtp::RtxStream> rtx_;
  uint16_t rtx_sequence_ = 0;
  uint32_t first_timestamp_;
  bool answer_nacks_;
  Callbacks callbacks_;
  std::optional<Clock::time_point> anchor_;
  VideoSendStats stats_;
  rtp::LossBasedBitrate loss_bitrate_;
  std::deque<std::pair<Clock::time_point, size_t>> recent_bytes_;  // the last second's packets
  int sending_bps(Clock::time_point now);
  void report_estimate();
};

}  // namespace roomcast::peer
