// Wraps Opus frames in RTP (RFC 7587 §4): timestamps from sample counts, never a clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace roomcast::rtp {

inline constexpr uint32_t kOpusClockRateHz = 48000; // RFC 7587 §4.1: always 48 kHz

class OpusPacketizer {
public:
  OpusPacketizer(uint32_t ssrc, uint8_t payload_type, std::optional<uint8_t> audio_level_ext_id,
                 uint16_t first_sequence, uint32_t first_timestamp);

  // One RTP packet carrying one Opus packet. `first_sample` is the 48 kHz sample index of the
  // frame's first sample since the stream started; the timestamp is first_timestamp +
  // first_sample (mod 2^32). `level` is the RFC 6464 extension octet (level in the low 7 bits,
  // optional V bit on top, see audio_level_extension_byte); it is sent only when the
  // packetizer has an extension id.
  std::vector<uint8_t> packetize(std::span<const uint8_t> opus_payload, uint64_t first_sample,
                                 std::optional<uint8_t> level);

  // The next packet carries the marker bit: the first packet of a talkspurt, e.g. after DTX or
  // a pause (RFC 3551 §4.1, RFC 7587 §4.1). The very first packet always does.
  void mark_next_talkspurt() { marker_pending_ = true; }

  // RTP timestamp of a sample index, e.g. to pair with an NTP time in a sender report.
  uint32_t timestamp_for_sample(uint64_t sample) const {
    return first_timestamp_ + static_cast<uint32_t>(sample);
  }

  uint32_t ssrc() const { return ssrc_; }
  uint8_t payload_type() const { return payload_type_; }
  uint16_t next_sequence() const { return next_sequence_; }
  // RTCP SR counters (RFC 3550 §6.4.1); the SR carries them modulo 2^32.
  uint64_t packets_sent() const { return packets_sent_; }
  uint64_t octets_sent() const { return octets_sent_; } // payload octets only
  std::optional<uint32_t> last_timestamp() const { return last_timestamp_; }

private:
  uint32_t ssrc_;
  uint8_t payload_type_;
  std::optional<uint8_t> audio_level_ext_id_;
  uint16_t next_sequence_;
  uint32_t first_timestamp_;
  bool marker_pending_ = true;
  uint64_t packets_sent_ = 0;
  uint64_t octets_sent_ = 0;
  std::optional<uint32_t> last_timestamp_;
};

} // namespace roomcast::rtp
