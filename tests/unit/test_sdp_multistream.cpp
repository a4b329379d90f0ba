// Multistream subscriber offer/answer: Janus's offer with several m=audio sections, our answer.
#include "sdp/multistream.hpp"
#include "sdp_test_params.hpp"

#include <gtest/gtest.h>

#include <string>

namespace roomcast::sdp {
namespace {

// What Janus writes before the first m= line of its subscriber offers (`origin`: the o= line's
// session id and version).
std::string janus_session(const std::string& origin) {
  return "v=0\r\n"
         "o=- " + origin + " IN IP4 10.77.0.1\r\n"
         "s=VideoRoom 1234\r\n"
         "t=0 0\r\n"
         "a=group:BUNDLE 0 1 2 3\r\n"
         "a=ice-options:trickle\r\n"
         "a=fingerprint:sha-256 A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:D9:1E:3F:72:1F:CB:19:"
         "71:17:44:94:D6:49:3C:9D:5C\r\n"
         "a=extmap-allow-mixed\r\n"
         "a=msid-semantic: WMS *\r\n";
}
// What it writes after a=mid in every section.
const std::string kJanusIce = "a=rtcp-mux\r\na=ice-ufrag:Lp7Q\r\na=ice-pwd:c2Vw9sKd0Ym4XaTq7nBj3F\r\n";

// Janus 1.1 subscriber offer in the shape janus_videoroom_subscriber_offer + janus_sdp_merge
// write it: three audio slots (the middle one parked inactive after its feed left, no SSRC),
// a video slot, transport attributes repeated in every section, candidates in the first.
const std::string kOffer =
    janus_session("1733000000000000 3") +
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=sendonly\r\n"
    "a=mid:0\r\n"
    + kJanusIce +
    "a=ice-options:trickle\r\n"
    "a=setup:actpass\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 useinbandfec=1\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=msid:janus0 janus0a0\r\n"
    "a=ssrc:1111111111 cname:janus\r\n"
    "a=candidate:1 1 udp 2015363327 10.77.0.1 20788 typ host\r\n"
    "a=end-of-candidates\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=inactive\r\n"
    "a=mid:1\r\n"
    + kJanusIce +
    "a=setup:actpass\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=sendonly\r\n"
    "a=mid:2\r\n"
    + kJanusIce +
    "a=setup:actpass\r\n"
    "a=rtpmap:109 opus/48000/2\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=msid:janus2 janus2a0\r\n"
    "a=ssrc:-1056430916 cname:janus\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=sendonly\r\n"
    "a=mid:3\r\n"
    + kJanusIce +
    "a=setup:actpass\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=ssrc:2718281828 cname:janus\r\n";

LocalMediaParams subscriber() { return test::roomcast_local(Direction::RecvOnly); }

// `text` with the first `from` in it replaced by `to` (out_of_range when there is none).
std::string edited(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

TEST(MultiAudioOffer, ReadsEveryAudioSection) {
  std::string why;
  const auto offer = parse_remote_multi_audio(kOffer, &why);
  ASSERT_TRUE(offer) << why;
  EXPECT_EQ(offer->transport.ice_ufrag, "Lp7Q");
  EXPECT_EQ(offer->transport.ice_pwd, "c2Vw9sKd0Ym4XaTq7nBj3F");
  EXPECT_EQ(offer->transport.setup, "actpass");
  ASSERT_EQ(offer->transport.candidates.size(), 1u);
  EXPECT_EQ(offer->transport.candidates[0],
            "candidate:1 1 udp 2015363327 10.77.0.1 20788 typ host");
  ASSERT_EQ(offer->transport.media_lines.size(), 4u);
  ASSERT_EQ(offer->audio.size(), 3u);

  const RemoteAudioStream first{0, "0", 111, 1, 4, Direction::SendOnly, {1111111111u}};
  const RemoteAudioStream parked{1, "1", 111, std::nullopt, 4, Direction::Inactive, {}};
  // Old Janus printed the SSRC signed: -1056430916 is 0xC10824BC.
  const RemoteAudioStream third{2, "2", 109, 3, 4, Direction::SendOnly, {0xC10824BCu}};
  EXPECT_EQ(offer->audio[0], first);
  EXPECT_EQ(offer->audio[1], parked);
  EXPECT_EQ(offer->audio[2], third);
}

TEST(MultiAudioOffer, SkipsRejectedAndNonOpusAudio) {
  const auto offer = parse_remote_multi_audio(edited(kOffer, "m=audio 9 UDP/TLS/RTP/SAVPF 109",
                                                     "m=audio 0 UDP/TLS/RTP/SAVPF 109"));
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->audio.size(), 2u);
  EXPECT_EQ(offer->audio[1].mid, "1");

  const auto offer2 = parse_remote_multi_audio(edited(kOffer, "a=rtpmap:109 opus/48000/2",
                                                      "a=rtpmap:109 PCMU/8000/1"));
  ASSERT_TRUE(offer2);
  ASSERT_EQ(offer2->audio.size(), 2u);
  EXPECT_EQ(offer2->audio[1].mid, "1");
}

TEST(MultiAudioOffer, NotAnOfferIsExplained) {
  std::string why;
  EXPECT_FALSE(parse_remote_multi_audio("v=0\r\nm=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n", &why));
  EXPECT_EQ(why, "no m=audio, m=video or m=application section with a non-zero port");
  EXPECT_FALSE(parse_remote_multi_audio("v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", &why));
  EXPECT_EQ(why, "no a=ice-ufrag / a=ice-pwd for the data section");
  EXPECT_FALSE(parse_remote_multi_audio("v=0\r\nm=application 9 DTLS/SCTP/RTP 5000\r\n", &why));
  EXPECT_EQ(why, "the data section's transport is DTLS/SCTP/RTP, not UDP/DTLS/SCTP (RFC 8841)");
  EXPECT_FALSE(parse_remote_multi_audio("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", &why));
  EXPECT_EQ(why, "no a=ice-ufrag / a=ice-pwd for the video section");
  EXPECT_FALSE(parse_remote_multi_audio("hello", &why));
}

TEST(MultiAudioAnswer, AcceptsEachAudioSectionOverOneBundle) {
  const auto offer = parse_remote_multi_audio(kOffer);
  ASSERT_TRUE(offer);
  const std::string expected =
      "v=0\r\n"
      "o=- 42 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0 1 2 3\r\n"
      "a=msid-semantic: WMS\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      + test::roomcast_transport("active") +
      "a=mid:0\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=recvonly\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "a=candidate:1 1 udp 2130706431 10.77.0.2 50000 typ host\r\n"
      "a=end-of-candidates\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      + test::roomcast_transport("active") +
      "a=mid:1\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=inactive\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\n"
      + test::roomcast_transport("active") +
      "a=mid:2\r\n"
      "a=extmap:3 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=recvonly\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:109 opus/48000/2\r\n"
      "a=fmtp:109 minptime=10;useinbandfec=1\r\n"
      // The VP8 slot is received too (no feedback offered, none answered).
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      + test::roomcast_transport("active") +
      "a=mid:3\r\n"
      "a=recvonly\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:96 VP8/90000\r\n";
  EXPECT_EQ(build_multi_audio_answer(*offer, subscriber(), 42), expected);
}

TEST(MultiAudioAnswer, WithoutLevelsTheAudioLevelExtensionIsDeclined) {
  const auto offer = parse_remote_multi_audio(kOffer);
  ASSERT_TRUE(offer);
  auto local = subscriber();
  local.audio_level_ext_id.reset();
  const std::string answer = build_multi_audio_answer(*offer, local, 42);
  EXPECT_EQ(answer.find("ssrc-audio-level"), std::string::npos);
  EXPECT_NE(answer.find("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"), std::string::npos);
}

TEST(MultiAudioAnswer, AnswerReadsBackAsOneStreamPerOfferedAudioSection) {
  const auto offer = parse_remote_multi_audio(kOffer);
  ASSERT_TRUE(offer);
  const auto back = parse_remote_multi_audio(build_multi_audio_answer(*offer, subscriber(), 7));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->audio.size(), 3u);
  EXPECT_EQ(back->transport.media_lines.size(), 4u);
  EXPECT_EQ(back->transport.media_lines[3].port, 9);
  ASSERT_EQ(back->video.size(), 1u);
  EXPECT_EQ(back->video[0].mid, "3");
  EXPECT_EQ(back->video[0].direction, Direction::RecvOnly);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->audio[i].mid, offer->audio[i].mid);
    EXPECT_EQ(back->audio[i].opus_pt, offer->audio[i].opus_pt);
    EXPECT_TRUE(back->audio[i].ssrcs.empty()); // we only receive
  }
  EXPECT_EQ(back->audio[0].direction, Direction::RecvOnly);
  EXPECT_EQ(back->audio[1].direction, Direction::Inactive);
  EXPECT_EQ(back->transport.setup, "active");
}

} // namespace
} // namespace roomcast::sdp

