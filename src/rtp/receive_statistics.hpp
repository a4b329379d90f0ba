// ReceiveStatistics: one RTP source as its receiver sees it (RFC 3550 A.1, A.3, A.8) and the
// report block (§6.4.1) a receiver report gives about it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "rtp/rtcp.hpp"

namespace roomcast::rtp {

/// Pure logic: arrival times are the caller's (steady clock), no clock is read. Network input
/// never throws. Loop thread only.
class ReceiveStatistics {
 public:
  using Clock = std::chrono::steady_clock;
  /// RFC 3550 A.1: a jump forward beyond this, or back beyond kMaxMisorder, is a restart
  /// once the next packet continues it.
  static constexpr int kMaxDropout = 3000;
  static constexpr int kMaxMisorder = 100;

  explicit ReceiveStatistics(uint32_t ssrc, uint32_t clock_rate_hz = 48000)
      : ssrc_(ssrc), clock_rate_hz_(clock_rate_hz) {}

  /// One RTP packet of the source: its sequence number, timestamp, payload size and arrival.
  void on_packet(uint16_t sequence, uint32_t rtp_timestamp, std::size_t payload_bytes, Clock::time_point arrival);
  /// An RTCP sender report from the source (its NTP timestamp): the next report block's LSR.
  void on_sender_report(uint64_t ntp_timestamp, Clock::time_point arrival);
  /// The report block for a receiver report sent at `now`; starts the next loss interval.
  ReportBlock make_report_block(Clock::time_point now);

  uint32_t ssrc() const { return ssrc_; }
  uint64_t packets_received() const { return received_; }
  uint64_t bytes_received() const { return bytes_; }
  /// Expected (from the extended highest sequence number) minus received; negative with
  /// duplicates (RFC 3550 A.3).
  int64_t cumulative_lost() const;
  uint32_t extended_highest_sequence() const { return static_cast<uint32_t>(highest_); }
  /// Interarrival jitter, RTP timestamp units (RFC 3550 A.8).
  double jitter_units() const { return jitter_; }
  /// The same in milliseconds.
  double jitter_ms() const { return jitter_ * 1000.0 / clock_rate_hz_; }
  /// Fraction lost in the interval before the latest report block (0..1), nullopt before one.
  std::optional<double> last_fraction_lost() const { return last_fraction_lost_; }
  /// When the latest packet arrived (nullopt before the first).
  std::optional<Clock::time_point> last_packet_at() const { return last_arrival_; }
  /// When the last SR from the source arrived, if one did.
  std::optional<Clock::time_point> last_sender_report_at() const { return last_sr_at_; }

 private:
  void restart(uint16_t sequence);

  uint32_t ssrc_;
  uint32_t clock_rate_hz_;
  bool started_ = false;
  int64_t base_ = 0;     // extended sequence number of the first packet (of this restart)
  int64_t highest_ = 0;  // extended highest sequence number
  std::optional<uint16_t> bad_sequence_;  // A.1: a jump waiting for its confirmation
  uint64_t received_ = 0;
  uint64_t bytes_ = 0;
  uint64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  std::optional<double> last_fraction_lost_;
  // A.8 jitter: previous packet's arrival and timestamp.
  std::optional<Clock::time_point> last_arrival_;
  uint32_t last_timestamp_ = 0;
  double jitter_ = 0;
  uint32_t last_sr_ = 0;  // compact NTP of the last SR
  std::optional<Clock::time_point> last_sr_at_;
};

}  // namespace roomcast::rtp
