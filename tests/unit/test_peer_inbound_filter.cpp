// Hostile input on the receive path: junk, plain RTP, forged, replayed SRTP and unknown streams
// are dropped before the decoder and counted by reason.
#include <gtest/gtest.h>

#include <vector>

#include "core/log.hpp"
#include "peer/inbound_filter.hpp"
#include "peer/stream_demux.hpp"
#include "rtp/rtcp.hpp"
#include "sdp/multistream.hpp"

using namespace roomcast;
using peer::InboundFilter;

namespace {

std::vector<uint8_t> master(uint8_t seed) {
  std::vector<uint8_t> key(30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed + i);
  return key;
}

rtp::RtpPacket opus_packet(uint16_t sequence, uint32_t ssrc = 0x11223344, uint8_t payload_type = 111) {
  rtp::RtpPacket packet;
  packet.payload_type = payload_type;
  packet.sequence = sequence;
  packet.timestamp = 960u * sequence;
  packet.ssrc = ssrc;
  packet.payload = {0xfc, 0xff, 0xfe};  // an Opus frame of silence
  return packet;
}

struct Fixture {
  srtp::SrtpSession janus{"SRTP_AES128_CM_SHA1_80", master(1), master(2)};
  srtp::SrtpSession us{"SRTP_AES128_CM_SHA1_80", master(2), master(1)};
  InboundFilter filter;
  InboundFilter::Clock::time_point now{};

  std::vector<uint8_t> protect(const rtp::RtpPacket& packet) {
    auto wire = packet.serialize();
    EXPECT_TRUE(janus.protect_rtp(wire));
    return wire;
  }
  InboundFilter::Kind feed(const std::vector<uint8_t>& datagram, bool keys = true) {
    std::vector<uint8_t> out;
    return filter.unprotect(datagram, keys ? &us : nullptr, out, now);
  }
};

}  // namespace

TEST(InboundFilter, AuthenticSrtpPassesAndIsDecrypted) {
  Fixture f;
  const auto packet = opus_packet(1);
  std::vector<uint8_t> out;
  ASSERT_EQ(f.filter.unprotect(f.protect(packet), &f.us, out, f.now), InboundFilter::Kind::Rtp);
  auto parsed = f.filter.parse_rtp(out, f.now);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, packet);
  EXPECT_TRUE(f.filter.accept(*parsed, 111, f.now));
  EXPECT_EQ(f.filter.drops().total(), 0u);
}

TEST(InboundFilter, PlainRtpAfterDtlsIsDroppedAndCounted) {
  Fixture f;
  // Unencrypted RTP, as a misbehaving or hostile peer would send it once keys exist.
  for (uint16_t seq = 1; seq <= 5; ++seq) EXPECT_EQ(f.feed(opus_packet(seq).serialize()), InboundFilter::Kind::Dropped);
  auto speech = opus_packet(6);
  speech.payload.assign(80, 0x5a);  // as long as a real Opus frame: room for a tag, still not authentic
  EXPECT_EQ(f.feed(speech.serialize()), InboundFilter::Kind::Dropped);
  EXPECT_EQ(f.filter.drops().unauthenticated, 6u);
  // Plain RTCP too (a receiver report without an SRTCP index and tag).
  EXPECT_EQ(f.feed(rtp::build_receiver_report(0x55667788, {}, "cname")), InboundFilter::Kind::Dropped);
  EXPECT_EQ(f.filter.drops().unauthenticated, 7u);
  EXPECT_EQ(f.filter.drops().total(), 7u);
}

TEST(InboundFilter, ForgedAndReplayedSrtpAreCountedApart) {
  Fixture f;
  auto wire = f.protect(opus_packet(10));
  auto forged = wire;
  forged[13] ^= 0x40;  // a payload bit: the tag no longer matches
  EXPECT_EQ(f.feed(forged), InboundFilter::Kind::Dropped);
  EXPECT_EQ(f.filter.drops().unauthenticated, 1u);
  EXPECT_EQ(f.feed(wire), InboundFilter::Kind::Rtp);
  EXPECT_EQ(f.feed(wire), InboundFilter::Kind::Dropped) << "the same packet again is a replay";
  EXPECT_EQ(f.filter.drops().replayed, 1u);
  srtp::SrtpSession stranger{"SRTP_AES128_CM_SHA1_80", master(9), master(9)};
  auto foreign = opus_packet(11).serialize();
  ASSERT_TRUE(stranger.protect_rtp(foreign));
  EXPECT_EQ(f.feed(foreign), InboundFilter::Kind::Dropped) << "another key";
  EXPECT_EQ(f.filter.drops().unauthenticated, 2u);
}

