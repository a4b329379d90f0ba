// WHIP's header rules (RFC 9725 §4.6 Link, §4.2 Location, RFC 9110 Retry-After) and refusal texts.
#include <gtest/gtest.h>

#include "signaling/whip/whip_rules.hpp"

using namespace roomcast::signaling::whip;

TEST(WhipLinks, IceServersWithCredentialsInOneHeaderOrSeveral) {
  // RFC 9725 §4.6's example, as libsoup hands repeated headers over: comma-joined.
  const std::string links =
      "<stun:stun.example.net>; rel=\"ice-server\", "
      "<turn:turn.example.net?transport=udp>; rel=\"ice-server\"; username=\"user\"; "
      "credential=\"myPassword\"; credential-type=\"password\", "
      "<turns:turn.example.net?transport=tcp>; rel=\"ice-server\"; username=\"user\"; credential=\"a;b,c\"";
  auto servers = parse_ice_server_links(links);
  ASSERT_EQ(servers.size(), 3u);
  EXPECT_EQ(servers[0].urls, std::vector<std::string>{"stun:stun.example.net"});
  EXPECT_EQ(servers[0].username, "");
  EXPECT_EQ(servers[1].urls, std::vector<std::string>{"turn:turn.example.net?transport=udp"});
  EXPECT_EQ(servers[1].username, "user");
  EXPECT_EQ(servers[1].credential, "myPassword");
  EXPECT_EQ(servers[2].credential, "a;b,c") << "separators inside quotes belong to the value";
}

TEST(WhipLinks, OtherRelationsAndMalformedEntriesAreLeftOut) {
  const std::string links =
      "<https://example.net/help>; rel=\"help\", "
      "<stun:a.example>; rel=ice-server, "            // a token, not quoted: fine
      "<stun:b.example>; rel=\"preload ICE-Server\", "  // a list, any case
      "<http://c.example>; rel=\"ice-server\", "      // not a STUN/TURN URL
      "stun:d.example; rel=\"ice-server\", "          // no <...>
      "<turn:e.example>; rel=\"ice-server\"; credential=\"unterminated";
  auto servers = parse_ice_server_links(links);
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].urls.front(), "stun:a.example");
  EXPECT_EQ(servers[1].urls.front(), "stun:b.example");
  EXPECT_TRUE(parse_ice_server_links("").empty());
  EXPECT_TRUE(parse_ice_server_links(",,;<>;").empty());
}

TEST(WhipLocation, RelativeResolvedAgainstTheFinalUrl) {
  const std::string base = "http://10.0.0.5:7080/whip/endpoint/abc";
  EXPECT_EQ(resolve_location(base, "/whip/resource/abc"), "http://10.0.0.5:7080/whip/resource/abc");
  EXPECT_EQ(resolve_location(base, "../resource/abc"), "http://10.0.0.5:7080/whip/resource/abc");
  EXPECT_EQ(resolve_location(base, "resource-1"), "http://10.0.0.5:7080/whip/endpoint/resource-1");
  EXPECT_EQ(resolve_location(base, " https://other.example/r/9 "), "https://other.example/r/9");
  // After a redirect the base is where the answer came from.
  EXPECT_EQ(resolve_location("https://edge.example/ingest/x", "/r/1"), "https://edge.example/r/1");
  EXPECT_EQ(resolve_location(base, ""), std::nullopt);
  EXPECT_EQ(resolve_location(base, "ftp://x.example/r"), std::nullopt);
}

TEST(WhipLocation, LastSegmentIsOurId) {
  EXPECT_EQ(last_segment("http://h/whip/resource/abc"), "abc");
  EXPECT_EQ(last_segment("http://h/whip/resource/abc/"), "abc");
  EXPECT_EQ(last_segment("http://h/r/7?x=1#f"), "7");
}

TEST(WhipRetryAfter, SecondsOrHttpDate) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(784111777));  // 1994-11-06 08:49:37
  EXPECT_EQ(parse_retry_after("3", now), std::chrono::seconds(3));
  EXPECT_EQ(parse_retry_after(" 0 ", now), std::chrono::seconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), std::chrono::seconds(10));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), std::chrono::seconds(0)) << "past: at once";
  EXPECT_GT(*parse_retry_after("99999999999999", now), std::chrono::seconds(3600));
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
}

