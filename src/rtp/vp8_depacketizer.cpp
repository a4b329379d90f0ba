// VP8 depacketizer: a sequence-ordered packet window, frame boundaries from S/PID and marker.
#include "rtp/vp8_depacketizer.hpp"

#include "rtp/vp8_descriptor.hpp"
#include "rtp/vp8_packetizer.hpp"

#include <algorithm>

namespace roomcast::rtp {

Vp8Depacketizer::Vp8Depacketizer(std::size_t window)
    : window_(std::clamp<std::size_t>(window, 1, 0x4000)) {}

std::optional<Vp8Frame> Vp8Depacketizer::push(const RtpPacket& packet) {
  const auto parsed = Vp8Descriptor::parse(packet.payload);
  if (!parsed) {
    ++packets_malformed_;
    return std::nullopt;
  }
  const auto window = static_cast<int64_t>(window_);
  int64_t sequence = packet.sequence;
  if (highest_) {
    // Nearest unwrapped value to the newest packet: the window is far below 2^15.
    const auto delta = static_cast<int16_t>(
        static_cast<uint16_t>(packet.sequence - static_cast<uint16_t>(*highest_)));
    sequence = *highest_ + delta;
    if (delta <= -window) {
      // RFC 3550 A.1: a far jump back is a restarted sender once the next packet follows it.
      const bool confirmed =
          restart_seen_ && static_cast<uint16_t>(*restart_seen_ + 1) == packet.sequence;
      restart_seen_ = packet.sequence;
      if (!confirmed) {
        ++packets_late_;
        return std::nullopt;
      }
      reset();
      sequence = packet.sequence;
    } else if (delta > window) {
      reset(); // a loss burst longer than the window: nothing buffered can complete now
      sequence = packet.sequence;
    }
  }
  restart_seen_.reset();
  if (floor_ && sequence < *floor_) {
    ++packets_late_;
    return std::nullopt;
  }
  if (buffer_.contains(sequence)) {
    ++duplicates_;
    return std::nullopt;
  }

  const auto& [descriptor, descriptor_size] = *parsed;
  Slot slot;
  slot.timestamp = packet.timestamp;
  slot.marker = packet.marker;
  slot.starts_frame = descriptor.starts_frame();
  slot.picture_id = descriptor.picture_id;
  slot.data.assign(packet.payload.begin() + static_cast<std::ptrdiff_t>(descriptor_size),
                   packet.payload.end());
  buffer_.emplace(sequence, std::move(slot));
  highest_ = std::max(highest_.value_or(sequence), sequence);
  lowest_ = std::min(lowest_.value_or(sequence), sequence);
  discard_below(*highest_ - window + 1); // bounded memory when frames never complete
  return assemble_around(sequence);
}

std::optional<Vp8Frame> Vp8Depacketizer::assemble_around(int64_t sequence) {
  const uint32_t timestamp = buffer_.at(sequence).timestamp;
  // RFC 7741 §4.4: a frame runs from S=1, PID=0 to the marker bit (§4.1), on one timestamp.
  int64_t first = sequence;
  for (;;) {
    const auto it = buffer_.find(first);
    if (it == buffer_.end() || it->second.timestamp != timestamp) return std::nullopt;
    if (it->second.starts_frame) break;
    --first;
  }
  int64_t last = sequence;
  for (;;) {
    const auto it = buffer_.find(last);
    if (it == buffer_.end() || it->second.timestamp != timestamp) return std::nullopt;
    if (it->second.marker) break;
    ++last;
  }

  Vp8Frame frame;
  frame.rtp_timestamp = timestamp;
  frame.first_sequence = static_cast<uint16_t>(first);
  frame.last_sequence = static_cast<uint16_t>(last);
  frame.picture_id = buffer_.at(first).picture_id;
  std::size_t size = 0;
  for (auto it = buffer_.find(first); it != buffer_.end() && it->first <= last; ++it) {
    size += it->second.data.size();
  }
  frame.payload.reserve(size);
  for (auto it = buffer_.find(first); it != buffer_.end() && it->first <= last; ++it) {
    frame.payload.insert(frame.payload.end(), it->second.data.begin(), it->second.data.end());
  }
  frame.keyframe = Vp8Packetizer::is_keyframe(frame.payload);

  discard_below(first); // older frames still incomplete can no longer be decoded in order
  buffer_.erase(buffer_.begin(), buffer_.upper_bound(last));
  floor_ = last + 1;
  ++frames_completed_;
  return frame;
}

void Vp8Depacketizer::discard_below(int64_t bound) {
  floor_ = std::max(floor_.value_or(bound), bound);
  const auto end = buffer_.lower_bound(bound);
  for (auto it = buffer_.begin(); it != end; ++it) {
    // A frame the window slides over one packet at a time is counted once.
    if (it->second.timestamp != last_dropped_timestamp_) ++frames_dropped_;
    last_dropped_timestamp_ = it->second.timestamp;
  }
  buffer_.erase(buffer_.begin(), end);
}

void Vp8Depacketizer::reset() {
  if (highest_) discard_below(*highest_ + 1);
  highest_.reset();
  lowest_.reset();
  floor_.reset();
}

std::vector<uint16_t> Vp8Depacketizer::missing() const {
  std::vector<uint16_t> lost;
  if (!highest_ || !lowest_) return lost;
  // Nothing before the first packet seen is asked for: the stream may have begun there.
  const int64_t from = std::max(floor_.value_or(*lowest_), *lowest_);
  for (int64_t s = from; s <= *highest_; ++s) {
    if (!buffer_.contains(s)) lost.push_back(static_cast<uint16_t>(s));
  }
  return lost;
}

} // namespace roomcast::rtp
