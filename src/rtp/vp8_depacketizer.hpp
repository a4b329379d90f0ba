// Reassembles VP8 frames from RTP packets (RFC 7741 §4) and tells which sequence numbers to NACK.
#pragma once

#include "rtp/rtp_packet.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace roomcast::rtp {

struct Vp8Frame {
  std::vector<uint8_t> payload; // the VP8 frame, descriptors removed
  uint32_t rtp_timestamp = 0;
  bool keyframe = false; // RFC 6386 §9.1 frame tag
  uint16_t first_sequence = 0;
  uint16_t last_sequence = 0;
  std::optional<uint16_t> picture_id; // from the first packet's descriptor, if it had one

  bool operator==(const Vp8Frame&) const = default;
};

// One stream (one SSRC). Packets may arrive in any order within the window; a frame is
// returned once its packets from the one with S=1, PID=0 to the one with the marker bit are
// all there with consecutive sequence numbers. Completing a frame gives up on any older
// incomplete one. Network input never throws: malformed, late and duplicate packets are
// counted and ignored. Sequence numbers are unwrapped, so 65535 -> 0 is just the next one.
class Vp8Depacketizer {
public:
  static constexpr std::size_t kDefaultWindow = 512; // packets kept behind the newest

  explicit Vp8Depacketizer(std::size_t window = kDefaultWindow);

  // Takes one packet; returns the frame it completes, if any.
  std::optional<Vp8Frame> push(const RtpPacket& packet);

  // Sequence numbers not received between the oldest one still awaited and the newest one
  // received, oldest first: what a generic NACK (RFC 4585 §6.2.1) would ask for.
  std::vector<uint16_t> missing() const;

  uint64_t frames_completed() const { return frames_completed_; }
  uint64_t frames_dropped() const { return frames_dropped_; } // given up on, incomplete
  uint64_t packets_malformed() const { return packets_malformed_; }
  uint64_t packets_late() const { return packets_late_; } // behind a delivered frame or window
  uint64_t duplicates() const { return duplicates_; }
  std::size_t buffered_packets() const { return buffer_.size(); }

private:
  struct Slot {
    uint32_t timestamp = 0;
    bool marker = false;
    bool starts_frame = false;
    std::optional<uint16_t> picture_id;
    std::vector<uint8_t> data;
  };

  std::optional<Vp8Frame> assemble_around(int64_t sequence);
  void discard_below(int64_t bound);
  void reset();

  std::size_t window_;
  std::map<int64_t, Slot> buffer_;       // by extended sequence number
  std::optional<int64_t> highest_;       // extended sequence number of the newest packet
  std::optional<int64_t> lowest_;        // and of the oldest since the start or a reset
  std::optional<int64_t> floor_;         // packets below it are no longer wanted
  std::optional<uint16_t> restart_seen_; // a far-behind packet the next one may confirm
  std::optional<uint32_t> last_dropped_timestamp_;
  uint64_t frames_completed_ = 0;
  uint64_t frames_dropped_ = 0;
  uint64_t packets_malformed_ = 0;
  uint64_t packets_late_ = 0;
  uint64_t duplicates_ = 0;
};

} // namespace roomcast::rtp
