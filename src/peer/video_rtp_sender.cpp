// VideoRtpSender: VP8 or H.264 frames to paced RTP with a history for NACKs (RFC 4585 §6.2.1; RTX
// per RFC 4588 when negotiated), keyframe requests (RFC 4585 §6.3.1 PLI, RFC 5104 §4.3.1 FIR) and
// REMB passed to the encoder.
#include "peer/video_rtp_sender.hpp"

#include <algorithm>

#include "rtp/ntp_time.hpp"

namespace roomcast::peer {

namespace {
std::variant<rtp::Vp8Packetizer, rtp::H264Packetizer> make_packetizer(VideoCodec codec, uint32_t ssrc,
                                                                       uint8_t payload_type,
                                                                       uint16_t first_sequence) {
  if (codec == VideoCodec::h264) return rtp::H264Packetizer(ssrc, payload_type, first_sequence);
  return rtp::Vp8Packetizer(ssrc, payload_type, first_sequence, static_cast<uint16_t>(first_sequence & 0x7fff));
}
}  // namespace

VideoRtpSender::VideoRtpSender(VideoCodec codec, uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence,
                               uint32_t first_timestamp, bool answer_nacks, Callbacks callbacks)
    : ssrc_(ssrc),
      packetizer_(make_packetizer(codec, ssrc, payload_type, first_sequence)),
      first_timestamp_(first_timestamp),
      answer_nacks_(answer_nacks),
      callbacks_(std::move(callbacks)),
      loss_bitrate_(kMinLossBitrateBps, kMaxLossBitrateBps) {
  stats_.loss_estimate_bps = loss_bitrate_.estimate();
  stats_.pacing_rate_bps = pacer_.pacing_rate_bps();
}

uint32_t VideoRtpSender::timestamp_for(std::chrono::microseconds track_time) const {
  // 90 kHz: 9 ticks per 100 µs. Timestamps come from frame times, never from send times.
  const int64_t ticks = track_time.count() * 9 / 100;
  return first_timestamp_ + static_cast<uint32_t>(ticks);
}

void VideoRtpSender::enable_rtx(uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence) {
  rtx_ = rtp::RtxStream{ssrc, payload_type};
  rtx_sequence_ = first_sequence;
  stats_.rtx = true;
}

void VideoRtpSender::set_target_bitrate(int bitrate_bps) {
  pacer_.set_target_bitrate(bitrate_bps);
  stats_.pacing_rate_bps = pacer_.pacing_rate_bps();
}

std::size_t VideoRtpSender::packetize(std::span<const uint8_t> frame, bool keyframe,
                                      std::chrono::microseconds track_time, Clock::time_point now) {
  std::vector<std::vector<uint8_t>> out;
  auto packets = std::visit([&](auto& p) { return p.packetize(frame, timestamp_for(track_time)); }, packetizer_);
  for (auto& packet : packets) {
    auto wire = packet.serialize();
    history_.remember(packet.sequence, wire, now);
    stats_.bytes_sent += packet.payload.size();
    recent_bytes_.emplace_back(now, wire.size());
    out.push_back(std::move(wire));
  }
  const std::size_t count = out.size();
  stats_.packets_sent += count;
  ++stats_.frames_sent;
  if (keyframe) ++stats_.keyframes_sent;
  pacer_.enqueue_frame(std::move(out), keyframe, now);
  return count;
}

std::vector<std::vector<uint8_t>> VideoRtpSender::take_due(Clock::time_point now) {
  auto due = pacer_.take_due(now);
  const auto& pacer = pacer_.stats();
  stats_.pacing_rate_bps = pacer_.pacing_rate_bps();
  stats_.pacer_dropped = pacer.media_dropped + pacer.retransmissions_dropped;
  stats_.pacer_peak_queue = pacer.peak_queue_packets;
  stats_.pacer_peak_delay_us = pacer.peak_queue_delay.count();
  return due;
}

std::vector<uint32_t> VideoRtpSender::ssrcs() const {
  if (rtx_) return {ssrc_, rtx_->ssrc};
  return {ssrc_};
}

bool VideoRtpSender::concerns(const rtp::Feedback& feedback) const {
  if (feedback.media_ssrc == ssrc_) return true;
  return std::any_of(feedback.fir_entries.begin(), feedback.fir_entries.end(),
                     [this](const auto& entry) { return entry.ssrc == ssrc_; }) ||
         (feedback.remb && std::find(feedback.remb->ssrcs.begin(), feedback.remb->ssrcs.end(), ssrc_) !=
                               feedback.remb->ssrcs.end());
}

int VideoRtpSender::sending_bps(Clock::time_point now) {
  while (!recent_bytes_.empty() && now - recent_bytes_.front().first > std::chrono::seconds(1)) recent_bytes_.pop_front();
  size_t bytes = 0;
  for (const auto& [at, size] : recent_bytes_) bytes += size;
  return static_cast<int>(std::min<size_t>(bytes * 8, INT32_MAX));
}

void VideoRtpSender::on_report_block(const rtp::ReportBlock& block, Clock::time_point now) {
  stats_.remote_fraction_lost = block.fraction_lost / 256.0;
  if (loss_bitrate_.on_report(stats_.remote_fraction_lost, sending_bps(now), now)) {
    stats_.loss_estimate_bps = loss_bitrate_.estimate();
    report_estimate();
  }
}

void VideoRtpSender::report_estimate() {
  const int estimate = std::min(stats_.remb_bps.value_or(INT32_MAX), loss_bitrate_.estimate());
  if (callbacks_.on_bandwidth_estimate) callbacks_.on_bandwidth_estimate(estimate);
}

void VideoRtpSender::on_feedback(const rtp::Feedback& feedback, Clock::time_point now) {
  switch (feedback.kind) {
    case rtp::FeedbackKind::GenericNack:
      ++stats_.nacks_received;
      if (!answer_nacks_) break;
      for (uint16_t sequence : feedback.lost_sequences) {
        if (const auto* packet = history_.find(sequence, now)) {
          if (rtx_) {
            // RFC 4588 §4: the original sequence number in front of the payload, on our RTX SSRC.
            auto rtx = rtp::build_rtx(*packet, *rtx_, rtx_sequence_);
            if (!rtx) continue;
            ++rtx_sequence_;
            ++stats_.retransmissions_rtx;
            pacer_.enqueue_retransmission(std::move(*rtx), now);
          } else {
            pacer_.enqueue_retransmission(*packet, now);
          }
          ++stats_.retransmissions;
        } else {
          ++stats_.retransmit_misses;
        }
      }
      break;
    case rtp::FeedbackKind::PictureLoss:
    case rtp::FeedbackKind::FullIntraRequest:
      ++stats_.keyframe_requests;
      if (callbacks_.on_keyframe_request) callbacks_.on_keyframe_request();
      break;
    case rtp::FeedbackKind::ApplicationLayer:
      if (feedback.remb) {
        stats_.remb_bps = static_cast<int>(std::min<uint64_t>(feedback.remb->bitrate_bps, INT32_MAX));
        report_estimate();
      }
      break;
    default:
      break;
  }
}

std::optional<rtp::SenderInfo> VideoRtpSender::sender_info(Clock::time_point now) const {
  if (!anchor_ || stats_.frames_sent == 0) return std::nullopt;
  // RTP time of `now` on the track's timeline: the frame shown now would carry it.
  rtp::SenderInfo info;
  info.ntp_timestamp = rtp::to_ntp(std::chrono::system_clock::now());
  info.rtp_timestamp = timestamp_for(std::chrono::duration_cast<std::chrono::microseconds>(now - *anchor_));
  info.packet_count = static_cast<uint32_t>(stats_.packets_sent);
  info.octet_count = static_cast<uint32_t>(stats_.bytes_sent);
  return info;
}

}  // namespace roomcast::peer
