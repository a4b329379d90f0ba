// H.264 RTP packetizer: small units aggregated, large ones fragmented, as the MTU allows.
#include "rtp/h264_packetizer.hpp"

#include "rtp/h264_nal.hpp"

#include <algorithm>

namespace roomcast::rtp {
namespace {

using Nal = std::span<const uint8_t>;

constexpr std::size_t kStapAHeaderSize = 1;
constexpr std::size_t kStapASizeField = 2; // NALU size before each unit, §5.7.1
constexpr std::size_t kMaxStapAUnit = 0xFFFF;
constexpr std::size_t kFuHeadersSize = 2;  // FU indicator + FU header, §5.8
constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;

void append(std::vector<uint8_t>& out, Nal nal) { out.insert(out.end(), nal.begin(), nal.end()); }

} // namespace

H264Packetizer::H264Packetizer(uint32_t ssrc, uint8_t payload_type, uint16_t first_sequence,
                               std::size_t max_payload_size)
    : ssrc_(ssrc), payload_type_(static_cast<uint8_t>(payload_type & 0x7F)),
      next_sequence_(first_sequence), max_payload_size_(std::max(max_payload_size, kMinPayloadSize)) {}

RtpPacket H264Packetizer::make_packet(uint32_t rtp_timestamp) {
  RtpPacket packet;
  packet.payload_type = payload_type_;
  packet.sequence = next_sequence_++;
  packet.timestamp = rtp_timestamp;
  packet.ssrc = ssrc_;
  return packet;
}

std::vector<RtpPacket> H264Packetizer::packetize(std::span<const uint8_t> annexb_access_unit,
                                                 uint32_t rtp_timestamp) {
  std::vector<Nal> nals = split_annexb(annexb_access_unit);
  std::erase_if(nals, [](Nal nal) { return h264_nal_type(nal[0]) == kH264NalAud; });
  std::vector<RtpPacket> packets;
  if (nals.empty()) return packets;

  std::size_t i = 0;
  while (i < nals.size()) {
    // The longest run from i that fits one STAP-A; it takes two units to be worth one.
    std::size_t stap_size = kStapAHeaderSize;
    std::size_t end = i;
    while (end < nals.size() && nals[end].size() <= kMaxStapAUnit &&
           stap_size + kStapASizeField + nals[end].size() <= max_payload_size_) {
      stap_size += kStapASizeField + nals[end].size();
      ++end;
    }
    if (end - i >= 2) {
      RtpPacket packet = make_packet(rtp_timestamp);
      // §5.7.1: F is the OR of the units' F bits, NRI their maximum.
      uint8_t forbidden = 0;
      uint8_t nri = 0;
      for (std::size_t k = i; k < end; ++k) {
        forbidden |= h264_nal_forbidden(nals[k][0]);
        nri = std::max(nri, h264_nal_nri(nals[k][0]));
      }
      packet.payload.reserve(stap_size);
      packet.payload.push_back(static_cast<uint8_t>(forbidden | nri | kH264StapA));
      for (std::size_t k = i; k < end; ++k) {
        packet.payload.push_back(static_cast<uint8_t>(nals[k].size() >> 8));
        packet.payload.push_back(static_cast<uint8_t>(nals[k].size() & 0xFF));
        append(packet.payload, nals[k]);
      }
      packets.push_back(std::move(packet));
      i = end;
      continue;
    }

    const Nal nal = nals[i++];
    if (nal.size() <= max_payload_size_) {
      RtpPacket packet = make_packet(rtp_timestamp); // §5.6: the unit is the payload
      append(packet.payload, nal);
      packets.push_back(std::move(packet));
      continue;
    }
    // §5.8: the header octet is not sent; FU indicator and header carry its fields. The
    // fewest fragments that fit, spread evenly: no short tail packet.
    const Nal body = nal.subspan(1);
    const std::size_t capacity = max_payload_size_ - kFuHeadersSize;
    const std::size_t count = (body.size() + capacity - 1) / capacity;
    const std::size_t base = body.size() / count;
    const std::size_t larger = body.size() % count; // the first `larger` get one more octet
    const auto indicator = static_cast<uint8_t>((nal[0] & 0xE0) | kH264FuA);
    std::size_t offset = 0;
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t size = base + (k < larger ? 1 : 0);
      uint8_t header = h264_nal_type(nal[0]);
      if (k == 0) header |= kFuStart;
      if (k + 1 == count) header |= kFuEnd;
      RtpPacket packet = make_packet(rtp_timestamp);
      packet.payload.reserve(kFuHeadersSize + size);
      packet.payload.push_back(indicator);
      packet.payload.push_back(header);
      append(packet.payload, body.subspan(offset, size));
      offset += size;
      packets.push_back(std::move(packet));
    }
  }

  packets.back().marker = true; // §5.1: the access unit's last packet
  for (const RtpPacket& packet : packets) octets_sent_ += packet.payload.size();
  packets_sent_ += packets.size();
  last_timestamp_ = rtp_timestamp;
  return packets;
}

bool H264Packetizer::is_keyframe(std::span<const uint8_t> annexb_access_unit) {
  return std::ranges::any_of(split_annexb(annexb_access_unit),
                             [](Nal nal) { return h264_nal_type(nal[0]) == kH264NalIdr; });
}

} // namespace roomcast::rtp
