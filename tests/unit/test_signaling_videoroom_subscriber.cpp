// The multistream subscriber state machine: Janus events in, the requests it sends out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signaling/janus/videoroom_subscriber.hpp"

namespace roomcast::signaling::janus {
namespace {

struct Sent {
  Json request;
  std::optional<uint64_t> handle;
  VideoRoomSubscriber::Reply reply;
};

struct OfferSeen {
  std::string sdp;
  std::vector<SubscriberStream> streams;
  VideoRoomSubscriber::AnswerReady done;
};

constexpr uint64_t kHandle = 77;

/// A subscriber wired to recorders: what it sends, the offers it hands over, its errors.
struct Rig {
  std::vector<Sent> sent;
  std::vector<OfferSeen> offers;
  std::vector<std::string> errors;
  std::unique_ptr<VideoRoomSubscriber> sub;

  Rig() {
    VideoRoomSubscriber::Callbacks callbacks;
    callbacks.on_offer = [this](const std::string& sdp,
                                const std::vector<SubscriberStream>& streams,
                                VideoRoomSubscriber::AnswerReady done) {
      offers.push_back({sdp, streams, std::move(done)});
    };
    callbacks.on_error = [this](const std::string& why) { errors.push_back(why); };
    sub = std::make_unique<VideoRoomSubscriber>(
        VideoRoomSubscriber::Options{1234, 9999, ""},
        [this](Json request, std::optional<uint64_t> handle, VideoRoomSubscriber::Reply reply) {
          sent.push_back({std::move(request), handle, std::move(reply)});
        },
        std::move(callbacks));
  }

