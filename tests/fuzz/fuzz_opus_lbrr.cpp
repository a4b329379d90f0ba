// Fuzz target: the Opus LBRR flag reader (RFC 6716 §4.2.3) takes any bytes, says false for
// what it does not read (CELT-only, codes 1-3, too short) and reads no further than the few
// bytes the flags can occupy.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rtp/opus_lbrr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using roomcast::rtp::opus_packet_has_fec;
  const std::span<const uint8_t> packet(data, size);
  const bool fec = opus_packet_has_fec(packet);
  if (fec && (size < 2 || (data[0] >> 3) >= 16 || (data[0] & 3) != 0)) __builtin_trap();
  // At most 8 one-bit symbols after the TOC: the range decoder needs fewer than 16 bytes.
  if (size > 16 && opus_packet_has_fec(packet.first(16)) != fec) __builtin_trap();
  // Missing bytes read as zero (RFC 6716 §4.1.2): padding with zeros changes nothing.
  std::vector<uint8_t> padded(packet.begin(), packet.end());
  padded.resize(size + 16, 0);
  if (size >= 2 && opus_packet_has_fec(padded) != fec) __builtin_trap();
  return 0;
}
