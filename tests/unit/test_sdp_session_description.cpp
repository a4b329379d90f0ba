// SessionDescription: round trip of captured-style SDP, tolerance, rejection, random mutation.
#include "sdp/session_description.hpp"

#include "sdp_test_params.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace roomcast::sdp {
namespace {

using test::read_vector;

// Lines without their CR and without blank lines: how captured files and our output compare.
std::vector<std::string> normalized_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class SdpVector : public ::testing::TestWithParam<const char*> {};

TEST_P(SdpVector, RoundTripPreservesEveryLine) {
  const std::string text = read_vector(GetParam());
  const auto sd = SessionDescription::parse(text);
  ASSERT_TRUE(sd);
  const std::string out = sd->to_string();
  EXPECT_EQ(normalized_lines(out), normalized_lines(text));
  EXPECT_EQ(out.find("\r\n\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 2), "\r\n");
  const auto again = SessionDescription::parse(out);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *sd);
}

TEST_P(SdpVector, LfOnlyParsesTheSame) {
  const std::string text = read_vector(GetParam());
  std::string lf;
  for (char c : text) {
    if (c != '\r') lf += c;
  }
  EXPECT_EQ(SessionDescription::parse(lf), SessionDescription::parse(text));
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, SdpVector,
    ::testing::Values("janus_publisher_answer.sdp", "janus_subscriber_offer.sdp",
                      "janus_subscriber_offer_multi.sdp", "chromium_audio_offer.sdp", "chromium156_captured_offer.sdp",
                      "roomcast_publisher_offer.sdp", "roomcast_subscriber_answer.sdp"));

TEST(SessionDescription, ModelsSectionsLinesAndAttributes) {
  const auto sd = SessionDescription::parse(read_vector("janus_subscriber_offer_multi.sdp"));
  ASSERT_TRUE(sd);
  ASSERT_EQ(sd->lines.size(), 4u);
  EXPECT_EQ(sd->lines[0], (Line{'v', "0"}));
  EXPECT_EQ(sd->line('s'), "VideoRoom 1234");
  EXPECT_FALSE(sd->line('c')); // no session-level c=
  EXPECT_EQ(sd->attribute("group"), "BUNDLE 0 1 2");
  EXPECT_EQ(sd->attribute("msid-semantic"), " WMS *");
  EXPECT_TRUE(sd->has_attribute("extmap-allow-mixed"));

  ASSERT_EQ(sd->media.size(), 3u);
  const MediaSection& video = sd->media[0];
  EXPECT_EQ(video.media, "video");
  EXPECT_EQ(video.port, 9);
  EXPECT_EQ(video.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(video.formats, (std::vector<std::string>{"96", "97"}));
  EXPECT_EQ(video.line('c'), "IN IP4 10.200.0.1");
  EXPECT_EQ(video.attributes_named("rtcp-fb").size(), 5u);
  EXPECT_EQ(video.attributes_named("candidate").size(), 2u);
  EXPECT_EQ(video.attribute("MID"), "0"); // names compare case-insensitively
  EXPECT_EQ(sd->media[2].media_line(), "application 9 UDP/DTLS/SCTP webrtc-datachannel");
  EXPECT_EQ(sd->media[2].attribute("sctp-port"), "5000");
}

TEST(SessionDescription, AttributeSplitsAtFirstColonOnly) {
  const auto sd = SessionDescription::parse(
      "v=0\na=fingerprint:sha-256 AB:CD\na=rtcp-mux\na=x-custom:\na=:odd\n");
  ASSERT_TRUE(sd);
  ASSERT_EQ(sd->attributes.size(), 4u);
  EXPECT_EQ(sd->attributes[0], (Attribute{"fingerprint", "sha-256 AB:CD"}));
  EXPECT_EQ(sd->attributes[1], (Attribute{"rtcp-mux", ""}));
  EXPECT_EQ(sd->attributes[2], (Attribute{"x-custom", ""}));
  EXPECT_EQ(sd->attributes[3], (Attribute{"", "odd"}));
  EXPECT_EQ(sd->to_string(),
            "v=0\r\na=fingerprint:sha-256 AB:CD\r\na=rtcp-mux\r\na=x-custom\r\na=:odd\r\n");
}

TEST(SessionDescription, ToleratesUnusualButValidInput) {
  const std::string text = "v=0\r\n"
                           "o=- 1 1 IN IP6 ::1\r\n"
                           "s= \r\n"
                           "t=0 0\r\n"
                           "x=unknown line type\r\n"
                           "m=audio 5004/2 RTP/AVP 0\r\n"
                           "\r\n"
                           "m=video 0 RTP/AVP\r\n" // no formats
                           "a=x-google-flag:conference\r\n";
  const auto sd = SessionDescription::parse(text);
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->line('x'), "unknown line type");
  EXPECT_EQ(sd->line('s'), " ");
  ASSERT_EQ(sd->media.size(), 2u);
  EXPECT_EQ(sd->media[0].port, 5004);
  EXPECT_EQ(sd->media[0].port_count, 2);
  EXPECT_TRUE(sd->media[1].formats.empty());
  EXPECT_EQ(sd->media[1].attribute("x-google-flag"), "conference");
  EXPECT_EQ(normalized_lines(sd->to_string()), normalized_lines(text));
}

TEST(SessionDescription, WritesAttributesAfterOtherLinesOfASection) {
  const auto sd = SessionDescription::parse("v=0\nm=audio 9 RTP/AVP 0\na=x\nc=IN IP4 1.2.3.4\n");
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->to_string(), "v=0\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\na=x\r\n");
}

TEST(SessionDescription, RejectsMalformedText) {
  EXPECT_FALSE(SessionDescription::parse(""));
  EXPECT_FALSE(SessionDescription::parse("\r\n\r\n"));
  EXPECT_FALSE(SessionDescription::parse("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n")); // v= not first
  EXPECT_FALSE(SessionDescription::parse("V=0\r\n"));
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nthis is not sdp\r\n"));
  EXPECT_FALSE(SessionDescription::parse("v=0\r\na\r\n"));
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=audio 9\r\n"));
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=audio nine RTP/AVP 0\r\n"));
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=audio 70000 RTP/AVP 0\r\n"));
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=audio 9/ RTP/AVP 0\r\n"));
  EXPECT_FALSE(SessionDescription::parse("{\"type\":\"offer\"}"));
}

// Random edits of a real description: never crashes; whatever parses re-parses identically.
TEST(SessionDescription, RandomMutationsAreStable) {
  const std::string base = read_vector("janus_subscriber_offer_multi.sdp");
  std::mt19937 rng(7);
  const std::string alphabet = "v=am:/ \r\n0123456789abcIN";
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
      case 0:
        text[at] = alphabet[rng() % alphabet.size()];
        break;
      case 1:
        text.erase(at, 1 + rng() % 16);
        break;
      default:
        text.insert(at, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    const auto sd = SessionDescription::parse(text);
    if (!sd) continue;
    ++parsed;
    const auto again = SessionDescription::parse(sd->to_string());
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *sd);
  }
  EXPECT_GT(parsed, 100);
}

} // namespace
} // namespace roomcast::sdp
