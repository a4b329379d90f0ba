// OpusDecoder: Opus packets (mono or stereo) to 48 kHz mono int16, with PLC and FEC recovery.
#pragma once

#include <opus.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/c_ptr.hpp"
#include "media/audio_frame.hpp"

namespace roomcast::receive {

// Received audio comes out in the send side's frame shape (48 kHz mono, 20 ms).
using media::AudioFrame;
using media::kFrameSamples;
using media::kSampleRateHz;

// Packets come from the network: decoding never throws, it returns nullopt and counts.
// Note: libopus declares ::OpusDecoder; qualify this one as receive::OpusDecoder.
class OpusDecoder {
public:
  /// Longest Opus packet: 120 ms (RFC 6716 3.2.5).
  static constexpr int kMaxPacketSamples = 5760;

  /// Throws Error(Kind::Media) if libopus cannot create a 48 kHz mono decoder.
  OpusDecoder();

  /// Samples in the packet (960 for 20 ms, up to 5760); a stereo packet is mixed to mono.
  /// nullopt if the packet is invalid (counted in errors()).
  std::optional<std::vector<int16_t>> decode(std::span<const uint8_t> payload);

  /// Packet loss concealment for one lost packet of `samples` samples.
  std::optional<std::vector<int16_t>> decode_lost(int samples = kFrameSamples);

  /// Recovers a lost packet from the in-band FEC data in the packet after it; falls back
  /// to concealment inside libopus if that packet carries no FEC.
  std::optional<std::vector<int16_t>> decode_fec(std::span<const uint8_t> next_payload,
                                                 int samples = kFrameSamples);

  uint64_t errors() const { return errors_; }

private:
  std::optional<std::vector<int16_t>> run(const uint8_t* data, int size, int samples, bool fec);

  core::CPtr<::OpusDecoder, opus_decoder_destroy> decoder_;
  uint64_t errors_ = 0;
};

} // namespace roomcast::receive
