// Typed offer/answer: our publisher offer, reading Janus and Chromium SDP, our subscriber answer.
#include "sdp/offer_answer.hpp"

#include "sdp/session_description.hpp"
#include "sdp_test_params.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace roomcast::sdp {
namespace {

using test::read_vector;

LocalMediaParams publisher() {
  return test::roomcast_local(Direction::SendOnly,
                              {"candidate:1 1 udp 2130706431 10.200.0.2 50000 typ host",
                               "a=candidate:2 1 udp 2130706175 fd00:200::2 50002 typ host\r\n"});
}

TEST(AudioOffer, MatchesExpectedText) {
  const std::string expected =
      "v=0\r\n"
      "o=- 42 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0\r\n"
      "a=msid-semantic: WMS roomcast\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      + test::roomcast_transport("actpass") +
      "a=mid:0\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=sendonly\r\n"
      "a=msid:roomcast audio0\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "a=ssrc:305419896 cname:roomcast-cname\r\n"
      "a=ssrc:305419896 msid:roomcast audio0\r\n"
      "a=candidate:1 1 udp 2130706431 10.200.0.2 50000 typ host\r\n"
      "a=candidate:2 1 udp 2130706175 fd00:200::2 50002 typ host\r\n"
      "a=end-of-candidates\r\n";
  EXPECT_EQ(build_audio_offer(publisher(), 42), expected);
}

TEST(AudioOffer, ReadsBackAsWhatWasMeant) {
  const std::string offer = build_audio_offer(publisher());
  EXPECT_EQ(offer.find("ice-options"), std::string::npos);
  std::string why;
  const auto r = parse_remote_audio(offer, &why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->ice_ufrag, "rc01");
  EXPECT_EQ(r->ice_pwd, "0123456789abcdefghijkl");
  EXPECT_EQ(r->fingerprint_algorithm, "sha-256");
  EXPECT_EQ(r->fingerprint, normalize_fingerprint(publisher().fingerprint_sha256));
  EXPECT_EQ(r->setup, "actpass");
  EXPECT_EQ(r->mid, "0");
  EXPECT_EQ(r->opus_pt, 111);
  EXPECT_EQ(r->audio_level_ext_id, 1);
  EXPECT_EQ(r->direction, Direction::SendOnly);
  EXPECT_EQ(r->ssrcs, std::vector<uint32_t>{305419896});
  EXPECT_EQ(r->candidates.size(), 2u);
  EXPECT_EQ(r->candidates[1], "candidate:2 1 udp 2130706175 fd00:200::2 50002 typ host");
  EXPECT_TRUE(r->rtcp_mux);
  EXPECT_TRUE(r->has_end_of_candidates);
  EXPECT_EQ(r->connection_address, "0.0.0.0");
  EXPECT_EQ(r->opus_fmtp, "minptime=10;useinbandfec=1");
}

TEST(AudioOffer, RandomSessionIdsDiffer) {
  const auto a = SessionDescription::parse(build_audio_offer(publisher()));
  const auto b = SessionDescription::parse(build_audio_offer(publisher()));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->line('o'), b->line('o'));
}

TEST(AudioOffer, VariantsFollowParameters) {
  LocalMediaParams p = publisher();
  p.direction = LocalMediaParams::Direction::RecvOnly;
  p.audio_level_ext_id.reset();
  p.candidates.clear();
  p.mid = "audio";
  p.opus_pt = 109;
  const auto sd = SessionDescription::parse(build_audio_offer(p, 1));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE audio");
  EXPECT_EQ(sd->attribute("msid-semantic"), " WMS");
  ASSERT_EQ(sd->media.size(), 1u);
  const auto& m = sd->media[0];
  EXPECT_EQ(m.formats, std::vector<std::string>{"109"});
  EXPECT_EQ(m.attribute("rtpmap"), "109 opus/48000/2");
  EXPECT_TRUE(m.has_attribute("recvonly"));
  EXPECT_FALSE(m.has_attribute("extmap"));
  EXPECT_FALSE(m.has_attribute("msid"));
  EXPECT_FALSE(m.has_attribute("ssrc"));
  EXPECT_FALSE(m.has_attribute("candidate"));
  EXPECT_FALSE(m.has_attribute("end-of-candidates"));
}

