// AudioRtpSender: Opus frames to RTP, and the receiver reports about them (RFC 3550 §6.4).
#include "peer/audio_rtp_sender.hpp"

#include <utility>

#include "rtp/ntp_time.hpp"

namespace roomcast::peer {

AudioRtpSender::AudioRtpSender(uint32_t ssrc, uint8_t payload_type, std::optional<uint8_t> audio_level_ext_id,
                               uint16_t first_sequence, uint32_t first_timestamp)
    : packetizer_(ssrc, payload_type, audio_level_ext_id, first_sequence, first_timestamp) {}

void AudioRtpSender::packetize(std::span<const uint8_t> opus, uint64_t first_sample, uint8_t audio_level,
                               Clock::time_point now) {
  due_.push_back(packetizer_.packetize(opus, first_sample, audio_level));
  last_sent_at_ = now;
  ++stats_.packets_sent;
  stats_.payload_bytes_sent += opus.size();
}

std::vector<std::vector<uint8_t>> AudioRtpSender::take_due(Clock::time_point) { return std::exchange(due_, {}); }

std::optional<AudioRtpSender::Clock::time_point> AudioRtpSender::next_send_time() const {
  if (due_.empty()) return std::nullopt;
  return Clock::time_point{};  // now
}

RtpContinuation AudioRtpSender::continuation() const {
  return {packetizer_.ssrc(), packetizer_.next_sequence(), packetizer_.timestamp_for_sample(0)};
}

std::optional<rtp::SenderInfo> AudioRtpSender::sender_info(Clock::time_point now) const {
  const auto last = packetizer_.last_timestamp();
  if (!last || !last_sent_at_) return std::nullopt;
  // The wall clock now, paired with the RTP time of now: on the timeline, what was due now
  // (audio sent late by a late tick or an underrun then shows as late, and receivers line up
  // what was due together); else the last frame's time plus the samples since it went out.
  auto samples_since = [](Clock::duration elapsed) {
    return std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() * rtp::kOpusClockRateHz / 1'000'000;
  };
  rtp::SenderInfo info;
  info.ntp_timestamp = rtp::to_ntp(std::chrono::system_clock::now());
  if (timeline_) {
    const auto sample = static_cast<int64_t>(timeline_->second) + samples_since(now - timeline_->first);
    info.rtp_timestamp = packetizer_.timestamp_for_sample(static_cast<uint64_t>(sample));
  } else {
    info.rtp_timestamp = *last + static_cast<uint32_t>(samples_since(now - *last_sent_at_));
  }
  info.packet_count = static_cast<uint32_t>(packetizer_.packets_sent());
  info.octet_count = static_cast<uint32_t>(packetizer_.octets_sent());
  return info;
}

void AudioRtpSender::on_report_block(const rtp::ReportBlock& block, Clock::time_point) {
  // RFC 3550 §6.4.1: the arrival time in the same (wall clock) NTP time our SRs carry.
  const uint32_t arrival = rtp::compact_ntp(rtp::to_ntp(std::chrono::system_clock::now()));
  ++stats_.receiver_reports;
  stats_.remote_fraction_lost = block.fraction_lost / 256.0;
  stats_.remote_cumulative_lost = block.cumulative_lost;
  stats_.remote_jitter_samples = block.jitter;
  if (auto rtt = rtp::round_trip_time(arrival, block)) stats_.round_trip_time = rtt;
}

}  // namespace roomcast::peer