  /// Replies to request i (the callback JanusClient would call).
  void reply(size_t i, const Json& message) {
    ASSERT_LT(i, sent.size());
    ASSERT_TRUE(sent[i].reply) << sent[i].request.dump();
    sent[i].reply(message);
  }
  void attach_ok(size_t i) { reply(i, Json{{"janus", "success"}, {"data", {{"id", kHandle}}}}); }
  Json body(size_t i) const { return sent.at(i).request.at("body"); }
};

Json stream(int mindex, const std::string& mid, Json feed, const std::string& feed_mid = "0") {
  Json s{{"mindex", mindex}, {"mid", mid}, {"type", "audio"}, {"active", !feed.is_null()}};
  if (!feed.is_null()) {
    s["feed_id"] = feed;
    s["feed_mid"] = feed_mid;
  }
  return s;
}

Json event(Json data, std::optional<std::string> offer = std::nullopt) {
  Json e{{"janus", "event"},
         {"sender", kHandle},
         {"plugindata", {{"plugin", "janus.plugin.videoroom"}, {"data", std::move(data)}}}};
  if (offer) e["jsep"] = {{"type", "offer"}, {"sdp", *offer}};
  return e;
}

Json updated(Json streams, const std::string& offer) {
  return event({{"videoroom", "updated"}, {"room", 1234}, {"streams", std::move(streams)}}, offer);
}

Json started() { return event({{"videoroom", "event"}, {"started", "ok"}}); }

Json error(int code, const std::string& reason) {
  return event({{"videoroom", "event"}, {"error_code", code}, {"error", reason}});
}

/// Joined with feeds 101 and 102 in slots 0 and 1, offer answered, start acknowledged.
void join_two(Rig& rig) {
  rig.sub->want(101, "0");
  rig.sub->want(102, "0");
  rig.attach_ok(0);
  rig.reply(1, event({{"videoroom", "attached"},
                      {"room", 1234},
                      {"streams", {stream(0, "0", 101), stream(1, "1", 102)}}},
                     "OFFER-1"));
  ASSERT_EQ(rig.offers.size(), 1u);
  rig.offers.back().done("ANSWER-1", "");
  rig.reply(2, started());
  ASSERT_EQ(rig.sent.size(), 3u);
  ASSERT_TRUE(rig.sub->settled());
}

TEST(VideoRoomSubscriber, NothingWantedSendsNothing) {
  Rig rig;
  EXPECT_TRUE(rig.sent.empty());
  EXPECT_TRUE(rig.sub->settled());
}

TEST(VideoRoomSubscriber, FirstFeedsAttachOneHandleAndJoinWithAllStreams) {
  Rig rig;
  rig.sub->want(101, "0");
  ASSERT_EQ(rig.sent.size(), 1u);
  EXPECT_EQ(rig.sent[0].request, (Json{{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}}));
  EXPECT_FALSE(rig.sent[0].handle);
  rig.sub->want(102, "a1");  // while attaching: goes into the same join
  ASSERT_EQ(rig.sent.size(), 1u);

  rig.attach_ok(0);
  ASSERT_EQ(rig.sent.size(), 2u);
  EXPECT_EQ(rig.sent[1].handle, kHandle);
  EXPECT_EQ(rig.sent[1].request,
            (Json{{"janus", "message"},
                  {"body",
                   {{"request", "join"},
                    {"ptype", "subscriber"},
                    {"room", 1234},
                    {"streams", {{{"feed", 101}, {"mid", "0"}}, {{"feed", 102}, {"mid", "a1"}}}},
                    {"private_id", 9999}}}}));

  // Janus assigns its own slot mids: the mapping comes from the streams list.
  rig.reply(1, event({{"videoroom", "attached"},
                      {"room", 1234},
                      {"streams", {stream(0, "0", 101), stream(1, "1", 102, "a1")}}},
                     "OFFER-1"));
  ASSERT_EQ(rig.offers.size(), 1u);
  EXPECT_EQ(rig.offers[0].sdp, "OFFER-1");
  ASSERT_EQ(rig.offers[0].streams.size(), 2u);
  EXPECT_EQ(rig.offers[0].streams[1].mid, "1");
  EXPECT_EQ(rig.offers[0].streams[1].feed_id, 102);
  EXPECT_EQ(rig.offers[0].streams[1].feed_mid, "a1");
  EXPECT_EQ(rig.sent.size(), 2u);  // nothing until we answer

  rig.offers[0].done("ANSWER-1", "");
  ASSERT_EQ(rig.sent.size(), 3u);
  EXPECT_EQ(rig.sent[2].handle, kHandle);
  EXPECT_EQ(rig.sent[2].request, (Json{{"janus", "message"},
                                       {"body", {{"request", "start"}}},
                                       {"jsep", {{"type", "answer"}, {"sdp", "ANSWER-1"}}}}));
  EXPECT_FALSE(rig.sub->settled());
  rig.reply(2, started());
  EXPECT_TRUE(rig.sub->settled());
  EXPECT_EQ(rig.sent.size(), 3u);
  EXPECT_TRUE(rig.errors.empty());
}

TEST(VideoRoomSubscriber, ChangesDuringNegotiationWaitAndGoOutAsOneUpdate) {
  Rig rig;
  rig.sub->want(101, "0");
  rig.sub->want(102, "0");
  rig.attach_ok(0);
  rig.reply(
      1, event({{"videoroom", "attached"}, {"streams", {stream(0, "0", 101), stream(1, "1", 102)}}},
               "OFFER-1"));
  // The offer is still with us: a publisher joins, we stop wanting 101.
  rig.sub->want(103, "0");
  rig.sub->drop(101, false);
  EXPECT_EQ(rig.sent.size(), 2u);
  rig.offers[0].done("ANSWER-1", "");
  EXPECT_EQ(rig.sent.size(), 3u);  // start only; the change waits for its acknowledgement
  rig.reply(2, started());
  ASSERT_EQ(rig.sent.size(), 4u);
  EXPECT_EQ(rig.body(3), (Json{{"request", "update"},
                               {"subscribe", {{{"feed", 103}, {"mid", "0"}}}},
                               {"unsubscribe", {{{"sub_mid", "0"}}}}}));
  // Janus re-uses the freed slot 0 for 103.
  rig.reply(3, updated({stream(0, "0", 103), stream(1, "1", 102)}, "OFFER-2"));
  ASSERT_EQ(rig.offers.size(), 2u);
  EXPECT_EQ(rig.offers[1].streams[0].feed_id, 103);
  rig.offers[1].done("ANSWER-2", "");
  rig.reply(4, started());
  EXPECT_EQ(rig.sent.size(), 5u);
  EXPECT_TRUE(rig.sub->settled());
}

TEST(VideoRoomSubscriber, OnlyAddsSubscribeOnlyRemovesUnsubscribe) {
  Rig rig;
  join_two(rig);
  rig.sub->want(103, "");  // no mid: the publisher's streams, whatever they are
  ASSERT_EQ(rig.sent.size(), 4u);
  EXPECT_EQ(rig.body(3), (Json{{"request", "subscribe"}, {"streams", {{{"feed", 103}}}}}));
  rig.reply(3, updated({stream(0, "0", 101), stream(1, "1", 102), stream(2, "2", 103)}, "OFFER-2"));
  rig.offers.back().done("ANSWER-2", "");
  rig.reply(4, started());
  rig.sub->drop(102, false);
  ASSERT_EQ(rig.sent.size(), 6u);
  EXPECT_EQ(rig.body(5), (Json{{"request", "unsubscribe"}, {"streams", {{{"sub_mid", "1"}}}}}));
}

TEST(VideoRoomSubscriber, AFeedsVideoIsAddedBesideItsAudioAndDroppedAlone) {
  Rig rig;
  join_two(rig);
  // A video sink for 101's camera (its mid "1"): only that stream is asked for.
  rig.sub->want(101, "1");
  ASSERT_EQ(rig.sent.size(), 4u);
  EXPECT_EQ(rig.body(3), (Json{{"request", "subscribe"}, {"streams", {{{"feed", 101}, {"mid", "1"}}}}}));
  Json video = stream(2, "2", 101, "1");
  video["type"] = "video";
  rig.reply(3, updated({stream(0, "0", 101), stream(1, "1", 102), video}, "OFFER-2"));
  rig.offers.back().done("ANSWER-2", "");
  rig.reply(4, started());
  EXPECT_TRUE(rig.sub->settled());
  // Its audio goes; the video slot stays.
  rig.sub->drop_stream(101, "0");
  ASSERT_EQ(rig.sent.size(), 6u);
  EXPECT_EQ(rig.body(5), (Json{{"request", "unsubscribe"}, {"streams", {{{"sub_mid", "0"}}}}}));
  rig.reply(5, updated({stream(0, "0", Json()), stream(1, "1", 102), video}, "OFFER-3"));
  rig.offers.back().done("ANSWER-3", "");
  rig.reply(6, started());
  EXPECT_TRUE(rig.sub->settled());
  // The publisher leaves: both go by themselves, nothing asked.
  rig.sub->drop(101, true);
  EXPECT_EQ(rig.sent.size(), 7u);
  EXPECT_TRUE(rig.sub->settled());
}

TEST(VideoRoomSubscriber, UnpromptedOfferIsAnsweredAndPostponedRequestIsNotRepeated) {
  Rig rig;
  join_two(rig);
  rig.sub->want(104, "0");
  ASSERT_EQ(rig.sent.size(), 4u);  // subscribe 104 in flight
  // Meanwhile 102 unpublished: Janus renegotiates by itself (no transaction).
  EXPECT_TRUE(rig.sub->handle_event(
      kHandle, updated({stream(0, "0", 101), stream(1, "1", nullptr)}, "OFFER-2")));
  ASSERT_EQ(rig.offers.size(), 2u);
  rig.offers.back().done("ANSWER-2", "");
  ASSERT_EQ(rig.sent.size(), 5u);
  EXPECT_EQ(rig.body(4), Json({{"request", "start"}}));
  // Janus got our subscribe before the answer: postponed.
  rig.reply(3, event({{"videoroom", "updating"}, {"room", 1234}}));
  rig.reply(4, started());
  EXPECT_EQ(rig.sent.size(), 5u);   // 104 was asked for: not again
  EXPECT_TRUE(rig.sub->settled());  // nothing to send: Janus owes the offer
  // The postponed offer arrives by itself, carrying 104 in the parked slot.
  EXPECT_TRUE(rig.sub->handle_event(
      kHandle, updated({stream(0, "0", 101), stream(1, "1", 104)}, "OFFER-3")));
  ASSERT_EQ(rig.offers.size(), 3u);
  EXPECT_EQ(rig.offers.back().streams[1].feed_id, 104);
  rig.offers.back().done("ANSWER-3", "");
  ASSERT_EQ(rig.sent.size(), 6u);
  EXPECT_EQ(rig.sent[5].request.at("jsep").at("sdp"), "ANSWER-3");
  rig.reply(5, started());
  EXPECT_TRUE(rig.sub->settled());
  EXPECT_EQ(rig.sent.size(), 6u);
}

TEST(VideoRoomSubscriber, TwoOffersBeforeOneAnswerAreAnsweredInTurn) {
  Rig rig;
  join_two(rig);
  rig.sub->handle_event(kHandle,
                        updated({stream(0, "0", nullptr), stream(1, "1", 102)}, "OFFER-2"));
  rig.sub->handle_event(kHandle,
                        updated({stream(0, "0", nullptr), stream(1, "1", nullptr)}, "OFFER-3"));
  ASSERT_EQ(rig.offers.size(), 2u);  // the second waits for the first to be acknowledged
  rig.offers[1].done("ANSWER-2", "");
  ASSERT_EQ(rig.offers.size(), 2u);
  rig.reply(3, started());
  ASSERT_EQ(rig.offers.size(), 3u);
  EXPECT_EQ(rig.offers[2].sdp, "OFFER-3");
}

TEST(VideoRoomSubscriber, LeftPublisherIsNotUnsubscribed) {
  Rig rig;
  join_two(rig);
  rig.sub->drop(102, true);
  EXPECT_EQ(rig.sent.size(), 3u);  // Janus removes the slot itself
  rig.sub->handle_event(kHandle,
                        updated({stream(0, "0", 101), stream(1, "1", nullptr)}, "OFFER-2"));
  rig.offers.back().done("ANSWER-2", "");
  rig.reply(3, started());
  EXPECT_EQ(rig.sent.size(), 4u);
  EXPECT_TRUE(rig.sub->settled());
  // The same publisher publishing again is subscribed again.
  rig.sub->want(102, "0");
  ASSERT_EQ(rig.sent.size(), 5u);
  EXPECT_EQ(rig.body(4),
            (Json{{"request", "subscribe"}, {"streams", {{{"feed", 102}, {"mid", "0"}}}}}));
}

TEST(VideoRoomSubscriber, UnsubscribedThenWantedAgainIsSubscribedAgain) {
  Rig rig;
  join_two(rig);
  rig.sub->drop(102, false);
  ASSERT_EQ(rig.sent.size(), 4u);
  EXPECT_EQ(rig.body(3), (Json{{"request", "unsubscribe"}, {"streams", {{{"sub_mid", "1"}}}}}));
  rig.sub->want(102, "0");  // changed our mind while the unsubscribe is in flight
  EXPECT_EQ(rig.sent.size(), 4u);
  rig.reply(3, updated({stream(0, "0", 101), stream(1, "1", nullptr)}, "OFFER-2"));
  rig.offers.back().done("ANSWER-2", "");
  rig.reply(4, started());
  ASSERT_EQ(rig.sent.size(), 6u);
  EXPECT_EQ(rig.body(5),
            (Json{{"request", "subscribe"}, {"streams", {{{"feed", 102}, {"mid", "0"}}}}}));
}

TEST(VideoRoomSubscriber, NoSuchFeedInABatchRetriesOneFeedPerRequest) {
  Rig rig;
  rig.sub->want(201, "0");
  rig.sub->want(202, "0");
  rig.attach_ok(0);
  ASSERT_EQ(rig.body(1).at("streams").size(), 2u);
  rig.reply(1, error(428, "No such feed (201)"));
  ASSERT_EQ(rig.sent.size(), 3u);
  EXPECT_EQ(rig.body(2).at("request"), "join");
  EXPECT_EQ(rig.body(2).at("streams"), (Json{{{"feed", 201}, {"mid", "0"}}}));
  rig.reply(2, error(428, "No such feed (201)"));
  ASSERT_EQ(rig.sent.size(), 4u);
  EXPECT_EQ(rig.body(3).at("streams"), (Json{{{"feed", 202}, {"mid", "0"}}}));
  rig.reply(3, event({{"videoroom", "attached"}, {"streams", {stream(0, "0", 202)}}}, "OFFER-1"));
  rig.offers.back().done("ANSWER-1", "");
  rig.reply(4, started());
  EXPECT_TRUE(rig.sub->settled());
  EXPECT_EQ(rig.sent.size(), 5u);
  EXPECT_TRUE(rig.errors.empty());  // a publisher that left is not an error
}

TEST(VideoRoomSubscriber, FailuresAreReported) {
  Rig rig;
  join_two(rig);
  rig.sub->handle_event(kHandle,
                        updated({stream(0, "0", 101), stream(1, "1", nullptr)}, "OFFER-2"));
  rig.offers.back().done(std::nullopt, "no usable audio");
  ASSERT_EQ(rig.errors.size(), 1u);
  EXPECT_EQ(rig.errors[0], "cannot answer the server's offer: no usable audio");
  rig.sub->want(105, "0");
  ASSERT_EQ(rig.sent.size(), 4u);
  rig.reply(3, error(433, "Unauthorized"));
  ASSERT_EQ(rig.errors.size(), 2u);
  EXPECT_EQ(rig.errors[1], "subscription change failed (error 433: Unauthorized)");
  EXPECT_EQ(rig.sent.size(), 4u);  // not retried until wanted again
  EXPECT_FALSE(rig.sub->handle_event(kHandle + 1, started()));
}

TEST(VideoRoomSubscriber, DestroyedDetachesAndIgnoresLateReplies) {
  Rig rig;
  join_two(rig);
  rig.sub->want(103, "0");
  ASSERT_EQ(rig.sent.size(), 4u);
  auto late = rig.sent[3].reply;
  rig.sub.reset();
  ASSERT_EQ(rig.sent.size(), 5u);
  EXPECT_EQ(rig.sent[4].request, Json({{"janus", "detach"}}));
  EXPECT_EQ(rig.sent[4].handle, kHandle);
  late(updated({stream(0, "0", 101)}, "OFFER-LATE"));
  EXPECT_EQ(rig.offers.size(), 1u);
}

// Janus has one data m-line for every publisher's data channels: the first data stream wanted
// brings it (a new offer), a second publisher's data joins it with a bare "updated" (no streams,
// no offer). Both count as subscribed: neither is asked for again.
TEST(VideoRoomSubscriber, PublishersDataSharesOneSlotAndIsNotAskedForAgain) {
  Rig rig;
  join_two(rig);
  rig.sub->want(101, "1", /*data=*/true);
  ASSERT_EQ(rig.sent.size(), 4u);
  EXPECT_EQ(rig.body(3), (Json{{"request", "subscribe"}, {"streams", {{{"feed", 101}, {"mid", "1"}}}}}));
  Json data{{"mindex", 2}, {"mid", "2"}, {"type", "data"}, {"active", true}, {"source_ids", {101}}};
  rig.reply(3, updated({stream(0, "0", 101), stream(1, "1", 102), data}, "OFFER-2"));
  ASSERT_EQ(rig.offers.size(), 2u);
  ASSERT_EQ(rig.offers.back().streams.size(), 3u);
  EXPECT_EQ(rig.offers.back().streams[2].sources, (std::vector<Json>{101}));
  EXPECT_TRUE(rig.offers.back().streams[2].active);
  rig.offers.back().done("ANSWER-2", "");
  rig.reply(4, started());
  ASSERT_EQ(rig.sent.size(), 5u);

  rig.sub->want(102, "1", /*data=*/true);
  ASSERT_EQ(rig.sent.size(), 6u);
  EXPECT_EQ(rig.body(5), (Json{{"request", "subscribe"}, {"streams", {{{"feed", 102}, {"mid", "1"}}}}}));
  rig.reply(5, event({{"videoroom", "updated"}, {"room", 1234}}));
  EXPECT_EQ(rig.sent.size(), 6u) << "asked again: " << rig.sent.back().request.dump();
  EXPECT_TRUE(rig.sub->settled());
  EXPECT_TRUE(rig.errors.empty());
}

TEST(VideoRoomSubscriber, StreamListParsing) {
  const Json streams = Json::parse(R"([
    {"type":"audio","active":true,"mindex":0,"mid":"0","ready":true,"send":true,"feed_id":7,
     "feed_display":"a","feed_mid":"0","codec":"opus"},
    {"type":"audio","active":false,"mindex":1,"mid":"1","ready":false,"send":true},
    {"type":"data","active":true,"mindex":2,"mid":"2","sources":0,"source_ids":[]},
    {"type":"audio","mindex":3},
    "garbage",
    {"type":"audio","active":true,"mindex":4,"mid":"4","feed_id":"alice","feed_mid":"1"}
  ])");
  const auto parsed = parse_subscriber_streams(streams);
  ASSERT_EQ(parsed.size(), 4u);
  EXPECT_EQ(parsed[0], (SubscriberStream{0, "0", "audio", true, 7, "0"}));
  EXPECT_EQ(parsed[1], (SubscriberStream{1, "1", "audio", false, nullptr, ""}));
  EXPECT_EQ(parsed[2], (SubscriberStream{2, "2", "data", false, nullptr, ""}));
  EXPECT_EQ(parsed[3], (SubscriberStream{4, "4", "audio", true, "alice", "1"}));
  EXPECT_TRUE(parse_subscriber_streams(Json::object()).empty());
}

}  // namespace
}  // namespace roomcast::signaling::janus