TEST(AudioOffer, CallerTextCannotStartNewLines) {
  LocalMediaParams p = publisher();
  p.cname = "evil\r\na=setup:passive";
  p.candidates = {"candidate:1 1 udp 1 10.0.0.1 1 typ host\na=ice-lite"};
  const std::string offer = build_audio_offer(p, 1);
  EXPECT_EQ(offer.find("\na=setup:passive"), std::string::npos);
  EXPECT_EQ(offer.find("\na=ice-lite"), std::string::npos);
  EXPECT_TRUE(parse_remote_audio(offer));
}

TEST(RemoteAudio, JanusPublisherAnswer) {
  std::string why;
  const auto r = parse_remote_audio(read_vector("janus_publisher_answer.sdp"), &why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->ice_ufrag, "vQ0m");
  EXPECT_EQ(r->ice_pwd, "bHllKTfaxxv7eSWQHt6K47");
  EXPECT_EQ(r->fingerprint_algorithm, "sha-256"); // session level in Janus answers
  EXPECT_EQ(r->fingerprint, "16:6B:C8:B1:5D:90:31:DA:D4:26:28:27:D7:CB:6D:50:D8:C8:D8:B6:30:40:"
                            "8D:2B:C6:FA:3C:5D:9E:26:66:1F");
  EXPECT_EQ(r->setup, "active");
  EXPECT_EQ(r->mid, "0");
  EXPECT_EQ(r->opus_pt, 111);
  EXPECT_EQ(r->opus_fmtp, "useinbandfec=1");
  EXPECT_EQ(r->audio_level_ext_id, 1);
  EXPECT_EQ(r->direction, Direction::RecvOnly);
  EXPECT_EQ(r->ssrcs, std::vector<uint32_t>{672211557});
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_EQ(r->candidates[0], "candidate:1 1 udp 2015363327 192.0.2.2 24372 typ host");
  EXPECT_TRUE(r->rtcp_mux);
  EXPECT_TRUE(r->has_end_of_candidates);
  EXPECT_EQ(r->connection_address, "192.0.2.2");
  EXPECT_EQ(r->media_lines.size(), 1u);
  EXPECT_EQ(r->audio_index, 0u);
}

TEST(RemoteAudio, IceLiteServerWithTcpCandidates) {
  // Janus with ice_lite and ice_tcp: a=ice-lite at session level, passive TCP candidates.
  std::string sdp = read_vector("janus_publisher_answer.sdp");
  const auto media = sdp.find("m=audio");
  ASSERT_NE(media, std::string::npos);
  sdp.insert(media, "a=ice-lite\r\n");
  const std::string tcp = "candidate:2 1 tcp 1015022847 192.0.2.2 9 typ host tcptype passive";
  sdp.insert(sdp.find("a=end-of-candidates"), "a=" + tcp + "\r\n");
  std::string why;
  const auto r = parse_remote_audio(sdp, &why);
  ASSERT_TRUE(r) << why;
  EXPECT_TRUE(r->ice_lite);
  ASSERT_EQ(r->candidates.size(), 2u);
  EXPECT_EQ(r->candidates[1], tcp);
  const auto full = parse_remote_audio(read_vector("janus_publisher_answer.sdp"), &why);
  ASSERT_TRUE(full) << why;
  EXPECT_FALSE(full->ice_lite);
}

TEST(RemoteAudio, JanusSubscriberOffer) {
  std::string why;
  const auto r = parse_remote_audio(read_vector("janus_subscriber_offer.sdp"), &why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->setup, "actpass");
  EXPECT_EQ(r->direction, Direction::SendOnly);
  EXPECT_EQ(r->mid, "0");
  EXPECT_EQ(r->ssrcs, std::vector<uint32_t>{2392726490u});
  EXPECT_EQ(r->opus_pt, 111);
  EXPECT_EQ(r->opus_fmtp, ""); // this capture has no a=fmtp for Opus
  EXPECT_EQ(r->audio_level_ext_id, 1);
  EXPECT_EQ(r->ice_ufrag, "dDg9");
  EXPECT_EQ(r->candidates.size(), 1u);
  EXPECT_TRUE(r->has_end_of_candidates);
}

// The parameters of the exchanges captured against Janus 1.1.2 (tests/vectors/sdp/README.md).
LocalMediaParams captured_local(Direction direction) {
  return test::local_params("rcUf", "rcpwdrcpwdrcpwdrcpwd12",
                            "A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:D9:1E:3F:72:1F:CB:19:71:"
                            "17:44:94:D6:49:3C:9D:5C",
                            {"candidate:1 1 udp 2130706431 192.0.2.2 40000 typ host"}, 123456789,
                            "rccname", "roomcast", "roomcast-audio", direction);
}

