// opus_packet_has_fec: the LBRR flag read from packets libopus made, checked against what
// the decoder does with them (FEC data decodes differently from concealment).
#include <gtest/gtest.h>
#include <opus.h>

#include <cmath>
#include <vector>

#include "rtp/opus_lbrr.hpp"

namespace roomcast::rtp {
namespace {

std::vector<std::vector<uint8_t>> encode(bool fec, int loss_percent, int application) {
  int error = 0;
  OpusEncoder* enc = opus_encoder_create(48000, 1, application, &error);
  EXPECT_EQ(error, OPUS_OK);
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
  opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(fec ? 1 : 0));
  opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(loss_percent));
  std::vector<std::vector<uint8_t>> packets;
  std::vector<int16_t> pcm(960);
  for (int f = 0; f < 150; ++f) {
    for (int i = 0; i < 960; ++i) {  // a vowel-like tone that comes and goes
      const double t = (f * 960 + i) / 48000.0;
      const double envelope = (f / 25) % 2 == 0 ? 0.4 : 0.05;
      pcm[i] = static_cast<int16_t>(32767 * envelope * (std::sin(2 * M_PI * 220 * t) + 0.5 * std::sin(2 * M_PI * 660 * t)) / 1.5);
    }
    std::vector<uint8_t> out(1275);
    const int n = opus_encode(enc, pcm.data(), 960, out.data(), static_cast<opus_int32>(out.size()));
    EXPECT_GT(n, 0);
    out.resize(static_cast<std::size_t>(n));
    packets.push_back(out);
  }
  opus_encoder_destroy(enc);
  return packets;
}

// Decoding packet n+1 "as FEC" for a lost packet n gives concealment exactly when n+1
// holds no LBRR data: run two decoders that saw the same history, one with FEC, one PLC.
bool decoder_finds_fec(const std::vector<std::vector<uint8_t>>& packets, std::size_t lost) {
  int error = 0;
  OpusDecoder* a = opus_decoder_create(48000, 1, &error);
  OpusDecoder* b = opus_decoder_create(48000, 1, &error);
  std::vector<int16_t> pa(960), pb(960);
  for (std::size_t i = 0; i < lost; ++i) {
    opus_decode(a, packets[i].data(), static_cast<opus_int32>(packets[i].size()), pa.data(), 960, 0);
    opus_decode(b, packets[i].data(), static_cast<opus_int32>(packets[i].size()), pb.data(), 960, 0);
  }
  const auto& next = packets[lost + 1];
  opus_decode(a, next.data(), static_cast<opus_int32>(next.size()), pa.data(), 960, 1);
  opus_decode(b, nullptr, 0, pb.data(), 960, 0);
  opus_decoder_destroy(a);
  opus_decoder_destroy(b);
  return pa != pb;
}

TEST(OpusLbrr, TheFlagAgreesWithWhatTheDecoderRecovers) {
  auto packets = encode(true, 20, OPUS_APPLICATION_VOIP);
  std::size_t with = 0, checked = 0, silk_only = 0;
  for (std::size_t n = 10; n + 1 < packets.size(); n += 3, ++checked) {
    const auto& next = packets[n + 1];
    const bool flag = opus_packet_has_fec(next);
    const bool recovered = decoder_finds_fec(packets, n);
    with += flag ? 1 : 0;
    // A flagged packet always gives the decoder something to recover from.
    if (flag) EXPECT_TRUE(recovered) << "packet " << n + 1 << " TOC config " << (next[0] >> 3);
    // SILK-only packets: no flag, no recovery (hybrid ones also differ by their CELT layer).
    if ((next[0] >> 3) < 12 && (packets[n][0] >> 3) < 12) {
      ++silk_only;
      EXPECT_EQ(flag, recovered) << "packet " << n + 1;
    }
  }
  EXPECT_GT(with, checked / 4) << "a speech-like signal at 20 % expected loss carries FEC";
  EXPECT_LT(with, checked) << "quiet frames carry none";
  EXPECT_GT(silk_only, 5u);
}

TEST(OpusLbrr, NoFlagWithoutFecOrInCeltPackets) {
  for (const auto& p : encode(false, 20, OPUS_APPLICATION_VOIP)) EXPECT_FALSE(opus_packet_has_fec(p));
  auto celt = encode(true, 0, OPUS_APPLICATION_RESTRICTED_LOWDELAY);  // CELT only
  for (const auto& p : celt) {
    EXPECT_GE(p[0] >> 3, 16) << "restricted low delay is CELT";
    EXPECT_FALSE(opus_packet_has_fec(p));
  }
  EXPECT_FALSE(opus_packet_has_fec(std::vector<uint8_t>{}));
  EXPECT_FALSE(opus_packet_has_fec(std::vector<uint8_t>{0x08}));
  EXPECT_FALSE(opus_packet_has_fec(std::vector<uint8_t>{0x09, 0xFF, 0xFF})) << "code 1: two frames, not read";
}

}  // namespace
}  // namespace roomcast::rtp
