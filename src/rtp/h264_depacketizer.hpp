// Reassembles H.264 access units from RTP packets (RFC 6184, packetization-mode 1) into
// Annex-B and tells which sequence numbers to NACK.
#pragma once

#include "rtp/rtp_packet.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace roomcast::rtp {

struct H264Frame {
  std::vector<uint8_t> payload; // the access unit as Annex-B, a 4-octet start code per unit
  uint32_t rtp_timestamp = 0;
  bool keyframe = false; // has an IDR slice (nal_unit_type 5)
  uint16_t first_sequence = 0;
  uint16_t last_sequence = 0;

  bool operator==(const H264Frame&) const = default;
};

// One stream (one SSRC). Packets may arrive in any order within the window. RFC 6184 marks
// an access unit's end (the marker bit, §5.1) but not its start, so an access unit starts
// after the packet of another timestamp before it, after the last access unit returned, or,
// when the packet before it is unknown, at a packet that opens with an SPS or an access unit
// delimiter (a keyframe after a loss or at the stream's start). It is returned once its
// packets from there to the marker are all present with one timestamp and consecutive sequence
// numbers. Completing one gives up on any older incomplete one. Single NAL unit, STAP-A and
// FU-A packets are taken; network input never throws: malformed (other types, bad sizes,
// broken FU-A runs), late and duplicate packets are counted and ignored. Sequence numbers
// are unwrapped, so 65535 -> 0 is just the next one.
class H264Depacketizer {
public:
  static constexpr std::size_t kDefaultWindow = 512; // packets kept behind the newest

  explicit H264Depacketizer(std::size_t window = kDefaultWindow);

  // Takes one packet; returns the access units it completes, oldest first. Unlike VP8 this
  // can be more than one: an access unit waiting only to know where it starts completes with
  // the missing end of the one before it.
  std::vector<H264Frame> push(const RtpPacket& packet);

  // Sequence numbers not received between the oldest one still awaited and the newest one
  // received, oldest first: what a generic NACK (RFC 4585 §6.2.1) would ask for.
  std::vector<uint16_t> missing() const;

  uint64_t frames_completed() const { return frames_completed_; }
  uint64_t frames_dropped() const { return frames_dropped_; } // given up on, or broken FU-As
  uint64_t packets_malformed() const { return packets_malformed_; }
  uint64_t packets_late() const { return packets_late_; } // behind a delivered frame or window
  uint64_t duplicates() const { return duplicates_; }
  std::size_t buffered_packets() const { return buffer_.size(); }

private:
  struct Slot {
    uint32_t timestamp = 0;
    bool marker = false;
    bool can_begin = false;        // its first unit may be an access unit's first
    bool leads_access_unit = false; // and is an SPS or AUD, which only open one
    std::vector<uint8_t> payload;   // the RTP payload, validated
  };

  std::optional<H264Frame> assemble_around(int64_t sequence);
  void discard_below(int64_t bound);
  void reset();

  std::size_t window_;
  std::map<int64_t, Slot> buffer_;       // by extended sequence number
  std::optional<int64_t> highest_;       // extended sequence number of the newest packet
  std::optional<int64_t> lowest_;        // and of the oldest since the start or a reset
  std::optional<int64_t> floor_;         // packets below it are no longer wanted
  std::optional<int64_t> boundary_;      // an access unit starts here: the last one ended before
  std::optional<uint16_t> restart_seen_; // a far-behind packet the next one may confirm
  std::optional<uint32_t> last_dropped_timestamp_;
  uint64_t frames_completed_ = 0;
  uint64_t frames_dropped_ = 0;
  uint64_t packets_malformed_ = 0;
  uint64_t packets_late_ = 0;
  uint64_t duplicates_ = 0;
};

} // namespace roomcast::rtp