uint64_t session_id_of(const std::string& sdp) {
  const auto sd = SessionDescription::parse(sdp);
  EXPECT_TRUE(sd);
  const std::string o(sd->line('o').value_or("- 0"));
  return std::stoull(o.substr(2, o.find(' ', 2) - 2));
}

// Janus 1.1.2 took exactly this offer (configured: ok) and this answer (started: ok).
TEST(JanusAccepted, PublisherOfferIsByteForByteTheAcceptedOne) {
  const std::string accepted = read_vector("roomcast_publisher_offer.sdp");
  EXPECT_EQ(build_audio_offer(captured_local(Direction::SendOnly), session_id_of(accepted)),
            accepted);
}

TEST(JanusAccepted, SubscriberAnswerIsByteForByteTheAcceptedOne) {
  const std::string accepted = read_vector("roomcast_subscriber_answer.sdp");
  const auto offer = parse_remote_audio(read_vector("janus_subscriber_offer.sdp"));
  ASSERT_TRUE(offer);
  EXPECT_EQ(
      build_audio_answer(*offer, captured_local(Direction::RecvOnly), session_id_of(accepted)),
      accepted);
}

TEST(RemoteAudio, MultiStreamOfferTakesTransportFromBundleTag) {
  std::string why;
  const auto r = parse_remote_audio(read_vector("janus_subscriber_offer_multi.sdp"), &why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->audio_index, 1u);
  EXPECT_EQ(r->mid, "1");
  ASSERT_EQ(r->media_lines.size(), 3u);
  EXPECT_EQ(r->media_lines[0],
            (RemoteMediaLine{"video", 9, "UDP/TLS/RTP/SAVPF", {"96", "97"}, "0"}));
  EXPECT_EQ(r->media_lines[2].media, "application");
  EXPECT_EQ(r->ssrcs, std::vector<uint32_t>{3238536380u}); // "-1056430916" as unsigned
  ASSERT_EQ(r->candidates.size(), 2u);                     // from mid 0, the BUNDLE tag
  EXPECT_NE(r->candidates[1].find("fd00:200::1"), std::string::npos);
  EXPECT_TRUE(r->has_end_of_candidates);
  EXPECT_EQ(r->opus_fmtp, "useinbandfec=1;stereo=1");
}

TEST(RemoteAudio, ChromiumOfferWithManyCodecs) {
  std::string why;
  const auto r = parse_remote_audio(read_vector("chromium_audio_offer.sdp"), &why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->opus_pt, 111);
  EXPECT_EQ(r->audio_level_ext_id, 1);
  EXPECT_EQ(r->direction, Direction::SendRecv);
  EXPECT_EQ(r->setup, "actpass");
  EXPECT_EQ(r->candidates.size(), 5u);
  EXPECT_NE(r->candidates[2].find("tcptype active"), std::string::npos);
  EXPECT_FALSE(r->has_end_of_candidates);
  EXPECT_EQ(r->connection_address, "192.168.1.20");
  EXPECT_EQ(r->ssrcs, std::vector<uint32_t>{2893740157u});
  EXPECT_TRUE(r->rtcp_mux);
}

// Captured from Chromium 156 (Debian) on this machine: createOffer with one audio track,
// after gathering; host candidates are mDNS names.
TEST(RemoteAudio, CapturedChromium156Offer) {
  std::string why;
  const auto r = parse_remote_audio(read_vector("chromium156_captured_offer.sdp"), &why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->opus_pt, 111);
  EXPECT_EQ(r->audio_level_ext_id, 1);
  EXPECT_EQ(r->setup, "actpass");
  EXPECT_EQ(r->ice_ufrag, "kS5k");
  EXPECT_EQ(r->fingerprint_algorithm, "sha-256");
  EXPECT_EQ(r->fingerprint.substr(0, 11), "C2:51:FA:9A");
  EXPECT_EQ(r->candidates.size(), 2u);
  EXPECT_NE(r->candidates[0].find(".local"), std::string::npos);
  EXPECT_EQ(r->ssrcs, std::vector<uint32_t>{3183211817u});
  EXPECT_TRUE(r->rtcp_mux);
  EXPECT_EQ(r->mid, "0");
}

constexpr const char* kMinimalHead = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n";

std::string minimal(const std::string& session_attrs, const std::string& media) {
  return std::string(kMinimalHead) + session_attrs + media;
}

