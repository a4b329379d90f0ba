// Our publisher offer with any number of send sections, and the answer's view of an audio one.
#include <gtest/gtest.h>

#include "sdp/send_offer.hpp"
#include "sdp/session_description.hpp"

using namespace roomcast::sdp;

namespace {
LocalMediaParams transport() {
  LocalMediaParams p;
  p.ice_ufrag = "uf";
  p.ice_pwd = "pwpwpwpwpwpwpwpwpwpwpw";
  p.fingerprint_sha256 = "ab:cd";
  p.candidates = {"candidate:1 1 udp 2122260223 10.77.0.2 40000 typ host"};
  p.cname = "cn";
  p.msid_stream = "roomcast";
  return p;
}

LocalVideoParams video(std::string mid, uint32_t ssrc, std::string track) {
  LocalVideoParams v;
  v.mid = std::move(mid);
  v.ssrc = ssrc;
  v.msid_track = std::move(track);
  return v;
}
}  // namespace

TEST(SendOffer, SectionsKeepTheirOrderMidsAndStreams) {
  LocalAudioParams audio;
  audio.ssrc = 11;
  audio.mid = "0";
  auto camera = video("1", 22, "camera");
  auto screen = video("2", 33, "screen");
  screen.codec = roomcast::VideoCodec::h264;
  screen.payload_type = kH264PayloadType;
  const auto sd = SessionDescription::parse(build_offer(transport(), {audio, camera, screen}, 5));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE 0 1 2");
  ASSERT_EQ(sd->media.size(), 3u);
  EXPECT_EQ(sd->media[0].media, "audio");
  EXPECT_EQ(sd->media[1].attribute("msid"), "roomcast camera");
  EXPECT_EQ(sd->media[2].attribute("mid"), "2");
  EXPECT_EQ(sd->media[2].attribute("rtpmap"), "102 H264/90000");
  EXPECT_EQ(sd->media[2].attributes_named("ssrc").at(0), "33 cname:cn");
  for (const auto& m : sd->media) EXPECT_EQ(m.attribute("ice-ufrag"), "uf") << "one transport (BUNDLE)";
}

TEST(SendOffer, AVideoOnlyOfferHasNoAudioSection) {
  const auto sd = SessionDescription::parse(build_offer(transport(), {video("0", 22, "camera")}, 5));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE 0");
  ASSERT_EQ(sd->media.size(), 1u);
  EXPECT_EQ(sd->media[0].media, "video");
}

TEST(SendOffer, AnInactiveSectionAnnouncesNoStream) {
  LocalAudioParams audio;
  audio.ssrc = 11;
  audio.direction = Direction::Inactive;
  const auto sd = SessionDescription::parse(build_offer(transport(), {audio}, 5));
  ASSERT_TRUE(sd);
  EXPECT_TRUE(sd->media[0].has_attribute("inactive"));
  EXPECT_FALSE(sd->media[0].attribute("msid"));
  EXPECT_TRUE(sd->media[0].attributes_named("ssrc").empty());
}

TEST(SendOffer, StereoIsAnnouncedOnlyForTheStereoSection) {
  LocalAudioParams mono, stereo;
  mono.ssrc = 1;
  stereo.ssrc = 3;
  stereo.mid = "1";
  stereo.stereo = true;
  const auto sd = SessionDescription::parse(build_offer(transport(), {mono, stereo}, 5));
  ASSERT_TRUE(sd);
  EXPECT_EQ(std::string(sd->media[0].attribute("fmtp").value_or("")).find("sprop-stereo"), std::string::npos);
  EXPECT_NE(std::string(sd->media[1].attribute("fmtp").value_or("")).find("sprop-stereo=1"), std::string::npos);
}

TEST(SendOffer, AudioAnswerIsReadByMid) {
  const std::string answer =
      "v=0\r\no=- 1 1 IN IP4 10.77.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.77.0.1\r\na=recvonly\r\na=mid:0\r\n"
      "a=rtpmap:111 opus/48000/2\r\na=extmap:4 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 10.77.0.1\r\na=recvonly\r\na=mid:1\r\na=rtpmap:0 PCMU/8000\r\n"
      "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=inactive\r\na=mid:2\r\na=rtpmap:111 opus/48000/2\r\n";
  const auto first = parse_remote_audio_answer(answer, "0");
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->accepted);
  EXPECT_EQ(first->opus_pt, 111);
  EXPECT_EQ(first->audio_level_ext_id, 4);
  const auto no_opus = parse_remote_audio_answer(answer, "1");
  ASSERT_TRUE(no_opus);
  EXPECT_FALSE(no_opus->accepted);
  EXPECT_FALSE(no_opus->opus_pt);
  const auto rejected = parse_remote_audio_answer(answer, "2");
  ASSERT_TRUE(rejected);
  EXPECT_FALSE(rejected->accepted) << "port 0";
  EXPECT_FALSE(parse_remote_audio_answer(answer, "7")) << "no such section";
}
