// StreamDemux: RTP packets to offered sections by SSRC, the mid extension as fallback.
#include <gtest/gtest.h>

#include "peer/stream_demux.hpp"

namespace roomcast::peer {
namespace {

sdp::RemoteMultiOffer offer() {
  sdp::RemoteMultiOffer o;
  //                 index mid  pt   level mid-ext direction                    ssrcs
  o.audio.push_back({0, "0", 111, 1, 4, sdp::Direction::SendOnly, {1111}});
  o.audio.push_back({1, "1", 111, 1, 4, sdp::Direction::Inactive, {}});  // a parked slot
  o.audio.push_back({2, "2", 109, 3, 4, sdp::Direction::SendOnly, {2222}});
  return o;
}

rtp::RtpPacket packet(uint32_t ssrc, std::optional<std::string> mid = std::nullopt) {
  rtp::RtpPacket p;
  p.ssrc = ssrc;
  if (mid) p.extensions.push_back({4, std::vector<uint8_t>(mid->begin(), mid->end())});
  return p;
}

TEST(StreamDemux, BySsrcOfTheOffer) {
  StreamDemux demux;
  demux.set_streams(offer());
  EXPECT_EQ(demux.mid_of(packet(1111)), "0");
  EXPECT_EQ(demux.mid_of(packet(2222)), "2");
  EXPECT_EQ(demux.mid_of(packet(2222, "0")), "2");  // the SSRC wins
  EXPECT_EQ(demux.mid_of(packet(3333)), "");
}

TEST(StreamDemux, UnknownSsrcPlacedByMidExtensionAndRemembered) {
  StreamDemux demux;
  demux.set_streams(offer());
  EXPECT_EQ(demux.mid_of(packet(4444, "2")), "2");
  EXPECT_EQ(demux.mid_of(packet(4444)), "2");      // learned
  EXPECT_EQ(demux.mid_of(packet(5555, "1")), "");  // inactive: not receiving
  EXPECT_EQ(demux.mid_of(packet(5555, "9")), "");  // no such section
}

TEST(StreamDemux, RenegotiationReplacesTheLayout) {
  StreamDemux demux;
  demux.set_streams(offer());
  EXPECT_EQ(demux.mid_of(packet(4444, "2")), "2");
  auto next = offer();
  next.audio[0].direction = sdp::Direction::Inactive;  // slot 0's feed left
  next.audio[0].ssrcs.clear();
  demux.set_streams(next);
  EXPECT_EQ(demux.mid_of(packet(1111)), "");
  EXPECT_EQ(demux.mid_of(packet(4444)), "");  // learned SSRCs are forgotten too
  EXPECT_EQ(demux.audio_level_extension("2"), 3);
  EXPECT_EQ(demux.audio_level_extension("0"), std::nullopt);
}

TEST(StreamDemux, VideoSectionsBySsrcAndMidWithTheirCodecAndPayloadType) {
  StreamDemux demux;
  auto o = offer();
  using roomcast::VideoCodec;
  //                 index mid  codec            pt  fmtp feedback  mid-ext direction                 ssrcs
  o.video.push_back({3, "3", VideoCodec::vp8, 100, "", {"nack"}, 4, sdp::Direction::SendOnly, {7777}});
  o.video.push_back({4, "4", VideoCodec::vp8, 96, "", {}, 4, sdp::Direction::Inactive, {}});  // a parked video slot
  o.video.push_back({5, "5", VideoCodec::h264, 102, "packetization-mode=1", {}, 4, sdp::Direction::SendOnly, {6666}});
  demux.set_streams(o);
  EXPECT_EQ(demux.mid_of(packet(7777)), "3");
  EXPECT_EQ(demux.mid_of(packet(8888, "3")), "3");
  EXPECT_EQ(demux.mid_of(packet(9999, "4")), "");
  EXPECT_TRUE(demux.is_video("3"));
  EXPECT_FALSE(demux.is_video("0"));
  EXPECT_FALSE(demux.is_video("4"));
  EXPECT_EQ(demux.payload_type("3"), 100);
  EXPECT_EQ(demux.video_codec("3"), VideoCodec::vp8);
  EXPECT_EQ(demux.mid_of(packet(6666)), "5");
  EXPECT_EQ(demux.video_codec("5"), VideoCodec::h264);
  EXPECT_EQ(demux.payload_type("5"), 102);
  EXPECT_EQ(demux.video_codec("0"), std::nullopt) << "an audio section has no video codec";
  EXPECT_EQ(demux.payload_type("0"), 111);
  EXPECT_EQ(demux.audio_level_extension("3"), std::nullopt);
}

}  // namespace
}  // namespace roomcast::peer
