// Fuzz target: RtpPacket::parse never crashes, and what it accepts re-serializes to the same
// packet and survives an RTX (RFC 4588) round trip.
#include "rtp/audio_level.hpp"
#include "rtp/rtp_packet.hpp"
#include "rtp/rtx.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::rtp;
  const std::span<const uint8_t> input(data, size);
  (void)looks_like_rtcp(input);
  const auto packet = RtpPacket::parse(input);
  if (!packet) return 0;
  for (const auto& e : packet->extensions) (void)parse_audio_level_extension(e.data);
  const auto bytes = packet->serialize();
  if (bytes.size() != packet->serialized_size()) __builtin_trap();
  const auto again = RtpPacket::parse(bytes);
  if (!again || !(*again == *packet)) __builtin_trap();
  // RTX carries everything but the padding; unwrapping gives the packet back.
  const auto rtx = build_rtx(bytes, RtxStream{0x5678, 97}, 7);
  if (!rtx) __builtin_trap();
  const auto rtx_packet = RtpPacket::parse(*rtx);
  if (!rtx_packet) __builtin_trap();
  auto original = unwrap_rtx(*rtx_packet, packet->ssrc, packet->payload_type);
  auto unpadded = *packet;
  unpadded.padding_size = 0;
  if (!original || !(*original == unpadded)) __builtin_trap();
  return 0;
}