TEST(WhipRefusal, EachStatusSaysWhatToDo) {
  const std::string url = "http://10.0.0.5:7080/whip/endpoint/abc";
  EXPECT_EQ(refusal_text({403, "Forbidden", "Unauthorized"}, url, "our offer", true),
            "the WHIP server at http://10.0.0.5:7080/whip/endpoint/abc refused our offer (HTTP 403 Forbidden: "
            "'Unauthorized'); check the token: pass the one this endpoint expects with --token or ROOMCAST_TOKEN "
            "(MeetingConfig::token)");
  EXPECT_NE(refusal_text({401, "Unauthorized", ""}, url, "our offer", false)
                .find("(HTTP 401 Unauthorized); the endpoint needs a token: pass it with --token"),
            std::string::npos);
  EXPECT_NE(refusal_text({404, "Not Found", "Invalid endpoint ID"}, url, "our offer", false)
                .find("'Invalid endpoint ID'); there is no WHIP endpoint at that URL; check it"),
            std::string::npos);
  for (int status : {400, 406, 415, 422})
    EXPECT_NE(refusal_text({status, "", ""}, url, "our offer", false).find("did not take our SDP offer"),
              std::string::npos)
        << status;
  EXPECT_NE(refusal_text({500, "Internal Server Error", ""}, url, "our offer", false).find("the server failed"),
            std::string::npos);
  EXPECT_NE(refusal_text({302, "Found", ""}, url, "our offer", false).find("answers an offer with 201 Created"),
            std::string::npos);
  // The server's text is cut to one printable line.
  const std::string line = refusal_text({400, "", "bad\x01 sdp\nsecond line"}, url, "our offer", false);
  EXPECT_NE(line.find("'bad? sdp'"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

// RFC 9725 §4.3.2 / RFC 8840: an ICE restart's PATCH carries the new credentials and the first
// section's candidates; the server's reply credentials replace those of its answer.
TEST(WhipIceRestart, FragmentCarriesNewCredentialsAndTheFirstSectionsCandidates) {
  const std::string offer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:NEWu\r\na=ice-pwd:NEWpassword0123456789ab\r\na=mid:0\r\n"
      "a=candidate:1 1 UDP 2015363327 10.0.0.2 40000 typ host\r\na=end-of-candidates\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:NEWu\r\na=ice-pwd:NEWpassword0123456789ab\r\na=mid:1\r\n"
      "a=candidate:9 1 UDP 1 10.9.9.9 9 typ host\r\n";
  EXPECT_EQ(ice_restart_fragment(offer),
            "a=ice-ufrag:NEWu\r\na=ice-pwd:NEWpassword0123456789ab\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n"
            "a=candidate:1 1 UDP 2015363327 10.0.0.2 40000 typ host\r\na=end-of-candidates\r\n");
}

TEST(WhipIceRestart, ServersCredentialsReplaceThoseOfItsAnswer) {
  const auto creds = ice_credentials("a=ice-ufrag:srv2\r\na=ice-pwd:serverpassword2\r\n");
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->first, "srv2");
  EXPECT_EQ(creds->second, "serverpassword2");
  EXPECT_FALSE(ice_credentials("a=ice-ufrag:only\r\n")) << "a pwd is needed too";
  const std::string answer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:old1\r\na=ice-pwd:oldpw\r\n"
                             "a=candidate:1 1 udp 2015363327 10.0.0.1 20000 typ host\n"
                             "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:old1\r\na=ice-pwd:oldpw\r\n";
  EXPECT_EQ(with_ice_credentials(answer, "srv2", "serverpassword2"),
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:srv2\r\na=ice-pwd:serverpassword2\r\n"
            "a=candidate:1 1 udp 2015363327 10.0.0.1 20000 typ host\r\n"
            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:srv2\r\na=ice-pwd:serverpassword2\r\n");
}
