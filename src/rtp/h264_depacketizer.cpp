// H.264 depacketizer: a sequence-ordered packet window; access units end at the marker and
// start where the previous one ended (or at an SPS/AUD when that is unknown).
#include "rtp/h264_depacketizer.hpp"

#include "rtp/h264_nal.hpp"

#include <algorithm>
#include <span>

namespace roomcast::rtp {
namespace {

constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;
constexpr uint8_t kStartCode[] = {0, 0, 0, 1};

// What a payload's first NAL unit says about where it can sit in an access unit.
struct FirstUnit {
  bool can_begin = false;
  bool leads_access_unit = false;
};

// `after_header` is the octet after the NAL header, if any. Slices (and partition A) with
// first_mb_in_slice == 0 (its ue(v) is the single bit 1, H.264 7.3.3) begin a picture, later
// slices and partitions B/C continue one; non-VCL units may come first (7.4.1.2.3).
FirstUnit first_unit(uint8_t type, std::optional<uint8_t> after_header) {
  FirstUnit unit;
  if (type == 1 || type == 2 || type == kH264NalIdr) {
    unit.can_begin = after_header && (*after_header & 0x80) != 0;
  } else if (type != 3 && type != 4) {
    unit.can_begin = true;
  }
  unit.leads_access_unit = type == kH264NalSps || type == kH264NalAud;
  return unit;
}

bool is_single_unit_type(uint8_t type) { return type >= 1 && type <= 23; }

// Checks a packetization-mode 1 payload (RFC 6184 §5.4: single NAL unit, STAP-A, FU-A).
std::optional<FirstUnit> inspect(std::span<const uint8_t> payload) {
  if (payload.empty()) return std::nullopt;
  const uint8_t type = h264_nal_type(payload[0]);
  auto octet = [&](std::size_t at) -> std::optional<uint8_t> {
    return at < payload.size() ? std::optional<uint8_t>(payload[at]) : std::nullopt;
  };
  if (is_single_unit_type(type)) return first_unit(type, octet(1));
  if (type == kH264StapA) {
    // §5.7.1: 16-bit sizes, each unit non-empty and whole, nothing left over.
    std::size_t offset = 1;
    std::optional<FirstUnit> first;
    while (offset < payload.size()) {
      if (offset + 2 > payload.size()) return std::nullopt;
      const std::size_t size = std::size_t{payload[offset]} << 8 | payload[offset + 1];
      offset += 2;
      if (size == 0 || offset + size > payload.size()) return std::nullopt;
      const uint8_t inner = h264_nal_type(payload[offset]);
      if (!is_single_unit_type(inner)) return std::nullopt;
      if (!first) first = first_unit(inner, size > 1 ? octet(offset + 1) : std::nullopt);
      offset += size;
    }
    return first;
  }
  if (type == kH264FuA) {
    // §5.8: S and E not both set; a fragment of a plain unit, with at least one octet.
    if (payload.size() < 3) return std::nullopt;
    const uint8_t header = payload[1];
    if ((header & kFuStart) != 0 && (header & kFuEnd) != 0) return std::nullopt;
    if (!is_single_unit_type(h264_nal_type(header))) return std::nullopt;
    if ((header & kFuStart) == 0) return FirstUnit{};
    return first_unit(h264_nal_type(header), octet(2));
  }
  return std::nullopt; // STAP-B, MTAP, FU-B: interleaved mode only; 0 and 30-31: undefined
}

void append(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Annex-B from the payloads of one access unit, in order; nullopt when FU-As do not run
// start..end for one unit without anything between.
std::optional<std::vector<uint8_t>> to_annexb(const std::vector<std::span<const uint8_t>>& payloads,
                                              bool& keyframe) {
  std::vector<uint8_t> out;
  std::optional<uint8_t> fu_type; // the unit being reassembled
  auto add_unit = [&](std::span<const uint8_t> unit) {
    append(out, kStartCode);
    append(out, unit);
    keyframe = keyframe || h264_nal_type(unit[0]) == kH264NalIdr;
  };
  for (const std::span<const uint8_t> payload : payloads) {
    const uint8_t type = h264_nal_type(payload[0]);
    if (type == kH264FuA) {
      const uint8_t header = payload[1];
      const uint8_t inner = h264_nal_type(header);
      if ((header & kFuStart) != 0) {
        if (fu_type) return std::nullopt;
        fu_type = inner;
        // The unit's own header: F and NRI from the indicator, the type from the FU header.
        const uint8_t unit_header[] = {static_cast<uint8_t>((payload[0] & 0xE0) | inner)};
        add_unit(unit_header);
      } else if (fu_type != inner) {
        return std::nullopt;
      }
      append(out, payload.subspan(2));
      if ((header & kFuEnd) != 0) fu_type.reset();
      continue;
    }
    if (fu_type) return std::nullopt;
    if (type == kH264StapA) {
      for (std::size_t offset = 1; offset < payload.size();) {
        const std::size_t size = std::size_t{payload[offset]} << 8 | payload[offset + 1];
        add_unit(payload.subspan(offset + 2, size));
        offset += 2 + size;
      }
    } else {
      add_unit(payload);
    }
  }
  if (fu_type) return std::nullopt;
  return out;
}

} // namespace

H264Depacketizer::H264Depacketizer(std::size_t window)
    : window_(std::clamp<std::size_t>(window, 1, 0x4000)) {}

std::vector<H264Frame> H264Depacketizer::push(const RtpPacket& packet) {
  std::vector<H264Frame> frames;
  const auto first = inspect(packet.payload);
  if (!first) {
    ++packets_malformed_;
    return frames;
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
        return frames;
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
    return frames;
  }
  if (buffer_.contains(sequence)) {
    ++duplicates_;
    return frames;
  }

  Slot slot;
  slot.timestamp = packet.timestamp;
  slot.marker = packet.marker;
  slot.can_begin = first->can_begin;
  slot.leads_access_unit = first->leads_access_unit;
  slot.payload = packet.payload;
  buffer_.emplace(sequence, std::move(slot));
  highest_ = std::max(highest_.value_or(sequence), sequence);
  lowest_ = std::min(lowest_.value_or(sequence), sequence);
  discard_below(*highest_ - window + 1); // bounded memory when frames never complete

  for (int64_t at = sequence;;) {
    const std::optional<int64_t> boundary = boundary_;
    if (auto frame = assemble_around(at)) frames.push_back(std::move(*frame));
    // Once one ends, the next may have waited only to know where it starts.
    if (boundary_ == boundary || !buffer_.contains(*boundary_)) break;
    at = *boundary_;
  }
  return frames;
}

std::optional<H264Frame> H264Depacketizer::assemble_around(int64_t sequence) {
  const uint32_t timestamp = buffer_.at(sequence).timestamp;
  int64_t first = sequence;
  for (;;) {
    const auto it = buffer_.find(first);
    if (it == buffer_.end() || it->second.timestamp != timestamp) return std::nullopt;
    const auto previous = buffer_.find(first - 1);
    if (previous != buffer_.end() && previous->second.timestamp == timestamp) {
      --first;
      continue;
    }
    // The packet before is another access unit's, or unknown (lost, or before our start).
    const bool after_known_end = previous != buffer_.end() || boundary_ == first;
    if (!it->second.can_begin || !(after_known_end || it->second.leads_access_unit)) {
      return std::nullopt;
    }
    break;
  }
  int64_t last = sequence;
  for (;;) {
    const auto it = buffer_.find(last);
    if (it == buffer_.end() || it->second.timestamp != timestamp) return std::nullopt;
    if (it->second.marker) break; // RFC 6184 §5.1: the access unit's last packet
    ++last;
  }

  std::vector<std::span<const uint8_t>> payloads;
  for (auto it = buffer_.find(first); it != buffer_.end() && it->first <= last; ++it) {
    payloads.emplace_back(it->second.payload);
  }
  H264Frame frame;
  const auto annexb = to_annexb(payloads, frame.keyframe);

  discard_below(first); // older frames still incomplete can no longer be decoded in order
  buffer_.erase(buffer_.begin(), buffer_.upper_bound(last));
  floor_ = last + 1;
  boundary_ = last + 1;
  if (!annexb) {
    ++frames_dropped_; // a broken FU-A run: the sender's fault, no retransmission mends it
    return std::nullopt;
  }
  frame.payload = std::move(*annexb);
  frame.rtp_timestamp = timestamp;
  frame.first_sequence = static_cast<uint16_t>(first);
  frame.last_sequence = static_cast<uint16_t>(last);
  ++frames_completed_;
  return frame;
}

void H264Depacketizer::discard_below(int64_t bound) {
  floor_ = std::max(floor_.value_or(bound), bound);
  const auto end = buffer_.lower_bound(bound);
  for (auto it = buffer_.begin(); it != end; ++it) {
    // A frame the window slides over one packet at a time is counted once.
    if (it->second.timestamp != last_dropped_timestamp_) ++frames_dropped_;
    last_dropped_timestamp_ = it->second.timestamp;
  }
  buffer_.erase(buffer_.begin(), end);
}

void H264Depacketizer::reset() {
  if (highest_) discard_below(*highest_ + 1);
  highest_.reset();
  lowest_.reset();
  floor_.reset();
  boundary_.reset();
}

std::vector<uint16_t> H264Depacketizer::missing() const {
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
