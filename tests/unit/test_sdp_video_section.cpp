// Our VP8 video section and the reading of Janus's answer to it.
#include <gtest/gtest.h>

#include "sdp/session_description.hpp"
#include "sdp/video_section.hpp"
#include "sdp_test_params.hpp"

using namespace roomcast::sdp;

namespace {
LocalMediaParams publisher() { return roomcast::sdp::test::short_local(1111, "roomcast-audio"); }

// Janus 1.1 answers a VP8 offer like this (recvonly, its own feedback list, transport-cc too).
std::string answer(const std::string& video_lines) {
  return "v=0\r\no=- 1 1 IN IP4 10.77.0.1\r\ns=VideoRoom 1234\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
         "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.77.0.1\r\na=recvonly\r\na=mid:0\r\n"
         "a=rtpmap:111 opus/48000/2\r\na=ice-ufrag:j\r\na=ice-pwd:jjjjjjjjjjjjjjjjjjjjjj\r\n"
         "a=fingerprint:sha-256 AA:BB\r\na=setup:active\r\n" + video_lines;
}
}  // namespace

TEST(VideoSection, OfferBundlesAudioAndVideoInOneMsidStream) {
  LocalVideoParams video;
  video.ssrc = 2222;
  const auto sd = SessionDescription::parse(build_audio_video_offer(publisher(), video, 7));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE 0 1");
  ASSERT_EQ(sd->media.size(), 2u);
  const auto& m = sd->media[1];
  EXPECT_EQ(m.media_line(), "video 9 UDP/TLS/RTP/SAVPF 96");
  EXPECT_EQ(m.attribute("mid"), "1");
  EXPECT_EQ(m.attribute("rtpmap"), "96 VP8/90000");
  const std::vector<std::string_view> feedback = m.attributes_named("rtcp-fb");
  EXPECT_EQ(feedback, (std::vector<std::string_view>{"96 ccm fir", "96 nack", "96 nack pli", "96 goog-remb"}))
      << "only what roomcast acts on";
  EXPECT_TRUE(m.has_attribute("sendonly"));
  EXPECT_TRUE(m.has_attribute("rtcp-mux"));
  EXPECT_EQ(m.attribute("msid"), "roomcast roomcast-video");
  EXPECT_EQ(sd->media[0].attribute("msid"), "roomcast roomcast-audio") << "same stream id: browsers lip-sync them";
  EXPECT_EQ(m.attributes_named("ssrc"), (std::vector<std::string_view>{"2222 cname:cn", "2222 msid:roomcast roomcast-video"}));
  EXPECT_EQ(m.attribute("ice-ufrag"), "uf");
  EXPECT_EQ(m.attribute("fingerprint"), "sha-256 AB:CD");
}

TEST(VideoSection, WithoutRetransmissionsNoNackIsOffered) {
  LocalVideoParams video;
  video.ssrc = 2222;
  video.nack = false;
  const auto sd = SessionDescription::parse(build_audio_video_offer(publisher(), video, 7));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->media[1].attributes_named("rtcp-fb"),
            (std::vector<std::string_view>{"96 ccm fir", "96 nack pli", "96 goog-remb"}));
}

TEST(VideoSection, ReadsAnAcceptedVp8Answer) {
  const auto r = parse_remote_video(answer("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\na=mid:1\r\n"
                                           "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\n"
                                           "a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 goog-remb\r\n"
                                           "a=rtcp-fb:96 transport-cc\r\n"),
                                    "1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->accepted);
  EXPECT_EQ(r->payload_type, 96);
  EXPECT_EQ(r->direction, Direction::RecvOnly);
  EXPECT_EQ(r->feedback, (std::set<std::string>{"ccm fir", "nack", "nack pli", "goog-remb", "transport-cc"}));
}

TEST(VideoSection, ARoomWithoutVp8AnswersInactive) {
  // Janus answers a codec the room does not allow with an inactive section.
  const auto r = parse_remote_video(answer("m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=inactive\r\na=mid:1\r\n"), "1");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->accepted);
  EXPECT_FALSE(r->payload_type);
  const auto rejected = parse_remote_video(answer("m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n"), "1");
  ASSERT_TRUE(rejected);
  EXPECT_FALSE(rejected->accepted) << "port 0";
  EXPECT_FALSE(parse_remote_video(answer(""), "1")) << "no video section at all";
}