TEST(InboundFilter, JunkAndEarlyPacketsAreCounted) {
  Fixture f;
  EXPECT_EQ(f.feed({}), InboundFilter::Kind::Dropped);
  EXPECT_EQ(f.feed({0x00, 0x01, 0x02}), InboundFilter::Kind::Dropped);  // STUN-like, not ours
  EXPECT_EQ(f.feed({0xff, 0xff, 0xff, 0xff}), InboundFilter::Kind::Dropped);
  EXPECT_EQ(f.filter.drops().not_media, 3u);
  EXPECT_EQ(f.feed(f.protect(opus_packet(1)), false), InboundFilter::Kind::Dropped);
  EXPECT_EQ(f.filter.drops().before_keys, 1u);
  EXPECT_EQ(f.feed({0x80, 0x6f, 0x00}), InboundFilter::Kind::Dropped) << "too short for SRTP";
  EXPECT_EQ(f.filter.drops().unauthenticated, 1u);
  std::vector<uint8_t> not_rtp = {0x80};
  EXPECT_FALSE(f.filter.parse_rtp(not_rtp, f.now));
  EXPECT_EQ(f.filter.drops().malformed, 1u);
}

TEST(InboundFilter, UnknownSsrcAndPayloadTypeNeverReachTheDecoder) {
  // The subscriber's demux says which offered stream a packet is, and its Opus payload type.
  sdp::RemoteMultiOffer offer;
  sdp::RemoteAudioStream a;
  a.mid = "0";
  a.opus_pt = 111;
  a.direction = sdp::Direction::SendOnly;
  a.ssrcs = {0xAAAA0001};
  offer.audio.push_back(a);
  peer::StreamDemux demux;
  demux.set_streams(offer);
  InboundFilter filter;
  const auto now = InboundFilter::Clock::now();
  auto verdict = [&](const rtp::RtpPacket& p) {
    const std::string mid = demux.mid_of(p);
    return filter.accept(p, mid.empty() ? std::nullopt : demux.payload_type(mid), now);
  };
  EXPECT_TRUE(verdict(opus_packet(1, 0xAAAA0001)));
  EXPECT_FALSE(verdict(opus_packet(2, 0xBADBAD)));
  EXPECT_FALSE(verdict(opus_packet(3, 0xAAAA0001, 0)));   // PCMU on an Opus stream
  EXPECT_FALSE(verdict(opus_packet(4, 0xAAAA0001, 96)));
  EXPECT_EQ(filter.drops().unknown_ssrc, 1u);
  EXPECT_EQ(filter.drops().unknown_payload_type, 2u);
  EXPECT_EQ(demux.payload_type("0"), std::optional<uint8_t>(111));
  EXPECT_EQ(demux.payload_type("9"), std::nullopt);
}

TEST(InboundFilter, AFloodIsCountedInFullButLoggedRarely) {
  Fixture f;
  const auto level = core::log_level();
  core::set_log_level(core::LogLevel::Warn);
  testing::internal::CaptureStderr();
  // 10 000 plain RTP packets over 30 s of fake time: every one counted, a summary every 10 s.
  for (int i = 0; i < 10000; ++i) {
    f.now += std::chrono::milliseconds(3);
    f.feed(opus_packet(static_cast<uint16_t>(i)).serialize());
  }
  const std::string log = testing::internal::GetCapturedStderr();
  core::set_log_level(level);
  EXPECT_EQ(f.filter.drops().unauthenticated, 10000u);
  size_t lines = 0;
  for (size_t at = log.find("media: dropped incoming packets"); at != std::string::npos;
       at = log.find("media: dropped incoming packets", at + 1))
    ++lines;
  EXPECT_GE(lines, 3u) << log;
  EXPECT_LE(lines, 4u) << log;
  EXPECT_NE(log.find("media: dropped incoming packets: 1 not authentic SRTP (plain RTP/RTCP, forged, corrupted or "
                     "truncated) (1 in all"),
            std::string::npos)
      << "the first drop is reported at once: " << log;
}
