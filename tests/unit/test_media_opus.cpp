// Opus round trip: tone frequency survives, PLC and FEC give whole frames, stereo decodes to mono.
#include <gtest/gtest.h>

#include <opus.h>

#include <vector>

#include "receive/opus_decoder.hpp"
#include "media/opus_encoder.hpp"
#include "roomcast/error.hpp"
#include "test_media_signal.hpp"

namespace roomcast::media {
namespace {

std::vector<AudioFrame> tone_frames(int count) {
  const std::vector<int16_t> pcm =
      test::to_s16(test::sine(441, kSampleRateHz, static_cast<std::size_t>(count) * kFrameSamples));
  std::vector<AudioFrame> frames(count);
  for (int i = 0; i < count; ++i) {
    std::copy_n(pcm.begin() + i * kFrameSamples, kFrameSamples, frames[i].samples.begin());
    frames[i].first_sample = static_cast<uint64_t>(i) * kFrameSamples;
  }
  return frames;
}

TEST(OpusTest, RoundTripKeeps441Hz) {
  media::OpusEncoder encoder;
  receive::OpusDecoder decoder;
  EXPECT_EQ(encoder.bitrate_bps(), 32000);
  std::vector<int16_t> decoded;
  for (const AudioFrame& frame : tone_frames(50)) {
    const std::vector<uint8_t> packet = encoder.encode(frame);
    ASSERT_GT(packet.size(), 0u);
    ASSERT_LE(packet.size(), media::OpusEncoder::kMaxPacketBytes);
    const auto pcm = decoder.decode(packet);
    ASSERT_TRUE(pcm);
    ASSERT_EQ(pcm->size(), static_cast<std::size_t>(kFrameSamples));
    decoded.insert(decoded.end(), pcm->begin(), pcm->end());
  }
  const std::span<const int16_t> settled(decoded.data() + 24000, 24000); // skip codec warm-up
  EXPECT_NEAR(test::dominant_frequency(settled, kSampleRateHz), 441.0, 1.0);
  const double power = test::energy(settled) / settled.size();
  const double expected = 0.5 * (0.5 * 32767) * (0.5 * 32767); // mean square of the input sine
  EXPECT_NEAR(power / expected, 1.0, 0.2);
  EXPECT_EQ(decoder.errors(), 0u);
}

TEST(OpusTest, LossConcealmentAndFecGiveWholeFrames) {
  media::OpusEncoder encoder(32000, true, media::OpusEncoder::Application::Voip);
  encoder.set_packet_loss_percent(20);
  receive::OpusDecoder decoder;
  std::vector<std::vector<uint8_t>> packets;
  for (const AudioFrame& frame : tone_frames(20)) {
    packets.push_back(encoder.encode(frame));
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(decoder.decode(packets[i]));
  }
  const auto concealed = decoder.decode_lost();
  ASSERT_TRUE(concealed);
  EXPECT_EQ(concealed->size(), static_cast<std::size_t>(kFrameSamples));
  // Packet 11 lost: recover it from packet 12's FEC data, then decode 12 itself.
  const auto recovered = decoder.decode_fec(packets[12]);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->size(), static_cast<std::size_t>(kFrameSamples));
  EXPECT_GT(test::energy(*recovered), 0.0);
  ASSERT_TRUE(decoder.decode(packets[12]));
  EXPECT_EQ(decoder.errors(), 0u);
}

TEST(OpusTest, StereoPacketsDecodeToMono) {
  int rc = 0;
  ::OpusEncoder* stereo = opus_encoder_create(kSampleRateHz, 2, OPUS_APPLICATION_AUDIO, &rc);
  ASSERT_EQ(rc, OPUS_OK);
  const std::vector<int16_t> pcm = test::to_s16(test::sine(441, kSampleRateHz, 48000, 2));
  receive::OpusDecoder decoder;
  std::vector<int16_t> decoded;
  for (int i = 0; i < 50; ++i) {
    uint8_t packet[1275];
    const int size = opus_encode(stereo, pcm.data() + i * 2 * kFrameSamples, kFrameSamples, packet,
                                 sizeof(packet));
    ASSERT_GT(size, 0);
    ASSERT_EQ(opus_packet_get_nb_channels(packet), 2);
    const auto mono =
        decoder.decode(std::span<const uint8_t>(packet, static_cast<std::size_t>(size)));
    ASSERT_TRUE(mono);
    ASSERT_EQ(mono->size(), static_cast<std::size_t>(kFrameSamples));
    decoded.insert(decoded.end(), mono->begin(), mono->end());
  }
  opus_encoder_destroy(stereo);
  EXPECT_NEAR(test::dominant_frequency(std::span(decoded).subspan(24000), kSampleRateHz), 441.0,
              1.0);
}

TEST(OpusTest, BadInputIsCountedNotThrown) {
  receive::OpusDecoder decoder;
  EXPECT_FALSE(decoder.decode({}));
  const uint8_t code3_without_count[] = {0x03}; // RFC 6716 3.2.5: frame count byte missing
  EXPECT_FALSE(decoder.decode(code3_without_count));
  EXPECT_EQ(decoder.errors(), 2u);
}

TEST(OpusTest, InvalidEncoderSettingsThrowMediaError) {
  try {
    media::OpusEncoder encoder(0);
    ADD_FAILURE() << "bitrate 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    EXPECT_NE(std::string(e.what()).find("set bitrate 0 bps"), std::string::npos) << e.what();
  }
  media::OpusEncoder encoder;
  EXPECT_THROW(encoder.set_packet_loss_percent(101), Error);
  encoder.set_bitrate(64000);
  EXPECT_EQ(encoder.bitrate_bps(), 64000);
  EXPECT_THROW(encoder.encode(tone_frames(1)[0], std::span<uint8_t>{}), Error); // no buffer
}

} // namespace
} // namespace roomcast::media