namespace roomcast::sdp {
namespace {

// Janus 1.1 subscriber offer with two publishers' audio and video, as janus_videoroom writes
// it for a room with videocodec "vp8,h264": the first feed's VP8 with RTX and the feedback
// janus_sdp_generate_offer adds; the second feed publishes H.264 (constrained baseline, mode 1).
const std::string kVideoOffer =
    janus_session("1733000000000001 5") +
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=sendonly\r\n"
    "a=mid:0\r\n"
    + kJanusIce +
    "a=setup:actpass\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=msid:janus0 janus0a0\r\n"
    "a=ssrc:1111111111 cname:janus\r\n"
    "a=candidate:1 1 udp 2015363327 10.77.0.1 20788 typ host\r\n"
    "a=end-of-candidates\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 100 101\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=sendonly\r\n"
    "a=mid:1\r\n"
    + kJanusIce +
    "a=setup:actpass\r\n"
    "a=rtpmap:100 VP8/90000\r\n"
    "a=rtcp-fb:100 ccm fir\r\n"
    "a=rtcp-fb:100 nack\r\n"
    "a=rtcp-fb:100 nack pli\r\n"
    "a=rtcp-fb:100 goog-remb\r\n"
    "a=rtcp-fb:100 transport-cc\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:12 urn:3gpp:video-orientation\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=ssrc-group:FID 2718281828 3141592653\r\n"
    "a=msid:janus1 janus1v0\r\n"
    "a=ssrc:2718281828 cname:janus\r\n"
    "a=ssrc:3141592653 cname:janus\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=sendonly\r\n"
    "a=mid:2\r\n"
    + kJanusIce +
    "a=setup:actpass\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=ssrc:2222222222 cname:janus\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
    "c=IN IP4 10.77.0.1\r\n"
    "a=sendonly\r\n"
    "a=mid:3\r\n"
    + kJanusIce +
    "a=setup:actpass\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 profile-level-id=42e01f;packetization-mode=1\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=ssrc:3333333333 cname:janus\r\n";

LocalMediaParams video_subscriber() { return test::roomcast_local(Direction::RecvOnly); }

TEST(MultiVideoOffer, ReadsVp8AndH264SectionsWithTheirFeedback) {
  std::string why;
  const auto offer = parse_remote_multi_audio(kVideoOffer, &why);
  ASSERT_TRUE(offer) << why;
  ASSERT_EQ(offer->audio.size(), 2u);
  ASSERT_EQ(offer->video.size(), 2u);
  const RemoteVideoStream vp8{1,
                              "1",
                              VideoCodec::vp8,
                              100,
                              "",
                              {"ccm fir", "nack", "nack pli"},
                              4,
                              Direction::SendOnly,
                              {2718281828u, 3141592653u}};
  EXPECT_EQ(offer->video[0], vp8);
  const RemoteVideoStream h264{3,
                               "3",
                               VideoCodec::h264,
                               102,
                               "profile-level-id=42e01f;packetization-mode=1",
                               {"nack"},
                               std::nullopt,
                               Direction::SendOnly,
                               {3333333333u}};
  EXPECT_EQ(offer->video[1], h264);
}

TEST(MultiVideoOffer, VideoWithoutVp8OrH264OrRejectedIsLeftOut) {
  const auto offer = parse_remote_multi_audio(edited(kVideoOffer, "m=video 9 UDP/TLS/RTP/SAVPF 100 101",
                                                     "m=video 0 UDP/TLS/RTP/SAVPF 100 101"));
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->video.size(), 1u);
  EXPECT_EQ(offer->video[0].mid, "3") << "only the H.264 section is left";
  // VP8 named but not among the m= line's formats.
  const auto offer2 = parse_remote_multi_audio(edited(kVideoOffer, "m=video 9 UDP/TLS/RTP/SAVPF 100 101",
                                                      "m=video 9 UDP/TLS/RTP/SAVPF 101 103"));
  ASSERT_TRUE(offer2);
  ASSERT_EQ(offer2->video.size(), 1u);
  EXPECT_EQ(offer2->video[0].mid, "3");
  // H.264 in interleaved mode (packetization-mode=2) is not something we reassemble.
  const auto offer3 = parse_remote_multi_audio(edited(kVideoOffer, "packetization-mode=1",
                                                      "packetization-mode=2"));
  ASSERT_TRUE(offer3);
  ASSERT_EQ(offer3->video.size(), 1u);
  EXPECT_EQ(offer3->video[0].mid, "1");
}

TEST(MultiVideoOffer, Vp8IsTakenWhenASectionOffersBoth) {
  std::string text = kVideoOffer;
  text.replace(text.find("m=video 9 UDP/TLS/RTP/SAVPF 100 101"), 35, "m=video 9 UDP/TLS/RTP/SAVPF 102 100");
  text.replace(text.find("a=rtpmap:100 VP8/90000\r\n"), 24,
               "a=rtpmap:100 VP8/90000\r\na=rtpmap:102 H264/90000\r\n");
  const auto offer = parse_remote_multi_audio(text);
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->video.size(), 2u);
  EXPECT_EQ(offer->video[0].codec, VideoCodec::vp8);
  EXPECT_EQ(offer->video[0].payload_type, 100);
}

