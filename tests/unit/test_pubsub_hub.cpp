// The meeting's messages (PubSub::Impl) against a host of our own: what publish() refuses, how
// long it waits for a channel that does not open, and that the meeting's end wakes it.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/event_loop.hpp"
#include "meeting/pubsub_hub.hpp"
#include "roomcast/error.hpp"

using namespace roomcast;
using namespace std::chrono_literals;

namespace {

struct Hub {
  core::EventLoop loop;
  std::optional<std::string> cannot_send;  // what the host says (loop thread)
  int wanted = 0;                          // want_messages() calls
  std::shared_ptr<PubSub::Impl> impl;

  Hub() {
    PubSub::Impl::Host host;
    host.loop = &loop;
    host.cannot_send = [this] { return cannot_send; };
    host.channel = [](bool) -> sctp::DataChannel* { return nullptr; };  // never open
    host.want_messages = [this] { ++wanted; };
    host.local = [] { return std::make_pair(std::string("42"), std::string("bot")); };
    impl = std::make_shared<PubSub::Impl>(std::move(host));
  }
  ~Hub() {
    loop.call([&] { impl->close(); });
  }
  PubSub pubsub() { return PubSub(impl); }
};

std::string error_of(const std::function<void()>& f, Error::Kind* kind = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(PubSubHub, TopicsAreCheckedBeforeAnythingIsSent) {
  Hub hub;
  Error::Kind kind{};
  EXPECT_EQ(error_of([&] { hub.pubsub().publish("", "x"); }, &kind),
            "pubsub: a topic is 1 to 256 bytes; got 0");
  EXPECT_EQ(kind, Error::Kind::Config);
  EXPECT_EQ(error_of([&] { hub.pubsub().publish(std::string(257, 't'), "x"); }),
            "pubsub: a topic is 1 to 256 bytes; got 257");
  EXPECT_EQ(error_of([&] { hub.pubsub().publish("*", "x"); }),
            "pubsub: '*' subscribes to every topic; it cannot be published to");
  EXPECT_EQ(error_of([&] { hub.pubsub().subscribe("", [](const PubSubMessage&) {}); }),
            "pubsub: a topic is 1 to 256 bytes (or '*' for all); got 0");
  EXPECT_EQ(error_of([&] { hub.pubsub().subscribe("chat", nullptr); }), "pubsub: subscribe() needs a handler");
}

TEST(PubSubHub, AChannelThatDoesNotOpenIsWaitedForUpToTheTimeout) {
  Hub hub;
  Error::Kind kind{};
  const auto start = std::chrono::steady_clock::now();
  PubSubPublishOptions options;
  options.timeout = 200ms;
  EXPECT_EQ(error_of([&] { hub.pubsub().publish("chat", "hello", options); }, &kind),
            "pubsub: the message on topic 'chat' was not sent within 200 ms: our data channel to the server is "
            "not open (yet)");
  EXPECT_EQ(kind, Error::Kind::Transport);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms) << "it did not wait";
  EXPECT_EQ(hub.impl->stats().messages_sent, 0u);
}

TEST(PubSubHub, WhatTheMeetingSaysRefusesAtOnce) {
  Hub hub;
  hub.cannot_send = "the meeting is not joined yet: call join() first";
  Error::Kind kind{};
  EXPECT_EQ(error_of([&] { hub.pubsub().publish("chat", "hello"); }, &kind),
            "pubsub: the message on topic 'chat' was not sent: the meeting is not joined yet: call join() first");
  EXPECT_EQ(kind, Error::Kind::Transport);
}

TEST(PubSubHub, TheMeetingsEndWakesAWaitingSender) {
  Hub hub;
  std::string error;
  PubSubPublishOptions options;
  options.timeout = 120s;  // far beyond the test's own time limit: only close() can end the wait
  std::thread sender([&] { error = error_of([&] { hub.pubsub().publish("chat", "hello", options); }); });
  std::this_thread::sleep_for(100ms);  // most likely waiting by now; if not, close() comes first
  const auto closed_at = std::chrono::steady_clock::now();
  hub.loop.call([&] { hub.impl->close(); });
  sender.join();
  EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 60s) << "the sender waited for its timeout";
  EXPECT_EQ(error, "pubsub: the message on topic 'chat' was not sent: the meeting has ended");
}

TEST(PubSubHub, TheFirstSubscriptionAsksForTheOthersMessages) {
  Hub hub;
  EXPECT_FALSE(hub.impl->wanted());
  const auto id = hub.pubsub().subscribe("chat", [](const PubSubMessage&) {});
  hub.loop.call([] {});  // the posted request has run
  EXPECT_EQ(hub.wanted, 1);
  EXPECT_TRUE(hub.impl->wanted());
  hub.pubsub().unsubscribe(id);
  EXPECT_FALSE(hub.impl->wanted());
}
