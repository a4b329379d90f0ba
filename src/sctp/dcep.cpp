// DCEP wire format (RFC 8832 §5): bounds-checked parse, exact serialize.
#include "sctp/dcep.hpp"

namespace roomcast::sctp {

namespace {

constexpr uint8_t kOpen = 0x03;  // RFC 8832 §8.2.1
constexpr uint8_t kAck = 0x02;
constexpr size_t kOpenHeaderBytes = 12;

// Channel types (RFC 8832 §5.1): the high bit means unordered.
constexpr uint8_t kUnorderedBit = 0x80;
constexpr uint8_t kReliable = 0x00;
constexpr uint8_t kPartialRexmit = 0x01;
constexpr uint8_t kPartialTimed = 0x02;

uint16_t read16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
uint32_t read32(std::span<const uint8_t> b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}
void write16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void write32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

DcepParse failed(std::string why) { return {std::nullopt, "DCEP: " + std::move(why)}; }

DcepParse parse_open(std::span<const uint8_t> b) {
  if (b.size() < kOpenHeaderBytes)
    return failed("DATA_CHANNEL_OPEN of " + std::to_string(b.size()) +
                  " bytes is shorter than its " + std::to_string(kOpenHeaderBytes) +
                  "-byte header");
  const uint8_t type = b[1];
  const uint32_t parameter = read32(b, 4);
  DcepOpen open;
  open.priority = read16(b, 2);
  open.reliability.ordered = (type & kUnorderedBit) == 0;
  switch (type & ~kUnorderedBit) {
    case kReliable:
      break;  // RFC 8832 §5.1: the parameter is ignored
    case kPartialRexmit:
      if (parameter > 0xffff)
        return failed("maxRetransmits " + std::to_string(parameter) + " is above 65535");
      open.reliability.max_retransmits = static_cast<uint16_t>(parameter);
      break;
    case kPartialTimed:
      open.reliability.max_packet_lifetime_ms = parameter;
      break;
    default:
      return failed("unknown channel type " + std::to_string(type));
  }
  const size_t label_bytes = read16(b, 8);
  const size_t protocol_bytes = read16(b, 10);
  const size_t expected = kOpenHeaderBytes + label_bytes + protocol_bytes;
  if (b.size() < expected)
    return failed("DATA_CHANNEL_OPEN announces a " + std::to_string(label_bytes) +
                  "-byte label and a " + std::to_string(protocol_bytes) +
                  "-byte protocol but carries only " + std::to_string(b.size() - kOpenHeaderBytes) +
                  " bytes after its header");
  if (b.size() > expected)
    return failed("DATA_CHANNEL_OPEN has " + std::to_string(b.size() - expected) +
                  " bytes after its label and protocol");
  const auto* text = reinterpret_cast<const char*>(b.data()) + kOpenHeaderBytes;
  open.label.assign(text, label_bytes);
  open.protocol.assign(text + label_bytes, protocol_bytes);
  return {open, {}};
}

}  // namespace

DcepParse parse_dcep(std::span<const uint8_t> payload) {
  if (payload.empty()) return failed("empty message");
  if (payload[0] == kAck) {
    if (payload.size() != 1)
      return failed("DATA_CHANNEL_ACK of " + std::to_string(payload.size()) + " bytes (it has 1)");
    return {DcepAck{}, {}};
  }
  if (payload[0] == kOpen) return parse_open(payload);
  return failed("unknown message type " + std::to_string(payload[0]));
}

std::vector<uint8_t> serialize_dcep_open(const DcepOpen& open) {
  const auto& r = open.reliability;
  uint8_t type = kReliable;
  uint32_t parameter = 0;
  if (r.max_retransmits) {
    type = kPartialRexmit;
    parameter = *r.max_retransmits;
  } else if (r.max_packet_lifetime_ms) {
    type = kPartialTimed;
    parameter = *r.max_packet_lifetime_ms;
  }
  if (!r.ordered) type |= kUnorderedBit;
  const auto label = open.label.substr(0, 0xffff);
  const auto protocol = open.protocol.substr(0, 0xffff);
  std::vector<uint8_t> out;
  out.reserve(kOpenHeaderBytes + label.size() + protocol.size());
  out.push_back(kOpen);
  out.push_back(type);
  write16(out, open.priority);
  write32(out, parameter);
  write16(out, static_cast<uint16_t>(label.size()));
  write16(out, static_cast<uint16_t>(protocol.size()));
  out.insert(out.end(), label.begin(), label.end());
  out.insert(out.end(), protocol.begin(), protocol.end());
  return out;
}

std::vector<uint8_t> serialize_dcep_ack() { return {kAck}; }

}  // namespace roomcast::sctp