TEST(MultiVideoAnswer, AcceptsVp8AndH264MirrorsFeedbackAndFmtp) {
  const auto offer = parse_remote_multi_audio(kVideoOffer);
  ASSERT_TRUE(offer);
  const std::string answer = build_multi_audio_answer(*offer, video_subscriber(), 42);
  const std::string vp8_section =
      "m=video 9 UDP/TLS/RTP/SAVPF 100\r\n"
      + test::roomcast_transport("active") +
      "a=mid:1\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=recvonly\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:100 VP8/90000\r\n"
      "a=rtcp-fb:100 ccm fir\r\n"
      "a=rtcp-fb:100 nack\r\n"
      "a=rtcp-fb:100 nack pli\r\n"
      "m=audio 9 ";
  EXPECT_NE(answer.find(vp8_section), std::string::npos) << answer;
  // RTX, REMB and transport-cc are not answered: roomcast does not act on them.
  EXPECT_EQ(answer.find("rtx/90000"), std::string::npos);
  EXPECT_EQ(answer.find("goog-remb"), std::string::npos);
  EXPECT_EQ(answer.find("transport-cc"), std::string::npos);
  EXPECT_NE(answer.find("a=group:BUNDLE 0 1 2 3\r\n"), std::string::npos);
  // RFC 6184 §8.2.2: the answer keeps the offered profile and packetization mode.
  EXPECT_NE(answer.find("m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("a=mid:3\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n"
                        "a=fmtp:102 profile-level-id=42e01f;packetization-mode=1\r\na=rtcp-fb:102 nack\r\n"),
            std::string::npos)
      << answer;
  // Candidates once, in the first (BUNDLE-tag) section.
  EXPECT_EQ(answer.find("a=candidate:"), answer.rfind("a=candidate:"));
  EXPECT_LT(answer.find("a=candidate:"), answer.find("m=video"));
}

