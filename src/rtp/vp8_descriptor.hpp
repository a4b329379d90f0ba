// VP8 payload descriptor (RFC 7741 §4.2): the 1..6 octets in front of every VP8 RTP payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace roomcast::rtp {

inline constexpr uint32_t kVp8ClockRateHz = 90000; // RFC 7741 §4.1
inline constexpr uint16_t kVp8MaxPictureId = 0x7FFF;

struct Vp8Descriptor {
  bool non_reference = false;            // N: the frame can be discarded without hurting others
  bool start_of_partition = false;       // S
  uint8_t partition_index = 0;           // PID, 3 bits
  std::optional<uint16_t> picture_id;    // I: 7 or 15 bits
  bool long_picture_id = false;          // M: picture_id was (or is to be) sent in 15 bits
  std::optional<uint8_t> tl0_pic_idx;    // L
  std::optional<uint8_t> temporal_layer; // T: TID, 2 bits
  bool layer_sync = false;               // Y, meaningful only with T
  std::optional<uint8_t> key_index;      // K: KEYIDX, 5 bits

  // The first packet of a frame: start of partition 0 (RFC 7741 §4.4).
  bool starts_frame() const { return start_of_partition && partition_index == 0; }

  // Octets serialize() writes.
  std::size_t size() const;
  // Appends the wire form to `out`. A picture id above 0x7F is sent in 15 bits whatever
  // long_picture_id says; out-of-range fields are masked to their widths.
  void serialize_into(std::vector<uint8_t>& out) const;

  // Parses the descriptor at the start of an RTP payload; returns it and its size in
  // octets, or nullopt when the payload ends inside it or nothing follows it.
  static std::optional<std::pair<Vp8Descriptor, std::size_t>>
  parse(std::span<const uint8_t> payload);

  bool operator==(const Vp8Descriptor&) const = default;
};

} // namespace roomcast::rtp
