// Receiver-side RTP statistics after RFC 3550 A.1 (sequence), A.3 (loss) and A.8 (jitter).
#include "rtp/receive_statistics.hpp"

#include <algorithm>
#include <cmath>

namespace roomcast::rtp {

void ReceiveStatistics::restart(uint16_t sequence) {
  // A.1 init_seq: counting starts afresh (the stream restarted).
  started_ = true;
  base_ = highest_ = sequence;
  bad_sequence_.reset();
  received_ = 0;
  expected_prior_ = received_prior_ = 0;
  last_arrival_.reset();
}

void ReceiveStatistics::on_packet(uint16_t sequence, uint32_t rtp_timestamp, std::size_t payload_bytes,
                                  Clock::time_point arrival) {
  if (!started_) {
    restart(sequence);
  } else {
    const int delta = static_cast<int16_t>(static_cast<uint16_t>(sequence - static_cast<uint16_t>(highest_)));
    const int forward = static_cast<uint16_t>(sequence - static_cast<uint16_t>(highest_));
    if (delta > 0 || (delta < 0 && -delta <= kMaxMisorder)) {
      if (delta > 0 && forward > kMaxDropout) {
        // A big jump forward: a restart only when the next packet continues it.
        if (bad_sequence_ && *bad_sequence_ == sequence) {
          restart(sequence);
        } else {
          bad_sequence_ = static_cast<uint16_t>(sequence + 1);
          return;
        }
      } else if (delta > 0) {
        highest_ += delta;  // in order, with a permissible gap (wraps keep counting)
      }
      // else: duplicate or reordered within kMaxMisorder, counted as received (A.3)
    } else if (delta == 0) {
      // duplicate of the highest
    } else {
      if (bad_sequence_ && *bad_sequence_ == sequence) {
        restart(sequence);
      } else {
        bad_sequence_ = static_cast<uint16_t>(sequence + 1);
        return;
      }
    }
  }
  ++received_;
  bytes_ += payload_bytes;

  // A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si) in timestamp units; J += (|D| - J) / 16.
  if (last_arrival_) {
    const double arrival_delta =
        std::chrono::duration<double>(arrival - *last_arrival_).count() * clock_rate_hz_;
    const double timestamp_delta = static_cast<int32_t>(rtp_timestamp - last_timestamp_);
    const double d = arrival_delta - timestamp_delta;
    jitter_ += (std::fabs(d) - jitter_) / 16.0;
  }
  last_arrival_ = arrival;
  last_timestamp_ = rtp_timestamp;
}

void ReceiveStatistics::on_sender_report(uint64_t ntp_timestamp, Clock::time_point arrival) {
  last_sr_ = compact_ntp(ntp_timestamp);
  last_sr_at_ = arrival;
}

int64_t ReceiveStatistics::cumulative_lost() const {
  if (received_ == 0) return 0;
  const int64_t expected = highest_ - base_ + 1;
  return expected - static_cast<int64_t>(received_);
}

ReportBlock ReceiveStatistics::make_report_block(Clock::time_point now) {
  ReportBlock block;
  block.ssrc = ssrc_;
  // A.3: the fraction lost since the previous report, 0 when packets were duplicated.
  const uint64_t expected = received_ ? static_cast<uint64_t>(highest_ - base_ + 1) : 0;
  const int64_t expected_interval = static_cast<int64_t>(expected - expected_prior_);
  const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
  const int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = expected;
  received_prior_ = received_;
  block.fraction_lost =
      (expected_interval <= 0 || lost_interval <= 0)
          ? 0
          : static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
  last_fraction_lost_ = block.fraction_lost / 256.0;
  block.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(cumulative_lost(), -0x800000, 0x7FFFFF));
  block.extended_highest_sequence = extended_highest_sequence();
  block.jitter = static_cast<uint32_t>(std::lround(jitter_));
  if (last_sr_at_) {
    block.last_sr = last_sr_;
    const auto since = std::chrono::duration_cast<std::chrono::microseconds>(now - *last_sr_at_);
    block.delay_since_last_sr = duration_to_compact_ntp(std::max(since, std::chrono::microseconds{0}));
  }
  return block;
}

}  // namespace roomcast::rtp