TEST(VideoSection, H264OfferHasOnlyH264WithMode1AndTheSameFeedback) {
  LocalVideoParams video;
  video.ssrc = 2222;
  video.codec = roomcast::VideoCodec::h264;
  video.payload_type = kH264PayloadType;
  const auto sd = SessionDescription::parse(build_audio_video_offer(publisher(), video, 7));
  ASSERT_TRUE(sd);
  const auto& m = sd->media[1];
  EXPECT_EQ(m.media_line(), "video 9 UDP/TLS/RTP/SAVPF 102") << "only the chosen codec is offered";
  EXPECT_EQ(m.attributes_named("rtpmap"), (std::vector<std::string_view>{"102 H264/90000"}));
  EXPECT_EQ(m.attributes_named("fmtp"),
            (std::vector<std::string_view>{"102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}));
  EXPECT_EQ(m.attributes_named("rtcp-fb"),
            (std::vector<std::string_view>{"102 ccm fir", "102 nack", "102 nack pli", "102 goog-remb"}));
  EXPECT_EQ(build_audio_video_offer(publisher(), video, 7).find("VP8"), std::string::npos);
}

TEST(VideoSection, ReadsAnAcceptedH264Answer) {
  // Janus 1.1 answers an H.264 offer in a "vp8,h264" room with H.264 and its fmtp.
  const std::string text = answer("m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=recvonly\r\na=mid:1\r\n"
                                  "a=rtpmap:102 H264/90000\r\n"
                                  "a=fmtp:102 profile-level-id=42e01f;packetization-mode=1\r\n"
                                  "a=rtcp-fb:102 ccm fir\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
                                  "a=rtcp-fb:102 goog-remb\r\n");
  const auto r = parse_remote_video(text, "1", roomcast::VideoCodec::h264);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->accepted);
  EXPECT_EQ(r->payload_type, 102);
  EXPECT_EQ(r->feedback, (std::set<std::string>{"ccm fir", "nack", "nack pli", "goog-remb"}));
  // The same answer does not carry VP8: a VP8 offer would count as refused.
  const auto as_vp8 = parse_remote_video(text, "1", roomcast::VideoCodec::vp8);
  ASSERT_TRUE(as_vp8);
  EXPECT_FALSE(as_vp8->accepted);
  EXPECT_FALSE(as_vp8->payload_type);
}

TEST(VideoSection, AnH264OfferAnsweredInactiveIsRefused) {
  // A room with videocodec = "vp8" only: Janus answers our H.264 section inactive, no formats.
  const auto r = parse_remote_video(answer("m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=inactive\r\na=mid:1\r\n"), "1",
                                    roomcast::VideoCodec::h264);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->accepted);
  EXPECT_FALSE(r->payload_type);
}

TEST(VideoSection, OfferWithRtxPairsEachPayloadTypeAndSsrc) {
  LocalVideoParams video;
  video.ssrc = 2222;
  video.rtx_ssrc = 3333;
  const auto sd = SessionDescription::parse(build_audio_video_offer(publisher(), video, 7));
  ASSERT_TRUE(sd);
  const auto& m = sd->media[1];
  EXPECT_EQ(m.media_line(), "video 9 UDP/TLS/RTP/SAVPF 96 97");
  EXPECT_EQ(m.attributes_named("rtpmap"), (std::vector<std::string_view>{"96 VP8/90000", "97 rtx/90000"}));
  EXPECT_EQ(m.attributes_named("fmtp"), (std::vector<std::string_view>{"97 apt=96"}));
  EXPECT_EQ(m.attributes_named("rtcp-fb"),
            (std::vector<std::string_view>{"96 ccm fir", "96 nack", "96 nack pli", "96 goog-remb"}))
      << "feedback is about the media payload type only";
  EXPECT_EQ(m.attribute("ssrc-group"), "FID 2222 3333");
  EXPECT_EQ(m.attributes_named("ssrc"),
            (std::vector<std::string_view>{"2222 cname:cn", "2222 msid:roomcast roomcast-video", "3333 cname:cn",
                                           "3333 msid:roomcast roomcast-video"}));
}

TEST(VideoSection, H264OfferWithRtx) {
  LocalVideoParams video;
  video.ssrc = 2222;
  video.rtx_ssrc = 3333;
  video.codec = roomcast::VideoCodec::h264;
  video.payload_type = kH264PayloadType;
  video.rtx_payload_type = kH264RtxPayloadType;
  const auto sd = SessionDescription::parse(build_audio_video_offer(publisher(), video, 7));
  ASSERT_TRUE(sd);
  const auto& m = sd->media[1];
  EXPECT_EQ(m.media_line(), "video 9 UDP/TLS/RTP/SAVPF 102 103");
  EXPECT_EQ(m.attributes_named("fmtp"),
            (std::vector<std::string_view>{"102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                                           "103 apt=102"}));
}

TEST(VideoSection, RtxOnlyWithNackAndTheFidGroupOnlyWhileSending) {
  LocalVideoParams video;
  video.ssrc = 2222;
  video.rtx_ssrc = 3333;
  video.nack = false;
  auto sd = SessionDescription::parse(build_audio_video_offer(publisher(), video, 7));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->media[1].media_line(), "video 9 UDP/TLS/RTP/SAVPF 96") << "no NACK, so nothing to retransmit";
  EXPECT_FALSE(sd->media[1].has_attribute("ssrc-group"));
  video.nack = true;
  video.direction = Direction::Inactive;  // camera off: same formats, no SSRCs
  sd = SessionDescription::parse(build_audio_video_offer(publisher(), video, 7));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->media[1].media_line(), "video 9 UDP/TLS/RTP/SAVPF 96 97");
  EXPECT_FALSE(sd->media[1].has_attribute("ssrc-group"));
  EXPECT_TRUE(sd->media[1].attributes_named("ssrc").empty());
}

TEST(VideoSection, ReadsRtxKeptOrDroppedInTheAnswer) {
  // Janus 1.1 keeps RTX when the offer has it (sdp.c appends rtx/90000 with apt= after the codec).
  const auto kept = parse_remote_video(answer("m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=recvonly\r\na=mid:1\r\n"
                                              "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\n"
                                              "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"),
                                       "1");
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->accepted);
  EXPECT_EQ(kept->payload_type, 96);
  EXPECT_EQ(kept->rtx_payload_type, 97);
  const auto dropped = parse_remote_video(answer("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\na=mid:1\r\n"
                                                 "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\n"),
                                          "1");
  ASSERT_TRUE(dropped);
  EXPECT_TRUE(dropped->accepted);
  EXPECT_FALSE(dropped->rtx_payload_type);
  // RTX for another codec, or an rtx format the m= line does not list, is not ours.
  const auto other = parse_remote_video(answer("m=video 9 UDP/TLS/RTP/SAVPF 96 99\r\na=recvonly\r\na=mid:1\r\n"
                                               "a=rtpmap:96 VP8/90000\r\na=rtpmap:99 rtx/90000\r\n"
                                               "a=fmtp:99 apt=100\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"),
                                        "1");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->rtx_payload_type);
  const auto with_time = parse_remote_video(answer("m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=recvonly\r\na=mid:1\r\n"
                                                   "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 RTX/90000\r\n"
                                                   "a=fmtp:97 rtx-time=3000; apt=96\r\n"),
                                            "1");
  ASSERT_TRUE(with_time);
  EXPECT_EQ(with_time->rtx_payload_type, 97);
}