TEST(RemoteAudio, MediaLevelOverridesSessionLevel) {
  const std::string session = "a=ice-ufrag:sess\r\na=ice-pwd:sesspwd\r\n"
                              "a=fingerprint:sha-256 aa:bb\r\nc=IN IP4 192.0.2.1\r\n";
  const std::string media_base = "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 OPUS/48000/2\r\n";
  auto r = parse_remote_audio(minimal(session, media_base));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ice_ufrag, "sess");
  EXPECT_EQ(r->fingerprint, "AA:BB");
  EXPECT_EQ(r->setup, "active"); // RFC 4145 default when absent
  EXPECT_EQ(r->connection_address, "192.0.2.1");
  EXPECT_EQ(r->direction, Direction::SendRecv);
  EXPECT_FALSE(r->rtcp_mux);
  EXPECT_FALSE(r->audio_level_ext_id);
  EXPECT_EQ(r->opus_pt, 96);

  r = parse_remote_audio(minimal(session, media_base +
                                              "c=IN IP6 2001:db8::5\r\n"
                                              "a=ice-ufrag:media\r\na=ice-pwd:mediapwd\r\n"
                                              "a=fingerprint:sha-1 11:22\r\n"
                                              "a=fingerprint:sha-256 cc:dd\r\n"
                                              "a=extmap:3/recvonly " +
                                              std::string(kAudioLevelUri) + "\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ice_ufrag, "media");
  EXPECT_EQ(r->ice_pwd, "mediapwd");
  EXPECT_EQ(r->fingerprint, "CC:DD"); // sha-256 preferred over the first listed
  EXPECT_EQ(r->connection_address, "2001:db8::5");
  EXPECT_EQ(r->audio_level_ext_id, 3);
}

TEST(RemoteAudio, SkipsRejectedAudioSections) {
  const std::string session = "a=ice-ufrag:u\r\na=ice-pwd:p\r\na=fingerprint:sha-256 AA\r\n";
  const auto r = parse_remote_audio(minimal(session, "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=mid:x\r\n"
                                                     "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                                     "a=mid:y\r\na=rtpmap:111 opus/48000/2\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mid, "y");
  EXPECT_EQ(r->audio_index, 1u);
}

TEST(RemoteAudio, ExplainsRejection) {
  const std::string ok_session = "a=ice-ufrag:u\r\na=ice-pwd:p\r\na=fingerprint:sha-256 AA\r\n";
  const std::string opus = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";
  struct Case {
    std::string sdp;
    std::string why_contains;
  };
  const Case cases[] = {
      {"hello", "not a session description"},
      {minimal(ok_session, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"), "no m=audio"},
      {minimal(ok_session, "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"),
       "no m=audio"},
      {minimal(ok_session, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n"), "opus"},
      {minimal(ok_session, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:111 opus/48000/2\r\n"),
       "opus"}, // rtpmap for a payload type the m= line doesn't list
      {minimal(ok_session, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/16000\r\n"),
       "opus"},
      {minimal("a=ice-ufrag:u\r\na=ice-pwd:p\r\n", opus), "fingerprint"},
      {minimal("a=ice-ufrag:u\r\na=ice-pwd:p\r\na=fingerprint:sha-256\r\n", opus), "fingerprint"},
      {minimal("a=ice-ufrag:u\r\na=ice-pwd:p\r\na=fingerprint:sha-256 XY:ZZ\r\n", opus),
       "fingerprint"},
      {minimal("a=ice-pwd:p\r\na=fingerprint:sha-256 AA\r\n", opus), "ice-ufrag"},
      {minimal(ok_session + "a=setup:holdconn\r\n", opus), "setup"},
      // Plain RTP (no SRTP) or SRTP without feedback: refused, whatever the rest says.
      {minimal(ok_session, "m=audio 9 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"),
       "the audio section's transport is RTP/AVP, not UDP/TLS/RTP/SAVPF (DTLS-SRTP, RFC 5764); refusing "
       "unencrypted media"},
      {minimal(ok_session, "m=audio 9 UDP/TLS/RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n"), "SAVPF"},
      {minimal(ok_session, "m=audio 9 RTP/AVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"), "SAVPF"},
  };
  for (const auto& c : cases) {
    std::string why;
    EXPECT_FALSE(parse_remote_audio(c.sdp, &why)) << c.sdp;
    EXPECT_NE(why.find(c.why_contains), std::string::npos) << why << "\n" << c.sdp;
  }
  EXPECT_FALSE(parse_remote_audio("hello")); // why_not is optional
}

LocalMediaParams subscriber() {
  LocalMediaParams p = publisher();
  p.direction = LocalMediaParams::RecvOnly;
  p.candidates = {"candidate:1 1 udp 2130706431 10.200.0.2 50010 typ host"};
  return p;
}

TEST(AudioAnswer, AnswersJanusSubscriberOffer) {
  const auto offer = parse_remote_audio(read_vector("janus_subscriber_offer.sdp"));
  ASSERT_TRUE(offer);
  const std::string expected =
      "v=0\r\n"
      "o=- 7 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0\r\n"
      "a=msid-semantic: WMS\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      + test::roomcast_transport("active") +
      "a=mid:0\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=recvonly\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "a=candidate:1 1 udp 2130706431 10.200.0.2 50010 typ host\r\n"
      "a=end-of-candidates\r\n";
  EXPECT_EQ(build_audio_answer(*offer, subscriber(), 7), expected);
}

TEST(AudioAnswer, MirrorsEveryOfferedSectionAndRejectsTheOthers) {
  const auto offer = parse_remote_audio(read_vector("janus_subscriber_offer_multi.sdp"));
  ASSERT_TRUE(offer);
  LocalMediaParams local = subscriber();
  local.direction = LocalMediaParams::SendRecv; // still recvonly against a sendonly offer
  const auto sd = SessionDescription::parse(build_audio_answer(*offer, local));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE 1");
  ASSERT_EQ(sd->media.size(), 3u);
  EXPECT_EQ(sd->media[0].media_line(), "video 0 UDP/TLS/RTP/SAVPF 96 97");
  EXPECT_EQ(sd->media[0].attribute("mid"), "0");
  EXPECT_EQ(sd->media[2].media_line(), "application 0 UDP/DTLS/SCTP webrtc-datachannel");
  const auto& audio = sd->media[1];
  EXPECT_EQ(audio.port, 9);
  EXPECT_EQ(audio.attribute("mid"), "1");
  EXPECT_TRUE(audio.has_attribute("recvonly"));
  EXPECT_FALSE(audio.has_attribute("ssrc"));

  const auto back = parse_remote_audio(sd->to_string());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->audio_index, 1u);
  EXPECT_EQ(back->setup, "active");
  EXPECT_EQ(back->direction, Direction::RecvOnly);
}

TEST(AudioAnswer, SetupAndExtensionFollowOfferAndLocalChoice) {
  auto offer = parse_remote_audio(read_vector("janus_subscriber_offer.sdp"));
  ASSERT_TRUE(offer);
  offer->setup = "active";
  offer->audio_level_ext_id = 5;
  offer->opus_pt = 100;
  auto answer = parse_remote_audio(build_audio_answer(*offer, subscriber()));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->setup, "passive");
  EXPECT_EQ(answer->audio_level_ext_id, 5);
  EXPECT_EQ(answer->opus_pt, 100);

  LocalMediaParams no_level = subscriber();
  no_level.audio_level_ext_id.reset();
  answer = parse_remote_audio(build_audio_answer(*offer, no_level));
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->audio_level_ext_id);
}

TEST(AudioAnswer, SendingAnswerCarriesSsrcAndMsid) {
  auto offer = parse_remote_audio(read_vector("chromium_audio_offer.sdp"));
  ASSERT_TRUE(offer);
  const auto answer = parse_remote_audio(build_audio_answer(*offer, publisher()));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->direction, Direction::SendOnly);
  EXPECT_EQ(answer->ssrcs, std::vector<uint32_t>{305419896});
}

TEST(Direction, AnswerTableOfRfc3264) {
  using D = Direction;
  EXPECT_EQ(answer_direction(D::SendOnly, D::RecvOnly), D::RecvOnly);
  EXPECT_EQ(answer_direction(D::SendOnly, D::SendRecv), D::RecvOnly);
  EXPECT_EQ(answer_direction(D::SendOnly, D::SendOnly), D::Inactive);
  EXPECT_EQ(answer_direction(D::RecvOnly, D::SendOnly), D::SendOnly);
  EXPECT_EQ(answer_direction(D::RecvOnly, D::RecvOnly), D::Inactive);
  EXPECT_EQ(answer_direction(D::SendRecv, D::SendOnly), D::SendOnly);
  EXPECT_EQ(answer_direction(D::SendRecv, D::SendRecv), D::SendRecv);
  EXPECT_EQ(answer_direction(D::Inactive, D::SendRecv), D::Inactive);
  EXPECT_EQ(parse_direction("SENDONLY"), D::SendOnly);
  EXPECT_FALSE(parse_direction("sendonlyx"));
  EXPECT_EQ(to_string(D::Inactive), "inactive");
}

} // namespace
} // namespace roomcast::sdp
