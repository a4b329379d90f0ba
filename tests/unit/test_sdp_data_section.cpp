// Our m=application data channel section (RFC 8841) and the reading of the answer to it.
#include <gtest/gtest.h>

#include "sdp/data_section.hpp"
#include "sdp/multistream.hpp"
#include "sdp/send_offer.hpp"
#include "sdp/session_description.hpp"
#include "sdp_test_params.hpp"

using namespace roomcast::sdp;

namespace {
// An answer's head (session and an audio section) followed by `data_lines`.
std::string answer(const std::string& data_lines) {
  return "v=0\r\no=- 1 1 IN IP4 10.77.0.1\r\ns=VideoRoom 1234\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
         "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.77.0.1\r\na=recvonly\r\na=mid:0\r\n"
         "a=rtpmap:111 opus/48000/2\r\na=ice-ufrag:j\r\na=ice-pwd:jjjjjjjjjjjjjjjjjjjjjj\r\n"
         "a=fingerprint:sha-256 AA:BB\r\na=setup:active\r\n" +
         data_lines;
}
}  // namespace

TEST(DataSection, OfferWritesSctpPortAndMaxMessageSizeOnTheSharedTransport) {
  const LocalMediaParams local = test::roomcast_local(Direction::SendOnly);
  LocalDataParams data;
  data.mid = "2";
  const MediaSection m = data_section(local, data);
  SessionDescription sd;
  sd.lines = {{'v', "0"}};
  sd.media.push_back(m);
  const std::string text = sd.to_string();
  EXPECT_NE(text.find("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                      "c=IN IP4 0.0.0.0\r\n"
                      "a=ice-ufrag:rc01\r\n"
                      "a=ice-pwd:0123456789abcdefghijkl\r\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("a=setup:actpass\r\n"
                      "a=mid:2\r\n"
                      "a=sctp-port:5000\r\n"
                      "a=max-message-size:262144\r\n"
                      "a=candidate:1 1 udp 2130706431 10.77.0.2 50000 typ host\r\n"
                      "a=end-of-candidates\r\n"),
            std::string::npos)
      << text;
  EXPECT_FALSE(m.has_attribute("rtcp-mux")) << "no RTP in a data section";
  EXPECT_FALSE(m.has_attribute("sendrecv")) << "JSEP: no direction for m=application";
}

