// VP8 RTP packetizer: one frame across as few, evenly sized packets as the MTU allows.
#include "rtp/vp8_packetizer.hpp"

#include "rtp/vp8_descriptor.hpp"

#include <algorithm>

namespace roomcast::rtp {

Vp8Packetizer::Vp8Packetizer(uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence,
                             uint16_t first_picture_id, std::size_t max_payload_size)
    : ssrc_(ssrc), payload_type_(static_cast<uint8_t>(payload_type & 0x7F)),
      next_sequence_(first_sequence),
      next_picture_id_(static_cast<uint16_t>(first_picture_id & kVp8MaxPictureId)),
      max_payload_size_(std::max(max_payload_size, kDescriptorSize + 1)) {}

std::vector<RtpPacket> Vp8Packetizer::packetize(std::span<const uint8_t> vp8_frame,
                                                uint32_t rtp_timestamp) {
  std::vector<RtpPacket> packets;
  if (vp8_frame.empty()) return packets;

  // Fewest packets that fit, then the data spread evenly: a lone short tail packet would
  // cost a whole packet's overhead and loss exposure for a few octets.
  const std::size_t capacity = max_payload_size_ - kDescriptorSize;
  const std::size_t count = (vp8_frame.size() + capacity - 1) / capacity;
  const std::size_t base = vp8_frame.size() / count;
  const std::size_t larger = vp8_frame.size() % count; // the first `larger` get one more octet

  Vp8Descriptor descriptor;
  descriptor.picture_id = next_picture_id_;
  descriptor.long_picture_id = true; // RFC 7741 §4.2: 15 bits, so ids wrap rarely
  packets.reserve(count);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t size = base + (i < larger ? 1 : 0);
    RtpPacket packet;
    packet.payload_type = payload_type_;
    packet.marker = i + 1 == count; // RFC 7741 §4.1: set on the frame's last packet
    packet.sequence = next_sequence_++;
    packet.timestamp = rtp_timestamp;
    packet.ssrc = ssrc_;
    // RFC 7741 §4.4: the whole frame is partition 0 to us (PID=0); S=1 only where it begins.
    descriptor.start_of_partition = i == 0;
    packet.payload.reserve(kDescriptorSize + size);
    descriptor.serialize_into(packet.payload);
    const auto chunk = vp8_frame.subspan(offset, size);
    packet.payload.insert(packet.payload.end(), chunk.begin(), chunk.end());
    offset += size;
    octets_sent_ += packet.payload.size();
    packets.push_back(std::move(packet));
  }
  packets_sent_ += count;
  next_picture_id_ = static_cast<uint16_t>((next_picture_id_ + 1) & kVp8MaxPictureId);
  last_timestamp_ = rtp_timestamp;
  return packets;
}

bool Vp8Packetizer::is_keyframe(std::span<const uint8_t> vp8_frame) {
  return vp8_frame.size() >= 3 && (vp8_frame[0] & 0x01) == 0;
}

} // namespace roomcast::rtp