TEST(MultiVideoAnswer, OtherCodecsAreRejected) {
  const auto offer = parse_remote_multi_audio(edited(kVideoOffer, "a=rtpmap:102 H264/90000",
                                                     "a=rtpmap:102 AV1/90000"));
  ASSERT_TRUE(offer);
  const std::string answer = build_multi_audio_answer(*offer, video_subscriber(), 42);
  EXPECT_NE(answer.find("a=group:BUNDLE 0 1 2\r\n"), std::string::npos);
  EXPECT_NE(answer.find("m=video 0 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=mid:3\r\na=inactive\r\n"),
            std::string::npos)
      << answer;
}

TEST(MultiVideoAnswer, ParkedVideoSlotIsAnsweredInactive) {
  const auto offer = parse_remote_multi_audio(edited(kVideoOffer, "a=sendonly\r\na=mid:1\r\n",
                                                     "a=inactive\r\na=mid:1\r\n"));
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->video.size(), 2u);
  const std::string answer = build_multi_audio_answer(*offer, video_subscriber(), 42);
  EXPECT_NE(answer.find("a=mid:1\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=inactive\r\n"),
            std::string::npos);
  const auto back = parse_remote_multi_audio(answer);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->video.size(), 2u);
  EXPECT_EQ(back->video[0].payload_type, 100);
  EXPECT_EQ(back->video[0].direction, Direction::Inactive);
  EXPECT_EQ(back->video[0].feedback, (std::set<std::string>{"ccm fir", "nack", "nack pli"}));
}

} // namespace
} // namespace roomcast::sdp