TEST(DataSection, AnswerGivesPortAndMaxMessageSize) {
  const auto r = parse_remote_data(answer("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                          "c=IN IP4 10.77.0.1\r\na=mid:1\r\na=sctp-port:5001\r\n"
                                          "a=max-message-size:1073741823\r\n"),
                                   "1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->accepted);
  EXPECT_EQ(r->sctp_port, 5001);
  EXPECT_EQ(r->max_message_size, size_t{1073741823});
}

TEST(DataSection, AnswerWithoutMaxMessageSizeMeans64KiB) {
  const auto r = parse_remote_data(
      answer("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\na=sctp-port:5000\r\n"),
      "1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->accepted);
  EXPECT_EQ(r->max_message_size, size_t{65536});
  EXPECT_EQ(
      parse_remote_data(answer("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"
                               "a=max-message-size:0\r\n"),
                        "1")
          ->max_message_size,
      0u)
      << "0: no limit";
}

TEST(DataSection, OlderSctpmapFormIsRead) {
  const auto r = parse_remote_data(answer("m=application 9 DTLS/SCTP 5000\r\na=mid:1\r\n"
                                          "a=sctpmap:5000 webrtc-datachannel 16\r\n"),
                                   "1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->accepted);
  EXPECT_EQ(r->sctp_port, 5000);
}

TEST(DataSection, RefusedOrBrokenSectionsAreNotAccepted) {
  const auto rejected = parse_remote_data(
      answer("m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"), "1");
  ASSERT_TRUE(rejected);
  EXPECT_FALSE(rejected->accepted) << "port 0: the server refused data channels";
  const auto bad_port = parse_remote_data(
      answer(
          "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\na=sctp-port:99999\r\n"),
      "1");
  ASSERT_TRUE(bad_port);
  EXPECT_FALSE(bad_port->accepted);
  const auto other_format =
      parse_remote_data(answer("m=application 9 UDP/DTLS/SCTP bfcp\r\na=mid:1\r\n"), "1");
  ASSERT_TRUE(other_format);
  EXPECT_FALSE(other_format->accepted);
  EXPECT_FALSE(parse_remote_data(answer(""), "1")) << "no such section";
  EXPECT_FALSE(parse_remote_data("not sdp", "1"));
}

TEST(DataSection, OfferBundlesTheDataSectionAfterTheMediaInItsPlace) {
  LocalAudioParams audio;
  audio.ssrc = 1111;
  LocalDataParams data;
  data.mid = "1";
  LocalVideoParams video;
  video.mid = "2";
  video.ssrc = 2222;
  const auto sd = SessionDescription::parse(
      build_offer(test::roomcast_local(Direction::SendOnly), {audio, data, video}, 7));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE 0 1 2");
  ASSERT_EQ(sd->media.size(), 3u);
  EXPECT_EQ(sd->media[0].media, "audio");
  EXPECT_EQ(sd->media[1].media_line(), "application 9 UDP/DTLS/SCTP webrtc-datachannel");
  EXPECT_EQ(sd->media[1].attribute("mid"), "1");
  EXPECT_EQ(sd->media[1].attribute("sctp-port"), "5000");
  EXPECT_EQ(sd->media[2].media, "video") << "m-line order is the order the sections were added";
  // A data-only offer (a listener that only sends messages) has no msid stream.
  const auto data_only =
      SessionDescription::parse(build_offer(test::roomcast_local(Direction::SendOnly), {data}, 7));
  ASSERT_TRUE(data_only);
  EXPECT_EQ(data_only->attribute("group"), "BUNDLE 1");
  EXPECT_EQ(data_only->attribute("msid-semantic"), " WMS") << "no stream: nothing is sent";
}

namespace {
// A Janus subscriber offer with an audio stream and the room's data channel section.
const std::string kOfferWithData =
    "v=0\r\no=- 1 2 IN IP4 10.77.0.1\r\ns=VideoRoom 1234\r\nt=0 0\r\na=group:BUNDLE a0 d1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.77.0.1\r\na=sendonly\r\na=mid:a0\r\n"
    "a=rtcp-mux\r\na=ice-ufrag:j\r\na=ice-pwd:jjjjjjjjjjjjjjjjjjjjjj\r\n"
    "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=ssrc:1234 cname:janus\r\na=candidate:1 1 udp 2015363327 10.77.0.1 40000 typ host\r\n"
    "a=end-of-candidates\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 10.77.0.1\r\n"
    "a=sctp-port:5000\r\na=mid:d1\r\n";
}  // namespace

TEST(DataSection, SubscriberAnswerTakesTheOfferedDataSectionWhenAsked) {
  const auto offer = parse_remote_multi_audio(kOfferWithData);
  ASSERT_TRUE(offer);
  const LocalMediaParams local = test::roomcast_local(Direction::RecvOnly);
  LocalDataParams data;
  const auto sd = SessionDescription::parse(build_multi_audio_answer(*offer, local, 42, &data));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE a0 d1");
  ASSERT_EQ(sd->media.size(), 2u);
  const auto& m = sd->media[1];
  EXPECT_EQ(m.media_line(), "application 9 UDP/DTLS/SCTP webrtc-datachannel");
  EXPECT_EQ(m.attribute("mid"), "d1");
  EXPECT_EQ(m.attribute("setup"), "active") << "the answerer to actpass is the DTLS client";
  EXPECT_EQ(m.attribute("sctp-port"), "5000");
  EXPECT_EQ(m.attribute("max-message-size"), "262144");
  EXPECT_FALSE(m.has_attribute("candidate")) << "candidates go in the first BUNDLEd section only";
  EXPECT_TRUE(sd->media[0].has_attribute("candidate"));
  const auto remote = parse_remote_data(kOfferWithData, "d1");
  ASSERT_TRUE(remote);
  EXPECT_TRUE(remote->accepted);
  EXPECT_EQ(remote->max_message_size, size_t{65536}) << "Janus gives none: 64 KiB";
}

TEST(DataSection, SubscriberAnswerRejectsTheDataSectionUnlessAsked) {
  const auto offer = parse_remote_multi_audio(kOfferWithData);
  ASSERT_TRUE(offer);
  const auto sd = SessionDescription::parse(
      build_multi_audio_answer(*offer, test::roomcast_local(Direction::RecvOnly), 42));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->attribute("group"), "BUNDLE a0");
  ASSERT_EQ(sd->media.size(), 2u);
  EXPECT_EQ(sd->media[1].port, 0) << "rejected (RFC 3264 §6)";
  const auto& line = offer->transport.media_lines.at(1);
  EXPECT_TRUE(offers_data_channels(line));
  RemoteMediaLine refused = line;
  refused.port = 0;
  EXPECT_FALSE(offers_data_channels(refused));
  RemoteMediaLine other = line;
  other.formats = {"bfcp"};
  EXPECT_FALSE(offers_data_channels(other));
}
