// LossCounter: packets lost on a stream from its sequence numbers alone (RFC 3550 A.1, A.3).
#pragma once

#include <cstdint>

namespace roomcast::rtp {

/// For streams nobody decodes (no jitter buffer to count for them): cumulative loss is
/// expected - received, expected from the extended highest sequence number. Duplicates
/// count as received, as in RFC 3550; the result never goes below 0.
class LossCounter {
 public:
  void on_packet(uint16_t sequence) {
    if (received_ == 0) {
      first_ = highest_ = sequence;
    } else {
      const auto delta = static_cast<int16_t>(static_cast<uint16_t>(sequence - static_cast<uint16_t>(highest_)));
      if (delta > 0) highest_ += delta;  // forward (across wraps); older packets leave it
    }
    ++received_;
  }
  uint64_t received() const { return received_; }
  uint64_t lost() const {
    if (received_ == 0) return 0;
    const uint64_t expected = static_cast<uint64_t>(highest_ - first_ + 1);
    return expected > received_ ? expected - received_ : 0;
  }

 private:
  int64_t first_ = 0;
  int64_t highest_ = 0;  // extended: keeps counting past 65535
  uint64_t received_ = 0;
};

}  // namespace roomcast::rtp
