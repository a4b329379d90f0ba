// RtpProtector: RFC 3711 B.3 key derivation, and byte-identical output to libsrtp2.
#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <string>
#include <vector>

#include "rtp/rtp_packet.hpp"
#include "srtp/rtp_protector.hpp"
#include "roomcast/error.hpp"
#include "srtp/srtp_session.hpp"

namespace roomcast::srtp {
namespace {

std::vector<uint8_t> hex(const std::string& text) {
  std::vector<uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(RtpProtector, DerivesTheSessionKeysOfRfc3711AppendixB3) {
  const auto key = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const auto salt = hex("0EC675AD498AFEEBB6960B3AABE6");
  auto keys = RtpProtector::derive(std::span<const uint8_t, 16>(key.data(), 16), std::span<const uint8_t, 14>(salt.data(), 14));
  EXPECT_EQ(std::vector<uint8_t>(keys.encryption.begin(), keys.encryption.end()), hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(std::vector<uint8_t>(keys.salt.begin(), keys.salt.end()), hex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(std::vector<uint8_t>(keys.authentication.begin(), keys.authentication.end()),
            hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

// libsrtp2 protecting the same packets: the reference the receivers (Janus) use.
class LibsrtpSender {
 public:
  explicit LibsrtpSender(std::vector<uint8_t> master) : master_(std::move(master)) {
    srtp_init();
    srtp_policy_t policy{};
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    policy.ssrc.type = ssrc_any_outbound;
    policy.key = master_.data();
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    EXPECT_EQ(srtp_create(&ctx_, &policy), srtp_err_status_ok);
  }
  ~LibsrtpSender() {
    srtp_dealloc(ctx_);
    srtp_shutdown();
  }
  std::vector<uint8_t> protect(std::vector<uint8_t> packet) {
    int length = static_cast<int>(packet.size());
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN);
    EXPECT_EQ(srtp_protect(ctx_, packet.data(), &length), srtp_err_status_ok);
    packet.resize(static_cast<std::size_t>(length));
    return packet;
  }

 private:
  std::vector<uint8_t> master_;
  srtp_t ctx_ = nullptr;
};

std::vector<uint8_t> master_key() {
  std::vector<uint8_t> m(30);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<uint8_t>(i * 11 + 3);
  return m;
}

TEST(RtpProtector, MatchesLibsrtpByteForByteAcrossASequenceWrap) {
  RtpProtector ours(master_key());
  LibsrtpSender reference(master_key());
  rtp::RtpPacket packet;
  packet.payload_type = 111;
  packet.ssrc = 0xCAFEF00D;
  for (int n = 0; n < 40; ++n) {
    packet.sequence = static_cast<uint16_t>(65520 + n);  // wraps at n = 16: the rollover counter counts
    packet.timestamp = 960u * static_cast<uint32_t>(n);
    packet.marker = n == 0;
    packet.payload.assign(static_cast<std::size_t>(20 + n * 7), static_cast<uint8_t>(n));
    auto plain = packet.serialize();
    auto expected = reference.protect(plain);
    auto wire = plain;
    ASSERT_TRUE(ours.protect(wire));
    ASSERT_EQ(wire, expected) << "packet " << n << " (sequence " << packet.sequence << ")";
  }
}

// Audio and video on one transport: each SSRC keeps its own rollover counter (RFC 3711
// §3.3.1). One counter for both would count a "wrap" whenever the two streams' sequence
// numbers lie far apart, and the receiver could not decrypt either.
TEST(RtpProtector, KeepsARolloverCounterPerSsrc) {
  RtpProtector ours(master_key());
  LibsrtpSender reference(master_key());
  rtp::RtpPacket audio, video;
  std::vector<uint8_t> video_1;  // the video packet with sequence 30001, as first sent
  audio.payload_type = 111;
  audio.ssrc = 0x11111111;
  video.payload_type = 96;
  video.ssrc = 0x22222222;
  for (int n = 0; n < 40; ++n) {
    audio.sequence = static_cast<uint16_t>(65530 + n);  // wraps at n = 6
    video.sequence = static_cast<uint16_t>(30000 + n);  // never wraps; 35000 away from audio
    for (auto* packet : {&audio, &video}) {
      packet->payload.assign(30, static_cast<uint8_t>(n));
      auto plain = packet->serialize();
      auto expected = reference.protect(plain);
      auto wire = plain;
      ASSERT_TRUE(ours.protect(wire));
      ASSERT_EQ(wire, expected) << "packet " << n << " of SSRC " << packet->ssrc;
      if (packet == &video && n == 1) video_1 = wire;
    }
  }
  // A retransmission of an old video packet is protected with that packet's index again.
  video.sequence = 30001;
  video.payload.assign(30, 1);
  auto plain = video.serialize();
  auto wire = plain;
  ASSERT_TRUE(ours.protect(wire));
  EXPECT_EQ(wire, video_1);
}

TEST(RtpProtector, MatchesLibsrtpWithCsrcsAndAHeaderExtension) {
  RtpProtector ours(master_key());
  LibsrtpSender reference(master_key());
  // V=2, X=1, CC=2; two CSRCs; a one-byte-header extension of one word; 5 payload bytes.
  std::vector<uint8_t> plain = {0x92, 0x6F, 0x12, 0x34, 0, 0, 0x03, 0xC0, 0x11, 0x22, 0x33, 0x44,
                                0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0,
                                1, 2, 3, 4, 5};
  auto wire = plain;
  ASSERT_TRUE(ours.protect(wire));
  EXPECT_EQ(wire, reference.protect(plain));
  EXPECT_EQ(std::vector<uint8_t>(wire.begin(), wire.begin() + 28), std::vector<uint8_t>(plain.begin(), plain.begin() + 28))
      << "the header (with CSRCs and extension) stays in clear";
}

TEST(RtpProtector, RefusesWhatIsNotRtp) {
  RtpProtector ours(master_key());
  std::vector<uint8_t> too_short = {0x80, 111, 0, 1};
  EXPECT_FALSE(ours.protect(too_short));
  std::vector<uint8_t> bad_extension = {0x90, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 9};
  EXPECT_FALSE(ours.protect(bad_extension)) << "extension longer than the packet";
  const std::vector<uint8_t> short_master(16);
  EXPECT_THROW(RtpProtector{short_master}, roomcast::Error);
}

TEST(RtpProtector, SessionPacketsDecryptAtALibsrtpReceiver) {
  auto a = master_key();
  std::vector<uint8_t> b(30, 7);
  SrtpSession sender("SRTP_AES128_CM_SHA1_80", a, b);
  SrtpSession receiver("SRTP_AES128_CM_SHA1_80", b, a);
  rtp::RtpPacket packet;
  packet.payload_type = 111;
  packet.ssrc = 0x01020304;
  for (int n = 0; n < 5; ++n) {
    packet.sequence = static_cast<uint16_t>(100 + n);
    packet.payload = {9, 8, 7, static_cast<uint8_t>(n)};
    auto plain = packet.serialize();
    auto wire = plain;
    ASSERT_TRUE(sender.protect_rtp(wire));
    ASSERT_TRUE(receiver.unprotect_rtp(wire));
    EXPECT_EQ(wire, plain);
  }
}

}  // namespace
}  // namespace roomcast::srtp
