// The first symbols of the SILK layer through the range decoder of RFC 6716 §4.1.
#include "rtp/opus_lbrr.hpp"

namespace roomcast::rtp {
namespace {

// RFC 6716 §4.1.1-4.1.3.2: just enough of the range decoder for one-bit symbols.
class RangeDecoder {
 public:
  explicit RangeDecoder(std::span<const uint8_t> data) : data_(data) {
    rem_ = read();
    val_ = rng_ - 1 - (rem_ >> 1);
    normalize();
  }
  // ec_dec_bit_logp(): a bit whose probability of being 1 is 1/2^logp.
  bool bit(unsigned logp) {
    const uint32_t s = rng_ >> logp;
    const bool one = val_ < s;
    if (!one) val_ -= s;
    rng_ = one ? s : rng_ - s;
    normalize();
    return one;
  }

 private:
  uint32_t read() { return at_ < data_.size() ? data_[at_++] : 0; }
  void normalize() {
    while (rng_ <= (1u << 23)) {
      rng_ <<= 8;
      const uint32_t previous = rem_;
      rem_ = read();
      const uint32_t sym = ((previous << 8) | rem_) >> 1;
      val_ = ((val_ << 8) + (255 & ~sym)) & ((1u << 31) - 1);
    }
  }
  std::span<const uint8_t> data_;
  std::size_t at_ = 0;
  uint32_t rng_ = 128;
  uint32_t val_ = 0;
  uint32_t rem_ = 0;
};

}  // namespace

bool opus_packet_has_fec(std::span<const uint8_t> packet) {
  if (packet.size() < 2) return false;
  const uint8_t toc = packet[0];
  const unsigned config = toc >> 3;
  if (config >= 16 || (toc & 0x3) != 0) return false;  // CELT-only has no SILK layer; code 0 only
  // SILK frames per channel: hybrid (12-15) and 10/20 ms SILK one, 40 ms two, 60 ms three.
  const unsigned frames = config >= 12 || (config & 3) <= 1 ? 1 : (config & 3);
  const unsigned channels = (toc & 0x4) ? 2 : 1;
  RangeDecoder decoder(packet.subspan(1));
  bool lbrr = false;
  // §4.2.3: each channel's VAD flags (one per frame), then its LBRR flag.
  for (unsigned c = 0; c < channels; ++c) {
    for (unsigned f = 0; f < frames; ++f) decoder.bit(1);
    lbrr = decoder.bit(1) || lbrr;
  }
  return lbrr;
}

}  // namespace roomcast::rtp
