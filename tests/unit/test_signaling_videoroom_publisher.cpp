// VideoRoom publisher protocol: exact request bodies, type-checked answers, the refusal texts.
#include <gtest/gtest.h>

#include "signaling/janus/videoroom_publisher.hpp"

namespace roomcast::signaling::janus::videoroom {
namespace {

TEST(VideoRoomPublisher, RequestsAreWhatJanusExpects) {
  EXPECT_EQ(join_request(1234, "bot", "").dump(), R"({"display":"bot","ptype":"publisher","request":"join","room":1234})");
  EXPECT_EQ(join_request(1234, "bot", "4711")["pin"], "4711");
  EXPECT_EQ(configure_request(false).dump(), R"({"audio":true,"request":"configure","video":false})");
  EXPECT_EQ(configure_request(true).dump(), R"({"audio":true,"request":"configure","video":true})");
  EXPECT_EQ(exists_request(7).dump(), R"({"request":"exists","room":7})");
  EXPECT_EQ(list_participants_request(7).dump(), R"({"request":"listparticipants","room":7})");
  EXPECT_EQ(leave_request().dump(), R"({"request":"leave"})");
  RoomSettings settings;
  settings.room = 99;
  settings.description = "roomcast 99";
  Json create = create_request(settings);
  EXPECT_EQ(create["request"], "create");
  EXPECT_EQ(create["publishers"], 1000) << "rooms roomcast creates hold load tests";
  EXPECT_EQ(create["audiocodec"], "opus");
  EXPECT_TRUE(create["opus_fec"].get<bool>());
  EXPECT_TRUE(create["notify_joining"].get<bool>());
  EXPECT_FALSE(create.contains("pin"));
}

TEST(VideoRoomPublisher, ReadsJoinedWithNumberOrStringIds) {
  auto joined = read_joined(Json::parse(R"({"janus":"event","plugindata":{"plugin":"janus.plugin.videoroom",
      "data":{"videoroom":"joined","room":1234,"id":42,"private_id":7,"publishers":[{"id":5,"display":"a"}]}}})"));
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->id, 42);
  EXPECT_EQ(joined->private_id, 7);
  ASSERT_EQ(joined->publishers.size(), 1u);
  EXPECT_TRUE(joined->attendees.empty());
  auto with_string = read_joined(Json::parse(R"({"plugindata":{"data":{"videoroom":"joined","id":"u-1"}}})"));
  ASSERT_TRUE(with_string);
  EXPECT_EQ(with_string->id, "u-1");
  EXPECT_TRUE(with_string->private_id.is_null());
  EXPECT_TRUE(with_string->publishers.is_array());
}

TEST(VideoRoomPublisher, MalformedAnswersAreRefusedNotThrown) {
  for (const char* text : {R"({})", R"([])", R"({"plugindata":5})", R"({"plugindata":{"data":[]}})",
                           R"({"plugindata":{"data":{"videoroom":"event","id":1}}})",
                           R"({"plugindata":{"data":{"videoroom":"joined"}}})",
                           R"({"plugindata":{"data":{"videoroom":"joined","id":{"x":1}}}})"}) {
    EXPECT_FALSE(read_joined(Json::parse(text))) << text;
    EXPECT_FALSE(read_exists(Json::parse(text))) << text;
    EXPECT_TRUE(read_participants(Json::parse(text)).empty()) << text;
  }
  EXPECT_EQ(read_exists(Json::parse(R"({"plugindata":{"data":{"exists":true}}})")), true);
  EXPECT_EQ(read_exists(Json::parse(R"({"plugindata":{"data":{"exists":"yes"}}})")), std::nullopt);
  EXPECT_EQ(read_participants(Json::parse(R"({"plugindata":{"data":{"participants":[{"id":1}]}}})")).size(), 1u);
}

TEST(VideoRoomPublisher, RefusalsSayWhatFailedWhereAndWhatToDo) {
  const std::string url = "ws://10.0.0.5:8188";
  EXPECT_EQ(join_refusal({426, "No such room (1234)"}, "1234", url),
            "cannot join meeting 1234 on ws://10.0.0.5:8188: no such meeting (Janus error 426: No such room (1234)); "
            "check the meeting id, or let roomcast create it (the embedded server does)");
  EXPECT_EQ(join_refusal({433, "Unauthorized (wrong pin)"}, "1", url),
            "cannot join meeting 1 on ws://10.0.0.5:8188: the PIN was refused (Janus error 433: Unauthorized (wrong "
            "pin)); check --pin");
  EXPECT_EQ(join_refusal({429, "Missing element (pin)"}, "1", url),
            "cannot join meeting 1 on ws://10.0.0.5:8188: the meeting needs a PIN (Janus error 429: Missing element "
            "(pin)); pass it with --pin");
  EXPECT_EQ(join_refusal({432, "Maximum number of publishers (100) reached"}, "1", url),
            "cannot join meeting 1 on ws://10.0.0.5:8188: the meeting is full (Janus error 432: Maximum number of "
            "publishers (100) reached)");
  EXPECT_EQ(session_refusal({403, "Unauthorized request (wrong or missing secret/token)"}, url, false),
            "the Janus server at ws://10.0.0.5:8188 requires a token (error 403: Unauthorized request (wrong or "
            "missing secret/token)); pass one with --token or ROOMCAST_TOKEN");
  EXPECT_NE(session_refusal({403, "x"}, url, true).find("refused the token"), std::string::npos);
  EXPECT_EQ(session_refusal({490, "busy"}, url, false),
            "the Janus server at ws://10.0.0.5:8188 refused to create a session (error 490: busy)");
}

}  // namespace
}  // namespace roomcast::signaling::janus::videoroom
