// AudioRtpSender: one outgoing Opus stream's RTP work: packetizer (RFC 7587), sender-report
// figures, and what the server's receiver reports say about the stream (loss, jitter, RTT).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "peer/rtp_sender.hpp"
#include "rtp/opus_packetizer.hpp"

namespace roomcast::peer {

struct AudioSendStats {
  uint64_t packets_sent = 0;
  uint64_t payload_bytes_sent = 0;
  /// Report blocks about our stream received so far, and the latest one's figures.
  uint64_t receiver_reports = 0;
  double remote_fraction_lost = 0;
  int64_t remote_cumulative_lost = 0;
  uint32_t remote_jitter_samples = 0;
  /// From the latest report block with an LSR (RFC 3550 §6.4.1: A - LSR - DLSR).
  std::optional<std::chrono::microseconds> round_trip_time;
};

/// Loop thread only. Audio is not paced: each 20 ms frame is one small packet, sent when made.
class AudioRtpSender : public RtpSender {
 public:
  AudioRtpSender(uint32_t ssrc, uint8_t payload_type, std::optional<uint8_t> audio_level_ext_id,
                 uint16_t first_sequence, uint32_t first_timestamp);

  /// One encoded Opus frame whose first sample has index `first_sample` on the stream's
  /// timeline; take_due() hands its packet over.
  void packetize(std::span<const uint8_t> opus, uint64_t first_sample, uint8_t audio_level, Clock::time_point now);
  /// The next packet starts a talkspurt (RTP marker bit): after silence or DTX.
  void mark_talkspurt() { packetizer_.mark_next_talkspurt(); }
  /// The stream's timeline: the sample `first_sample` is due at `start` (a media-clock tick).
  /// Sender reports then pair the wall clock with the RTP time of that instant on it, as the
  /// video's do with its anchor; without one, with the last frame sent's time.
  void set_timeline(Clock::time_point start, uint64_t first_sample) { timeline_ = {start, first_sample}; }
  /// Where the stream stands, for the next session to continue it.
  RtpContinuation continuation() const;
  const AudioSendStats& stats() const { return stats_; }

  uint32_t ssrc() const override { return packetizer_.ssrc(); }
  std::optional<rtp::SenderInfo> sender_info(Clock::time_point now) const override;
  void on_report_block(const rtp::ReportBlock& block, Clock::time_point now) override;
  std::vector<std::vector<uint8_t>> take_due(Clock::time_point now) override;
  std::optional<Clock::time_point> next_send_time() const override;

 private:
  rtp::OpusPacketizer packetizer_;
  std::vector<std::vector<uint8_t>> due_;
  std::optional<Clock::time_point> last_sent_at_;  // when the frame with the last timestamp went out
  std::optional<std::pair<Clock::time_point, uint64_t>> timeline_;
  AudioSendStats stats_;
};

}  // namespace roomcast::peer
