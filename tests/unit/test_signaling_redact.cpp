// Logged Janus messages carry no credentials.
#include <gtest/gtest.h>

#include "signaling/janus/redact.hpp"

using roomcast::signaling::janus::without_secrets;
using Json = nlohmann::json;

TEST(Redact, MasksCredentialsAtAnyDepthAndKeepsTheRest) {
  const Json join = {{"janus", "message"},
                     {"token", "tok-3f9a"},
                     {"apisecret", "api-77"},
                     {"transaction", "rc7"},
                     {"body", {{"request", "join"}, {"room", 1234}, {"pin", "pin-5521"}, {"display", "bot"}}},
                     {"list", Json::array({Json{{"secret", "s-1"}}, Json{{"new_pin", "p-2"}}})}};
  const Json shown = without_secrets(join);
  const std::string text = shown.dump();
  for (const char* secret : {"tok-3f9a", "api-77", "pin-5521", "s-1", "p-2"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  EXPECT_EQ(shown["token"], "***");
  EXPECT_EQ(shown["body"]["pin"], "***");
  EXPECT_EQ(shown["body"]["room"], 1234);
  EXPECT_EQ(shown["body"]["display"], "bot");
  EXPECT_EQ(shown["transaction"], "rc7");
  EXPECT_EQ(join["token"], "tok-3f9a") << "the message itself is untouched";
  EXPECT_EQ(without_secrets(Json{{"pin", nullptr}})["pin"], nullptr);
}