namespace roomcast::sdp {
namespace {

// Only a video slot (auto_subscribe off, one video sink): the transport comes from it.
TEST(MultiVideoOffer, VideoOnlyOfferTakesItsTransportFromTheVideoSection) {
  std::string text = kVideoOffer;
  // Park both audio slots (port 0), as in a subscription without audio.
  for (const char* mid : {"a=mid:0\r\n", "a=mid:2\r\n"}) {
    const auto at = text.rfind("m=audio 9 ", text.find(mid));
    text.replace(at, 10, "m=audio 0 ");
  }
  // And the H.264 slot: one video slot only.
  text.replace(text.find("m=video 9 UDP/TLS/RTP/SAVPF 102"), 31, "m=video 0 UDP/TLS/RTP/SAVPF 102");
  // The candidates were in the first (now rejected) section: Janus puts them in the first
  // live one, so move them.
  const std::string candidate = "a=candidate:1 1 udp 2015363327 10.77.0.1 20788 typ host\r\na=end-of-candidates\r\n";
  text.erase(text.find(candidate), candidate.size());
  text.insert(text.find("a=rtpmap:100 VP8/90000\r\n"), candidate);
  std::string why;
  const auto offer = parse_remote_multi_audio(text, &why);
  ASSERT_TRUE(offer) << why;
  EXPECT_TRUE(offer->audio.empty());
  ASSERT_EQ(offer->video.size(), 1u);
  EXPECT_EQ(offer->transport.ice_ufrag, "Lp7Q");
  EXPECT_EQ(offer->transport.mid, "1");
  EXPECT_FALSE(offer->transport.opus_pt);
  ASSERT_EQ(offer->transport.candidates.size(), 1u);
  const std::string answer = build_multi_audio_answer(*offer, video_subscriber(), 42);
  EXPECT_NE(answer.find("a=group:BUNDLE 1\r\n"), std::string::npos);
  EXPECT_NE(answer.find("m=video 9 UDP/TLS/RTP/SAVPF 100\r\n"), std::string::npos);
  EXPECT_NE(answer.find("m=audio 0 "), std::string::npos);
  // The answer's only candidates are in its video section, the BUNDLE tag.
  EXPECT_GT(answer.find("a=candidate:"), answer.find("m=video 9"));
  // parse_remote_audio itself still wants audio.
  EXPECT_FALSE(parse_remote_audio(text, &why));
  EXPECT_EQ(why, "no m=audio section with a non-zero port");
}

} // namespace
} // namespace roomcast::sdp

namespace roomcast::sdp {
namespace {

// A subscription that only carries the publishers' messages (Janus offers its one data section):
// its transport comes from that section.
TEST(MultiAudioOffer, DataOnlyOfferTakesItsTransportFromTheDataSection) {
  const std::string offer =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=VideoRoom 1234\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "a=fingerprint:sha-256 "
      "98:FB:03:65:69:9A:10:C0:13:E7:BC:18:EC:E6:B3:BA:6A:C0:BD:2C:9E:4E:0E:D6:9C:16:62:7D:ED:D4:96:6B\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:0\r\n"
      "a=sctp-port:5000\r\na=ice-ufrag:hK7G\r\na=ice-pwd:m0fhLlzDwLJSlWiZh6Jg9H\r\na=setup:actpass\r\n"
      "a=candidate:1 1 udp 2015363327 10.77.0.2 28974 typ host\r\n";
  std::string why;
  const auto parsed = parse_remote_multi_audio(offer, &why);
  ASSERT_TRUE(parsed) << why;
  EXPECT_TRUE(parsed->audio.empty());
  EXPECT_TRUE(parsed->video.empty());
  EXPECT_EQ(parsed->transport.ice_ufrag, "hK7G");
  EXPECT_EQ(parsed->transport.setup, "actpass");
  ASSERT_EQ(parsed->transport.candidates.size(), 1u);
}

}  // namespace
}  // namespace roomcast::sdp
