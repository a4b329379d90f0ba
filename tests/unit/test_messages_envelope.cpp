// The pubsub envelope: both forms round-trip, a page's minimal JSON is taken, hostile input is
// refused with the field named.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "messages/envelope.hpp"

namespace roomcast::messages {
namespace {

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

Envelope chat() {
  Envelope e;
  e.topic = "chat";
  e.from = "4711";
  e.name = "music bot";
  e.ts = 1765100000123;
  e.payload = bytes("skip ✓");
  return e;
}

TEST(Envelope, TextFormIsOneJsonObjectAndRoundTrips) {
  const Envelope e = chat();
  const auto wire = serialize_envelope(e);
  EXPECT_EQ(std::string(wire.begin(), wire.end()),
            R"({"from":"4711","name":"music bot","rc":1,"text":"skip ✓","topic":"chat","ts":1765100000123})");
  const auto back = parse_envelope(wire, false);
  ASSERT_TRUE(back.envelope) << back.error;
  EXPECT_EQ(*back.envelope, e);
}

TEST(Envelope, BinaryFormIsLengthHeaderThenPayloadAndRoundTrips) {
  Envelope e = chat();
  e.binary = true;
  e.payload = {0, 1, 2, 255, 0};
  e.to = {"1", "2"};
  const auto wire = serialize_envelope(e);
  const std::string header = R"({"from":"4711","name":"music bot","rc":1,"to":["1","2"],"topic":"chat","ts":1765100000123})";
  ASSERT_EQ(wire.size(), 4 + header.size() + 5);
  EXPECT_EQ(wire[3], header.size());
  EXPECT_EQ(std::string(wire.begin() + 4, wire.begin() + 4 + header.size()), header);
  const auto back = parse_envelope(wire, true);
  ASSERT_TRUE(back.envelope) << back.error;
  EXPECT_EQ(*back.envelope, e);
  EXPECT_TRUE(back.envelope->for_participant("2"));
  EXPECT_FALSE(back.envelope->for_participant("3"));
}

TEST(Envelope, APagesMinimalMessageIsTakenAndUnknownFieldsIgnored) {
  const auto parsed = parse_envelope(bytes(R"({"rc":1,"topic":"t","text":"","later":{"x":[1]}})"), false);
  ASSERT_TRUE(parsed.envelope) << parsed.error;
  EXPECT_EQ(parsed.envelope->topic, "t");
  EXPECT_TRUE(parsed.envelope->payload.empty());
  EXPECT_TRUE(parsed.envelope->from.empty());
  EXPECT_FALSE(parsed.envelope->ts);
  EXPECT_TRUE(parsed.envelope->for_participant("anyone"));
}

TEST(Envelope, HostileInputIsRefusedNamingWhatIsWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hello", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"topic":"t","text":"x"})", "no \"rc\" version number"},
      {R"({"rc":2,"topic":"t","text":"x"})", "envelope version 2, this roomcast reads version 1"},
      {R"({"rc":1,"text":"x"})", "\"topic\" is missing"},
      {R"({"rc":1,"topic":"","text":"x"})", "\"topic\" is missing or not a non-empty string"},
      {R"({"rc":1,"topic":")" + std::string(300, 'a') + R"(","text":"x"})", "\"topic\" is 300 bytes"},
      {R"({"rc":1,"topic":"t","from":5,"text":"x"})", "\"from\" is not a string"},
      {R"({"rc":1,"topic":"t","ts":"now","text":"x"})", "\"ts\" is not a whole number"},
      {R"({"rc":1,"topic":"t","to":"1","text":"x"})", "\"to\" is not a list"},
      {R"({"rc":1,"topic":"t","to":[1],"text":"x"})", "\"to\" holds something other"},
      {R"({"rc":1,"topic":"t"})", "without a \"text\" string"},
      {"{\"rc\":1,\"topic\":\"\xff\",\"text\":\"x\"}", "not JSON (or not UTF-8)"},
  };
  for (const auto& [text, why] : cases) {
    const auto parsed = parse_envelope(bytes(text), false);
    EXPECT_FALSE(parsed.envelope) << text;
    EXPECT_NE(parsed.error.find(why), std::string::npos) << text << " -> " << parsed.error;
    EXPECT_EQ(parsed.error.rfind("pubsub message: ", 0), 0u) << parsed.error;
  }
}

TEST(Envelope, BinaryHeaderLengthsBeyondTheMessageAreRefused) {
  EXPECT_NE(parse_envelope(std::vector<uint8_t>{0, 0}, true).error.find("no 4-byte header length"),
            std::string::npos);
  const std::vector<uint8_t> too_long = {0, 0, 0, 200, '{', '}'};
  EXPECT_NE(parse_envelope(too_long, true).error.find("header length 200 is beyond the 2 bytes"), std::string::npos);
  const std::vector<uint8_t> huge = {0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(parse_envelope(huge, true).envelope);
  // A binary message's header has no "text": its payload is what follows.
  std::vector<uint8_t> ok = {0, 0, 0, 21};
  const std::string header = R"({"rc":1,"topic":"bin"})";
  ok[3] = static_cast<uint8_t>(header.size());
  ok.insert(ok.end(), header.begin(), header.end());
  ok.push_back(42);
  const auto parsed = parse_envelope(ok, true);
  ASSERT_TRUE(parsed.envelope) << parsed.error;
  EXPECT_EQ(parsed.envelope->payload, std::vector<uint8_t>{42});
}

TEST(Envelope, TextThatIsNotUtf8IsReplacedNotSentBroken) {
  Envelope e = chat();
  e.payload = {'a', 0xff, 'b'};
  const auto wire = serialize_envelope(e);
  const auto back = parse_envelope(wire, false);
  ASSERT_TRUE(back.envelope) << back.error;
  EXPECT_EQ(std::string(back.envelope->payload.begin(), back.envelope->payload.end()), "a\xEF\xBF\xBD" "b");
}

}  // namespace
}  // namespace roomcast::messages
