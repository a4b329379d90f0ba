// RTP packet codec: RFC 3550 §5.1 fixed header, §5.3.1 extension, RFC 8285 §4.2/§4.3 elements.
#include "rtp/rtp_packet.hpp"

#include "rtp/byte_io.hpp"

#include <algorithm>

namespace roomcast::rtp {
namespace {

using detail::put_u16;
using detail::put_u32;
using detail::put_u8;
using detail::read_u16;
using detail::read_u32;

constexpr uint8_t kVersion = 2;

bool is_serializable(const HeaderExtension& e) { return e.id != 0 && e.data.size() <= 255; }

bool fits_one_byte(const HeaderExtension& e) {
  return e.id >= 1 && e.id <= 14 && !e.data.empty() && e.data.size() <= 16;
}

enum class ExtensionForm { None, OneByte, TwoByte };

ExtensionForm choose_form(const std::vector<HeaderExtension>& extensions) {
  bool any = false;
  bool one_byte = true;
  for (const auto& e : extensions) {
    if (!is_serializable(e)) continue;
    any = true;
    one_byte = one_byte && fits_one_byte(e);
  }
  if (!any) return ExtensionForm::None;
  return one_byte ? ExtensionForm::OneByte : ExtensionForm::TwoByte;
}

// Bytes of extension elements before 32-bit padding; 0 when there is no extension block.
std::size_t extension_elements_size(const std::vector<HeaderExtension>& extensions,
                                    ExtensionForm form) {
  std::size_t n = 0;
  for (const auto& e : extensions) {
    if (!is_serializable(e)) continue;
    n += (form == ExtensionForm::OneByte ? 1 : 2) + e.data.size();
  }
  return n;
}

// RFC 8285 §4.2: one-byte elements; a zero octet is padding, id 15 ends parsing. Id 0 with a
// nonzero length is neither: it ends parsing too, as in libwebrtc.
bool parse_one_byte(std::span<const uint8_t> block, std::vector<HeaderExtension>& out) {
  std::size_t i = 0;
  while (i < block.size()) {
    const uint8_t b = block[i];
    if (b == 0) {
      ++i;
      continue;
    }
    const uint8_t id = b >> 4;
    if (id == 0 || id == 15) return true;
    const std::size_t len = (b & 0x0F) + 1u;
    if (i + 1 + len > block.size()) return false;
    out.push_back({id,
                   {block.begin() + static_cast<std::ptrdiff_t>(i + 1),
                    block.begin() + static_cast<std::ptrdiff_t>(i + 1 + len)}});
    i += 1 + len;
  }
  return true;
}

// RFC 8285 §4.3: two-byte elements; an id octet of 0 is padding.
bool parse_two_byte(std::span<const uint8_t> block, std::vector<HeaderExtension>& out) {
  std::size_t i = 0;
  while (i < block.size()) {
    const uint8_t id = block[i];
    if (id == 0) {
      ++i;
      continue;
    }
    if (i + 2 > block.size()) return false;
    const std::size_t len = block[i + 1];
    if (i + 2 + len > block.size()) return false;
    out.push_back({id,
                   {block.begin() + static_cast<std::ptrdiff_t>(i + 2),
                    block.begin() + static_cast<std::ptrdiff_t>(i + 2 + len)}});
    i += 2 + len;
  }
  return true;
}

} // namespace

std::optional<RtpPacket> RtpPacket::parse(std::span<const uint8_t> data) {
  if (data.size() < kRtpFixedHeaderSize) return std::nullopt;
  if ((data[0] >> 6) != kVersion) return std::nullopt;
  const bool has_padding = (data[0] & 0x20) != 0;
  const bool has_extension = (data[0] & 0x10) != 0;
  const std::size_t csrc_count = data[0] & 0x0F;

  RtpPacket p;
  p.marker = (data[1] & 0x80) != 0;
  p.payload_type = data[1] & 0x7F;
  p.sequence = read_u16(data, 2);
  p.timestamp = read_u32(data, 4);
  p.ssrc = read_u32(data, 8);

  std::size_t at = kRtpFixedHeaderSize;
  if (data.size() < at + 4 * csrc_count) return std::nullopt;
  p.csrcs.reserve(csrc_count);
  for (std::size_t i = 0; i < csrc_count; ++i, at += 4) p.csrcs.push_back(read_u32(data, at));

  if (has_extension) {
    if (data.size() < at + 4) return std::nullopt;
    const uint16_t profile = read_u16(data, at);
    const std::size_t block_size = std::size_t{read_u16(data, at + 2)} * 4;
    at += 4;
    if (data.size() < at + block_size) return std::nullopt;
    const auto block = data.subspan(at, block_size);
    if (profile == kOneByteExtensionProfile) {
      if (!parse_one_byte(block, p.extensions)) return std::nullopt;
    } else if ((profile & 0xFFF0) == kTwoByteExtensionProfile) {
      if (!parse_two_byte(block, p.extensions)) return std::nullopt;
    }
    at += block_size;
  }

  std::size_t end = data.size();
  if (has_padding) {
    const uint8_t count = data[end - 1];
    if (count == 0 || count > end - at) return std::nullopt;
    p.padding_size = count;
    end -= count;
  }
  p.payload.assign(data.begin() + static_cast<std::ptrdiff_t>(at),
                   data.begin() + static_cast<std::ptrdiff_t>(end));
  return p;
}

std::size_t RtpPacket::serialized_size() const {
  std::size_t n = kRtpFixedHeaderSize + 4 * std::min(csrcs.size(), kMaxCsrcs);
  const auto form = choose_form(extensions);
  if (form != ExtensionForm::None) {
    n += 4 + (extension_elements_size(extensions, form) + 3) / 4 * 4;
  }
  return n + payload.size() + padding_size;
}

void RtpPacket::serialize_into(std::vector<uint8_t>& out) const {
  out.clear();
  out.reserve(serialized_size());
  const auto form = choose_form(extensions);
  const std::size_t csrc_count = std::min(csrcs.size(), kMaxCsrcs);

  put_u8(out, static_cast<uint8_t>((kVersion << 6) | (padding_size > 0 ? 0x20 : 0) |
                                   (form != ExtensionForm::None ? 0x10 : 0) | csrc_count));
  put_u8(out, static_cast<uint8_t>((marker ? 0x80 : 0) | (payload_type & 0x7F)));
  put_u16(out, sequence);
  put_u32(out, timestamp);
  put_u32(out, ssrc);
  for (std::size_t i = 0; i < csrc_count; ++i) put_u32(out, csrcs[i]);

  if (form != ExtensionForm::None) {
    const std::size_t elements = extension_elements_size(extensions, form);
    const std::size_t words = (elements + 3) / 4;
    put_u16(out,
            form == ExtensionForm::OneByte ? kOneByteExtensionProfile : kTwoByteExtensionProfile);
    put_u16(out, static_cast<uint16_t>(words));
    for (const auto& e : extensions) {
      if (!is_serializable(e)) continue;
      if (form == ExtensionForm::OneByte) {
        put_u8(out, static_cast<uint8_t>((e.id << 4) | (e.data.size() - 1)));
      } else {
        put_u8(out, e.id);
        put_u8(out, static_cast<uint8_t>(e.data.size()));
      }
      out.insert(out.end(), e.data.begin(), e.data.end());
    }
    out.resize(out.size() + (words * 4 - elements), 0);
  }

  out.insert(out.end(), payload.begin(), payload.end());
  if (padding_size > 0) {
    out.resize(out.size() + padding_size - 1, 0);
    out.push_back(padding_size);
  }
}

std::vector<uint8_t> RtpPacket::serialize() const {
  std::vector<uint8_t> out;
  serialize_into(out);
  return out;
}

const HeaderExtension* RtpPacket::find_extension(uint8_t id) const {
  const auto it = std::find_if(extensions.begin(), extensions.end(),
                               [id](const auto& e) { return e.id == id; });
  return it == extensions.end() ? nullptr : &*it;
}

bool looks_like_rtcp(std::span<const uint8_t> packet) {
  if (packet.size() < 2 || (packet[0] >> 6) != kVersion) return false;
  const uint8_t pt = packet[1] & 0x7F;
  return pt >= 64 && pt <= 95;
}

} // namespace roomcast::rtp
