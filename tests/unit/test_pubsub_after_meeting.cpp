// A PubSub handle kept past its Meeting: publish and subscribe refuse with Error, never
// touching the meeting that is gone (ASan would see it), and need no network.
#include <gtest/gtest.h>

#include <optional>

#include "roomcast/meeting.hpp"

using namespace roomcast;

TEST(PubSubAfterMeeting, PublishAndSubscribeSayTheMeetingHasEnded) {
  MeetingConfig c;
  c.mic_enabled = false;
  c.server_url = "ws://10.0.0.5:8188";
  std::optional<Meeting> meeting(init_meeting(c));
  PubSub pubsub = meeting->pubsub();
  meeting.reset();
  try {
    pubsub.publish("chat", "hello");
    FAIL() << "publish after the meeting went did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Transport);
    EXPECT_NE(std::string(e.what()).find("the meeting has ended"), std::string::npos) << e.what();
  }
  try {
    pubsub.subscribe("chat", [](const PubSubMessage&) {});
    FAIL() << "subscribe after the meeting went did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Transport);
    EXPECT_NE(std::string(e.what()).find("after the meeting has ended"), std::string::npos) << e.what();
  }
  pubsub.unsubscribe("chat");  // harmless
}
