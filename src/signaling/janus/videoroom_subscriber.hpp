// VideoRoomSubscriber: one Janus VideoRoom 1.x multistream subscription (one handle, one
// PeerConnection) carrying the audio of many publishers; requests, events, renegotiation.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace roomcast::signaling::janus {

using Json = nlohmann::json;

/// One slot (m-line) of the subscription, from the `streams` list of `attached`/`updated`.
struct SubscriberStream {
  int mindex = -1;
  std::string mid;       ///< the slot's mid in our PeerConnection (Janus picks it)
  std::string type;      ///< "audio", "video" or "data"
  bool active = false;   ///< bound to a publisher's stream; false: a parked, inactive slot
  Json feed_id;          ///< the publisher, as Janus sent it (null when inactive)
  std::string feed_mid;  ///< the publisher's own mid for the stream
  /// A data slot: the publishers whose messages it carries (Janus has one data m-line for all).
  std::vector<Json> sources;

  bool operator==(const SubscriberStream&) const = default;
};

/// The `streams` array of a VideoRoom event; malformed entries are skipped.
std::vector<SubscriberStream> parse_subscriber_streams(const Json& streams);

/// Keeps Janus's subscription in line with what the owner wants (want()/drop()), one change
/// request at a time: attach + `join` for the first feed, then `subscribe` / `unsubscribe` /
/// `update` batching whatever changed meanwhile. Every offer Janus sends (in a reply or
/// unprompted, e.g. when a publisher leaves) is handed to the owner and answered with `start`
/// before the next request goes out; Janus may postpone (`updating`) or merge requests, so
/// progress is judged from the stream lists it reports, never from counting offers.
/// Loop thread only; nothing here blocks. Replies that arrive after destruction are ignored.
class VideoRoomSubscriber {
 public:
  using Reply = std::function<void(const Json& reply)>;
  /// How a request reaches Janus (JanusClient::request in production, a recorder in tests):
  /// the answer to an asynchronous plugin request is the event after the ack.
  using Send = std::function<void(Json request, std::optional<uint64_t> handle_id, Reply on_reply)>;
  /// The owner's answer to an offer: the SDP, or nullopt and why not.
  using AnswerReady = std::function<void(std::optional<std::string> sdp, std::string error)>;

  struct Callbacks {
    /// Janus's offer for the layout `streams`; call `done` (now or later) with our answer.
    std::function<void(const std::string& offer_sdp, const std::vector<SubscriberStream>& streams,
                       AnswerReady done)>
        on_offer;
    /// Something failed that the owner should report (the subscription goes on if it can).
    std::function<void(const std::string& why)> on_error;
  };

  struct Options {
    Json room;
    Json private_id;  ///< our publisher's private_id, so Janus ties the subscription to us
    std::string pin;
  };

  VideoRoomSubscriber(Options options, Send send, Callbacks callbacks);
  /// Detaches the handle (best effort).
  ~VideoRoomSubscriber();
  VideoRoomSubscriber(const VideoRoomSubscriber&) = delete;
  VideoRoomSubscriber& operator=(const VideoRoomSubscriber&) = delete;

  /// Receive this publisher's stream `feed_mid` (empty: all its streams). `data`: it is the
  /// publisher's data channels, which join the subscription's one data slot.
  void want(const Json& feed_id, const std::string& feed_mid, bool data = false);
  /// Stop receiving all of its streams. `feed_gone`: the publisher left, Janus drops its slots
  /// by itself.
  void drop(const Json& feed_id, bool feed_gone);
  /// Stop receiving one of its streams (one want()ed with that `feed_mid`).
  void drop_stream(const Json& feed_id, const std::string& feed_mid);

  /// An event Janus sent on some handle without a pending transaction; true if ours.
  bool handle_event(uint64_t handle_id, const Json& message);

  /// Detaches and sends nothing more.
  void close();

  uint64_t handle_id() const { return handle_id_; }
  /// The layout of the offer answered last.
  const std::vector<SubscriberStream>& streams() const { return streams_; }
  /// Nothing in flight, nothing to send (tests and shutdown).
  bool settled() const;

 private:
  enum class Phase { Detached, Attaching, Attached, Joining, Joined, Closed };
  enum class Kind { Join, Change, Start };
  struct Offer {
    std::string sdp;
    std::optional<std::vector<SubscriberStream>> streams;
  };
  struct Wanted {
    Json feed_id;
    std::string feed_mid;
    bool data = false;
  };
  struct Batch {
    std::vector<std::string> adds;     // stream keys
    std::vector<std::string> removes;  // stream keys
  };

  void pump();
  void attach();
  void send_join(Batch batch);
  void send_change(Batch batch);
  Batch next_batch() const;
  Json stream_request(const std::string& key) const;
  void on_reply(Kind kind, const Batch& batch, const Json& reply);
  void on_failed(Kind kind, const Batch& batch, int code, const std::string& reason);
  void take(const Json& message);
  void answer_next();
  void answered(std::optional<std::string> sdp, const std::string& error);
  void apply_streams(std::vector<SubscriberStream> streams);
  /// Keys of what the subscription carries: each active slot's stream key and its feed's.
  std::set<std::string> active_feeds() const;
  void message(Json body, std::optional<Json> jsep, Kind kind, Batch batch);
  void report(const std::string& why);

  Options options_;
  Send send_;
  Callbacks callbacks_;
  Phase phase_ = Phase::Detached;
  uint64_t handle_id_ = 0;
  bool request_in_flight_ = false;  // join / subscribe / unsubscribe / update
  bool answering_ = false;          // an offer is with the owner, or our start is in flight
  std::deque<Offer> offers_;
  std::vector<SubscriberStream> streams_;
  std::map<std::string, Wanted> wanted_;  // by stream key (see stream_key in the .cpp)
  std::set<std::string> adding_;          // asked for, not yet seen in a stream list
  std::set<std::string> removing_;        // asked to drop, still seen in a stream list
  std::set<std::string> gone_;            // feed keys: publisher left, Janus drops its slots
  std::set<std::string> unavailable_;     // Janus refused it (no such feed): not asked again
  size_t single_adds_ = 0;  // after a refused batch, this many adds go one per request
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace roomcast::signaling::janus
