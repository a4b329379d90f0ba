// SendHistory: recently sent RTP packets by sequence number, for retransmission on NACK.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

namespace roomcast::rtp {

// Holds the last `capacity` packets handed to remember(), serialized but not yet SRTP-protected,
// so a resend can be protected again (same index, same plaintext: the SRTP session allows the
// repeat) or wrapped in RTX (RFC 4588 §4: new SSRC and sequence number, the original in the
// OSN). Time is an input: no clock is read. Loop thread only.
class SendHistory {
public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kDefaultCapacity = 600; // about 2 s of 720p video
  // RFC 4588 §3: a retransmission that arrives after the receiver's playout point is useless;
  // a second covers a jitter buffer plus a round trip on ordinary paths.
  static constexpr std::chrono::milliseconds kDefaultMaxAge{1000};

  explicit SendHistory(std::size_t capacity = kDefaultCapacity,
                       Clock::duration max_age = kDefaultMaxAge);

  // Stores a sent packet; the oldest are forgotten past `capacity` or `max_age`. A sequence
  // number seen again (after 2^16 packets, or a resend) replaces the earlier packet.
  void remember(uint16_t sequence, std::vector<uint8_t> packet, Clock::time_point now);

  // The packet with `sequence` if it is still held and no older than max_age at `now`; counts
  // a hit or a miss. The pointer stays valid until the next remember() or clear().
  const std::vector<uint8_t>* find(uint16_t sequence, Clock::time_point now);

  void clear();

  std::size_t size() const { return by_sequence_.size(); }
  std::size_t bytes() const { return bytes_; } // packet octets held
  std::size_t capacity() const { return capacity_; }
  Clock::duration max_age() const { return max_age_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }                 // all, too old included
  uint64_t misses_too_old() const { return misses_too_old_; } // held, but past max_age

private:
  struct Entry {
    std::vector<uint8_t> packet;
    Clock::time_point sent_at;
    uint64_t serial = 0; // which remember() stored it
  };

  void forget_oldest();

  std::size_t capacity_;
  Clock::duration max_age_;
  std::unordered_map<uint16_t, Entry> by_sequence_;
  std::deque<std::pair<uint16_t, uint64_t>> order_; // sequence, serial; oldest first
  uint64_t next_serial_ = 0;
  std::size_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t misses_too_old_ = 0;
};

} // namespace roomcast::rtp
