// WHEP's request offer and the layout of a server's counter-offer (janus-whep-server's 406).
#include <gtest/gtest.h>

#include "signaling/whip/whep_rules.hpp"
#include "signaling/whip/whip_rules.hpp"

using namespace roomcast::signaling;
using namespace roomcast::signaling::whip;

TEST(WhepOfferSlots, EachSectionOfTheFeedWithItsMidAndKind) {
  const std::string offer =
      "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=VideoRoom 1234\r\nt=0 0\r\n"
      "a=group:BUNDLE a0 v1 d2\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.0.0.1\r\na=sendonly\r\na=mid:a0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 10.0.0.1\r\na=inactive\r\na=mid:v1\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:d2\r\n"
      "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:v3\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";  // no mid: left out
  const std::vector<ReceiveSlot> expected = {
      {"a0", "audio", true, "feed", "a0"},
      {"v1", "video", false, "", ""},
      {"d2", "data", true, "feed", "d2"},
      {"v3", "video", false, "", ""},
  };
  EXPECT_EQ(whep_offer_slots(offer, "feed"), expected);
}

TEST(WhepOfferSlots, NotAnSdpGivesNothing) {
  EXPECT_TRUE(whep_offer_slots("", "feed").empty());
  EXPECT_TRUE(whep_offer_slots("<html>406 Not Acceptable</html>", "feed").empty());
  EXPECT_TRUE(whep_offer_slots("m=\r\nm=audio\n", "feed").empty());
}

TEST(WhepRequestOffer, RecvonlyAudioAndVideoAsJanusWhepServerWantsIt) {
  const std::string offer = whep_request_offer();
  EXPECT_EQ(offer.rfind("v=0\r\n", 0), 0u);  // the server refuses a body without "v=0" (415)
  const auto slots = whep_offer_slots(offer, "x");
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].kind, "audio");
  EXPECT_EQ(slots[1].kind, "video");
  EXPECT_EQ(offer.find("a=sendonly"), std::string::npos);
  EXPECT_NE(offer.find("a=recvonly"), std::string::npos);
}

TEST(WhepRefusal, NamesWhep) {
  const std::string text = refusal_text(HttpRefusal{403, "Forbidden", "Unauthorized"},
                                        "http://h:7090/whep/endpoint/f", "our WHEP request", true, "WHEP");
  EXPECT_EQ(text.rfind("the WHEP server at http://h:7090/whep/endpoint/f refused our WHEP request (HTTP 403 "
                       "Forbidden: 'Unauthorized'); check the token",
                       0),
            0u);
}
