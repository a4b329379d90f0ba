// Fuzz target: the jitter buffer fed arbitrary packet sequences (sequence numbers, timestamps,
// payloads and pull ticks all from the input; payloads either raw bytes or real Opus packets
// with and without in-band FEC). It never crashes, hands out whole 20 ms frames, keeps its
// statistics consistent and its buffered audio finite.
//
// Input: byte 0 options (target delay: bits 0-2, extra max delay: 3-5, concealment: 6-7); then operations. An operation byte with the top bit set pulls
// 1..8 frames; otherwise it pushes one packet: a signed sequence step (1 byte), a timestamp
// step (1 byte, in 2.5 ms units, or 4 raw bytes when bit 6 is set), and a payload: one of the
// real Opus packets (bit 5 set; bits 0-2 pick it) or up to 63 bytes from the input.
#include <opus.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "receive/jitter_buffer.hpp"

namespace {

using roomcast::receive::JitterBuffer;

// Eight real 20 ms packets: speech-like SILK with LBRR data, and CELT music (no FEC).
const std::vector<std::vector<uint8_t>>& real_packets() {
  static const std::vector<std::vector<uint8_t>> packets = [] {
    std::vector<std::vector<uint8_t>> out;
    for (int application : {OPUS_APPLICATION_VOIP, OPUS_APPLICATION_RESTRICTED_LOWDELAY}) {
      int error = 0;
      OpusEncoder* enc = opus_encoder_create(48000, 1, application, &error);
      if (!enc) __builtin_trap();
      opus_encoder_ctl(enc, OPUS_SET_BITRATE(24000));
      opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
      opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(20));
      std::vector<int16_t> pcm(960);
      for (int f = 0; f < 4; ++f) {
        for (int i = 0; i < 960; ++i)  // a rough 220 Hz vowel
          pcm[i] = static_cast<int16_t>(((f * 960 + i) % 218 < 109 ? 6000 : -6000) + (i % 7) * 100);
        std::vector<uint8_t> packet(1275);
        const int n = opus_encode(enc, pcm.data(), 960, packet.data(), 1275);
        if (n <= 0) __builtin_trap();
        packet.resize(static_cast<std::size_t>(n));
        out.push_back(std::move(packet));
      }
      opus_encoder_destroy(enc);
    }
    return out;
  }();
  return packets;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::span<const uint8_t> take(size_t n) {
    n = std::min(n, size_ - std::min(at_, size_));
    std::span<const uint8_t> out(data_ + at_, n);
    at_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& packets = real_packets();
  Reader in(data, size);
  JitterBuffer::Options options;
  const uint8_t o = in.byte();
  options.target_delay_frames = o & 7;
  options.max_delay_frames = options.target_delay_frames + ((o >> 3) & 7) * 2;
  options.max_conceal_frames = (o >> 6) * 3;
  JitterBuffer buffer(options);
  const int max_delay = std::max(options.target_delay_frames, options.max_delay_frames);

  uint16_t sequence = 1000;
  uint32_t timestamp = 123456;
  uint64_t frames_out = 0;
  int pulls = 0;
  while (!in.empty() && pulls < 128) {  // bounded work per input
    const uint8_t op = in.byte();
    if (op & 0x80) {
      for (int n = (op & 7) + 1; n > 0; --n, ++pulls) {
        if (const auto frame = buffer.pull()) {
          ++frames_out;
          (void)frame->samples[frame->samples.size() - 1];
          if (frame->fec && !frame->concealed) __builtin_trap();  // FEC audio is recovered
        }
        const auto stats = buffer.stats();
        if (stats.frames_played != frames_out) __builtin_trap();
        if (stats.frames_concealed > stats.frames_played) __builtin_trap();
        if (stats.frames_fec > stats.frames_concealed) __builtin_trap();
        // Not bounded by max_delay here: gap slots are valued at the last packet's duration,
        // which a pull can change (2.5 ms -> 20 ms); the bound is applied at the next pull's
        // start (regression_gap_valued_at_new_duration). The estimate stays finite and >= 0.
        if (stats.buffered_frames < 0 || stats.buffered_frames > (JitterBuffer::kMaxSequenceJump + 1) * 6 + 4 * max_delay + 7)
          __builtin_trap();
      }
      continue;
    }
    sequence = static_cast<uint16_t>(sequence + static_cast<int8_t>(in.byte()));
    if (op & 0x40) {
      uint32_t raw = 0;
      for (int i = 0; i < 4; ++i) raw = raw << 8 | in.byte();
      timestamp = raw;
    } else {
      timestamp += static_cast<uint32_t>(static_cast<int8_t>(in.byte()) * 120);
    }
    if (op & 0x20) {
      buffer.push(sequence, timestamp, packets[op & 7]);
    } else {
      const auto payload = in.take(in.byte() & 63);
      buffer.push(sequence, timestamp, payload);
    }
  }
  return 0;
}
