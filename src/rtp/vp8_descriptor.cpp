// VP8 payload descriptor codec (RFC 7741 §4.2).
#include "rtp/vp8_descriptor.hpp"

namespace roomcast::rtp {
namespace {

constexpr uint8_t kX = 0x80, kN = 0x20, kS = 0x10, kPidMask = 0x07; // first octet
constexpr uint8_t kI = 0x80, kL = 0x40, kT = 0x20, kK = 0x10;       // extension octet
constexpr uint8_t kM = 0x80;                                        // picture id octet
constexpr uint8_t kY = 0x20, kKeyIdxMask = 0x1F;                    // TID/Y/KEYIDX octet

bool long_form(const Vp8Descriptor& d) {
  return d.picture_id && (d.long_picture_id || *d.picture_id > 0x7F);
}

bool has_extension(const Vp8Descriptor& d) {
  return d.picture_id || d.tl0_pic_idx || d.temporal_layer || d.key_index;
}

} // namespace

std::size_t Vp8Descriptor::size() const {
  std::size_t n = 1;
  if (!has_extension(*this)) return n;
  ++n;
  if (picture_id) n += long_form(*this) ? 2 : 1;
  if (tl0_pic_idx) ++n;
  if (temporal_layer || key_index) ++n;
  return n;
}

void Vp8Descriptor::serialize_into(std::vector<uint8_t>& out) const {
  const bool x = has_extension(*this);
  out.push_back(static_cast<uint8_t>((x ? kX : 0) | (non_reference ? kN : 0) |
                                     (start_of_partition ? kS : 0) | (partition_index & kPidMask)));
  if (!x) return;
  out.push_back(static_cast<uint8_t>((picture_id ? kI : 0) | (tl0_pic_idx ? kL : 0) |
                                     (temporal_layer ? kT : 0) | (key_index ? kK : 0)));
  if (picture_id) {
    if (long_form(*this)) {
      const uint16_t id = *picture_id & kVp8MaxPictureId;
      out.push_back(static_cast<uint8_t>(kM | (id >> 8)));
      out.push_back(static_cast<uint8_t>(id));
    } else {
      out.push_back(static_cast<uint8_t>(*picture_id & 0x7F));
    }
  }
  if (tl0_pic_idx) out.push_back(*tl0_pic_idx);
  if (temporal_layer || key_index) {
    // RFC 7741 §4.2: the octet is present when T or K is; the absent field's bits are zero.
    const uint8_t tid = temporal_layer ? static_cast<uint8_t>((*temporal_layer & 0x03) << 6) : 0;
    const uint8_t y = temporal_layer && layer_sync ? kY : 0;
    const uint8_t key = key_index ? (*key_index & kKeyIdxMask) : 0;
    out.push_back(static_cast<uint8_t>(tid | y | key));
  }
}

std::optional<std::pair<Vp8Descriptor, std::size_t>>
Vp8Descriptor::parse(std::span<const uint8_t> payload) {
  std::size_t at = 0;
  auto next = [&]() -> std::optional<uint8_t> {
    if (at >= payload.size()) return std::nullopt;
    return payload[at++];
  };
  Vp8Descriptor d;
  const auto first = next();
  if (!first) return std::nullopt;
  d.non_reference = (*first & kN) != 0;
  d.start_of_partition = (*first & kS) != 0;
  d.partition_index = *first & kPidMask;
  if (*first & kX) {
    const auto ext = next();
    if (!ext) return std::nullopt;
    if (*ext & kI) {
      const auto high = next();
      if (!high) return std::nullopt;
      if (*high & kM) { // RFC 7741 §4.2: M=1 extends the picture id to 15 bits
        const auto low = next();
        if (!low) return std::nullopt;
        d.picture_id = static_cast<uint16_t>(((*high & 0x7F) << 8) | *low);
        d.long_picture_id = true;
      } else {
        d.picture_id = *high;
      }
    }
    if (*ext & kL) {
      const auto tl0 = next();
      if (!tl0) return std::nullopt;
      d.tl0_pic_idx = *tl0;
    }
    if (*ext & (kT | kK)) {
      const auto tk = next();
      if (!tk) return std::nullopt;
      if (*ext & kT) {
        d.temporal_layer = static_cast<uint8_t>(*tk >> 6);
        d.layer_sync = (*tk & kY) != 0;
      }
      if (*ext & kK) d.key_index = *tk & kKeyIdxMask;
    }
  }
  // A descriptor with no VP8 data after it carries nothing to decode (libwebrtc drops it too).
  if (at >= payload.size()) return std::nullopt;
  return std::pair{d, at};
}

} // namespace roomcast::rtp
