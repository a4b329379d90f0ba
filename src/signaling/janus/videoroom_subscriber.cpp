// VideoRoomSubscriber: the multistream subscribe/update/renegotiate state machine (Janus
// VideoRoom 1.x, janus_videoroom.c "subscribe", "unsubscribe", "update", "start").
#include "signaling/janus/videoroom_subscriber.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "signaling/janus/janus_client.hpp"

namespace roomcast::signaling::janus {

namespace {
constexpr int kNoSuchFeed = 428;

std::string key_of(const Json& id) { return id.is_string() ? id.get<std::string>() : id.dump(); }

// What is wanted and subscribed is keyed by stream: "<feed>" for all of a publisher's streams,
// "<feed>\x1f<feed mid>" for one of them (a feed's audio and video are asked for separately).
constexpr char kMidSeparator = '\x1f';
std::string stream_key(const std::string& feed, const std::string& feed_mid) {
  return feed_mid.empty() ? feed : feed + kMidSeparator + feed_mid;
}
std::string feed_of(const std::string& key) { return key.substr(0, key.find(kMidSeparator)); }
std::string slot_key(const SubscriberStream& s) { return stream_key(key_of(s.feed_id), s.feed_mid); }

// A string member, "" when absent or of another type (Janus JSON is network input).
std::string text_of(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const Json& plugin_data(const Json& message) {
  static const Json empty = Json::object();
  if (!message.contains("plugindata") || !message["plugindata"].is_object()) return empty;
  const Json& plugindata = message["plugindata"];
  if (!plugindata.contains("data") || !plugindata["data"].is_object()) return empty;
  return plugindata["data"];
}

std::optional<std::string> offer_of(const Json& message) {
  if (!message.contains("jsep") || !message["jsep"].is_object()) return std::nullopt;
  const Json& jsep = message["jsep"];
  if (text_of(jsep, "type") != "offer" || !jsep.contains("sdp") || !jsep["sdp"].is_string())
    return std::nullopt;
  return jsep["sdp"].get<std::string>();
}
}  // namespace

std::vector<SubscriberStream> parse_subscriber_streams(const Json& streams) {
  std::vector<SubscriberStream> out;
  if (!streams.is_array()) return out;
  for (const auto& s : streams) {
    if (!s.is_object() || !s.contains("mid")) continue;
    SubscriberStream stream;
    stream.mid = key_of(s["mid"]);
    if (s.contains("mindex") && s["mindex"].is_number_integer())
      stream.mindex = s["mindex"].get<int>();
    if (s.contains("type") && s["type"].is_string()) stream.type = s["type"].get<std::string>();
    stream.active = s.contains("active") ? s["active"] == true : s.contains("feed_id");
    if (s.contains("feed_id") && (s["feed_id"].is_number() || s["feed_id"].is_string()))
      stream.feed_id = s["feed_id"];
    if (s.contains("feed_mid")) stream.feed_mid = key_of(s["feed_mid"]);
    if (stream.type == "data" && s.contains("source_ids") && s["source_ids"].is_array()) {
      for (const auto& source : s["source_ids"])
        if (source.is_number() || source.is_string()) stream.sources.push_back(source);
    }
    if (stream.feed_id.is_null() && stream.sources.empty()) stream.active = false;
    out.push_back(std::move(stream));
  }
  return out;
}

VideoRoomSubscriber::VideoRoomSubscriber(Options options, Send send, Callbacks callbacks)
    : options_(std::move(options)), send_(std::move(send)), callbacks_(std::move(callbacks)) {}

VideoRoomSubscriber::~VideoRoomSubscriber() { close(); }

void VideoRoomSubscriber::close() {
  if (phase_ == Phase::Closed) return;
  phase_ = Phase::Closed;
  offers_.clear();
  // Best effort: Janus also drops the handle with the session.
  if (handle_id_ != 0 && send_) send_({{"janus", "detach"}}, handle_id_, nullptr);
}

bool VideoRoomSubscriber::settled() const {
  if (phase_ == Phase::Closed) return true;
  if (request_in_flight_ || answering_ || !offers_.empty() || phase_ == Phase::Attaching)
    return false;
  const Batch batch = next_batch();
  return batch.adds.empty() && batch.removes.empty();
}

void VideoRoomSubscriber::want(const Json& feed_id, const std::string& feed_mid, bool data) {
  const std::string feed = key_of(feed_id);
  const std::string key = stream_key(feed, feed_mid);
  wanted_[key] = Wanted{feed_id, feed_mid, data};
  gone_.erase(feed);
  unavailable_.erase(key);
  pump();
}

void VideoRoomSubscriber::drop(const Json& feed_id, bool feed_gone) {
  const std::string feed = key_of(feed_id);
  const auto of_feed = [&](const std::string& key) { return feed_of(key) == feed; };
  std::erase_if(wanted_, [&](const auto& entry) { return of_feed(entry.first); });
  std::erase_if(adding_, of_feed);
  std::erase_if(unavailable_, of_feed);
  if (feed_gone) gone_.insert(feed);
  pump();
}

void VideoRoomSubscriber::drop_stream(const Json& feed_id, const std::string& feed_mid) {
  const std::string key = stream_key(key_of(feed_id), feed_mid);
  wanted_.erase(key);
  adding_.erase(key);
  unavailable_.erase(key);
  pump();
}

bool VideoRoomSubscriber::handle_event(uint64_t handle_id, const Json& message) {
  if (handle_id == 0 || handle_id != handle_id_ || phase_ == Phase::Closed) return false;
  const std::string kind = text_of(message, "janus");
  if (kind == "hangup") {
    report("the server hung up the subscription (" + text_of(message, "reason") + ")");
  } else if (kind == "event") {
    if (auto error = error_of(message))
      report("subscription error " + std::to_string(error->code) + ": " + error->reason);
    take(message);
    pump();
  }
  return true;
}

// ---- sending --------------------------------------------------------------------------------

/// What to ask Janus for now: wanted feeds not in the subscription (nor asked for), and
/// subscribed feeds no longer wanted (nor already asked to go, nor going by themselves).
VideoRoomSubscriber::Batch VideoRoomSubscriber::next_batch() const {
  Batch batch;
  const auto active = active_feeds();
  for (const auto& [key, wanted] : wanted_) {
    if (active.count(key) || adding_.count(key) || unavailable_.count(key)) continue;
    batch.adds.push_back(key);
  }
  // A slot stays while its stream or its whole feed is wanted.
  std::set<std::string> removes;
  for (const auto& s : streams_) {
    if (!s.active || s.feed_id.is_null()) continue;
    const std::string key = slot_key(s);
    const std::string feed = key_of(s.feed_id);
    if (!wanted_.count(key) && !wanted_.count(feed) && !removing_.count(key) && !gone_.count(feed))
      removes.insert(key);
  }
  batch.removes.assign(removes.begin(), removes.end());
  if (single_adds_ > 0 && batch.adds.size() > 1) batch.adds.resize(1);
  return batch;
}

void VideoRoomSubscriber::pump() {
  if (phase_ == Phase::Closed) return;
  if (!answering_ && !offers_.empty()) return answer_next();
  if (request_in_flight_ || answering_) return;
  switch (phase_) {
    case Phase::Detached:
      if (!next_batch().adds.empty()) attach();
      return;
    case Phase::Attached: {
      Batch batch = next_batch();
      batch.removes.clear();  // nothing to remove before the first join
      if (!batch.adds.empty()) send_join(std::move(batch));
      return;
    }
    case Phase::Joined: {
      Batch batch = next_batch();
      if (!batch.adds.empty() || !batch.removes.empty()) send_change(std::move(batch));
      return;
    }
    default:
      return;
  }
}

void VideoRoomSubscriber::attach() {
  phase_ = Phase::Attaching;
  std::weak_ptr<int> alive = alive_;
  send_({{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}}, std::nullopt,
        [this, alive](const Json& reply) {
          if (!alive.lock() || phase_ == Phase::Closed) return;
          if (auto error = error_of(reply)) {
            phase_ = Phase::Detached;
            for (const auto& [key, w] : wanted_) unavailable_.insert(key);  // until wanted again
            return report("attach failed: " + error->reason);
          }
          const Json& data = reply.contains("data") ? reply["data"] : Json::object();
          if (!data.contains("id") || !data["id"].is_number_unsigned()) {
            phase_ = Phase::Detached;
            return report("attach: the server sent no handle id");
          }
          handle_id_ = data["id"].get<uint64_t>();
          phase_ = Phase::Attached;
          pump();
        });
}

Json VideoRoomSubscriber::stream_request(const std::string& key) const {
  const Wanted& w = wanted_.at(key);
  Json stream{{"feed", w.feed_id}};
  if (!w.feed_mid.empty()) stream["mid"] = w.feed_mid;
  return stream;
}

void VideoRoomSubscriber::send_join(Batch batch) {
  Json streams = Json::array();
  for (const auto& key : batch.adds) streams.push_back(stream_request(key));
  Json body{
      {"request", "join"}, {"ptype", "subscriber"}, {"room", options_.room}, {"streams", streams}};
  if (!options_.private_id.is_null()) body["private_id"] = options_.private_id;
  if (!options_.pin.empty()) body["pin"] = options_.pin;
  phase_ = Phase::Joining;
  message(std::move(body), std::nullopt, Kind::Join, std::move(batch));
}

void VideoRoomSubscriber::send_change(Batch batch) {
  Json subscribe = Json::array();
  for (const auto& key : batch.adds) subscribe.push_back(stream_request(key));
  // Slots are removed by their mid: that works whether or not the publisher is still there.
  Json unsubscribe = Json::array();
  for (const auto& key : batch.removes)
    for (const auto& s : streams_)
      if (s.active && !s.feed_id.is_null() && slot_key(s) == key)
        unsubscribe.push_back(Json{{"sub_mid", s.mid}});
  Json body;
  if (!subscribe.empty() && !unsubscribe.empty())
    body = {{"request", "update"}, {"subscribe", subscribe}, {"unsubscribe", unsubscribe}};
  else if (!subscribe.empty())
    body = {{"request", "subscribe"}, {"streams", subscribe}};
  else
    body = {{"request", "unsubscribe"}, {"streams", unsubscribe}};
  message(std::move(body), std::nullopt, Kind::Change, std::move(batch));
}

void VideoRoomSubscriber::message(Json body, std::optional<Json> jsep, Kind kind, Batch batch) {
  for (const auto& key : batch.adds) adding_.insert(key);
  for (const auto& key : batch.removes) removing_.insert(key);
  if (kind == Kind::Start)
    answering_ = true;
  else
    request_in_flight_ = true;
  Json request{{"janus", "message"}, {"body", std::move(body)}};
  if (jsep) request["jsep"] = std::move(*jsep);
  std::weak_ptr<int> alive = alive_;
  send_(std::move(request), handle_id_, [this, alive, kind, batch](const Json& reply) {
    if (!alive.lock() || phase_ == Phase::Closed) return;
    on_reply(kind, batch, reply);
  });
}

// ---- receiving ------------------------------------------------------------------------------

void VideoRoomSubscriber::on_reply(Kind kind, const Batch& batch, const Json& reply) {
  if (kind == Kind::Start)
    answering_ = false;
  else
    request_in_flight_ = false;
  if (auto error = error_of(reply)) {
    on_failed(kind, batch, error->code, error->reason);
    return pump();
  }
  const Json& data = plugin_data(reply);
  if (kind == Kind::Join) phase_ = Phase::Joined;
  if (kind == Kind::Change && text_of(data, "videoroom") == "updated" &&
      !data.contains("streams") && !offer_of(reply)) {
    // A publisher's data joins the existing data slot without a new offer: it is there now.
    auto data_slot = std::find_if(streams_.begin(), streams_.end(), [](const auto& s) { return s.type == "data"; });
    for (const auto& key : batch.adds) {
      auto wanted = wanted_.find(key);
      if (wanted != wanted_.end() && wanted->second.data && data_slot != streams_.end()) {
        data_slot->sources.push_back(wanted->second.feed_id);
        data_slot->active = true;
      }
    }
    // Nothing changed at Janus (e.g. the feeds were already gone): stop waiting for them.
    for (const auto& key : batch.adds) adding_.erase(key);
    for (const auto& key : batch.removes) removing_.erase(key);
  }
  if (single_adds_ > 0 && kind != Kind::Start)
    single_adds_ -= std::min(single_adds_, batch.adds.size());
  take(reply);
  pump();
}

void VideoRoomSubscriber::on_failed(Kind kind, const Batch& batch, int code,
                                    const std::string& reason) {
  for (const auto& key : batch.adds) adding_.erase(key);
  for (const auto& key : batch.removes) removing_.erase(key);
  if (kind == Kind::Join) phase_ = Phase::Attached;
  if (kind == Kind::Start)
    return report("the server refused our answer (error " + std::to_string(code) + ": " + reason +
                  ")");
  if (code == kNoSuchFeed && batch.adds.size() > 1) {
    // One of them left meanwhile and Janus refuses the whole request: ask one at a time.
    core::log_debug("videoroom subscriber: ", reason, "; retrying one feed per request");
    single_adds_ = batch.adds.size();
    return;
  }
  for (const auto& key : batch.adds) unavailable_.insert(key);  // until wanted again
  if (single_adds_ > 0) single_adds_ -= std::min(single_adds_, batch.adds.size());
  if (code == kNoSuchFeed) {
    core::log_debug("videoroom subscriber: ", reason, " (the publisher left)");
    return;
  }
  report((kind == Kind::Join ? "join" : "subscription change") + std::string(" failed (error ") +
         std::to_string(code) + ": " + reason + ")");
}

/// Any reply or event: an offer (with its stream list) is queued for an answer; a stream list
/// without an offer is the current layout.
void VideoRoomSubscriber::take(const Json& message) {
  const Json& data = plugin_data(message);
  std::optional<std::vector<SubscriberStream>> streams;
  if (data.contains("streams")) streams = parse_subscriber_streams(data["streams"]);
  if (auto sdp = offer_of(message)) {
    offers_.push_back(Offer{std::move(*sdp), std::move(streams)});
  } else if (streams) {
    apply_streams(std::move(*streams));
  }
}

void VideoRoomSubscriber::answer_next() {
  Offer offer = std::move(offers_.front());
  offers_.pop_front();
  if (offer.streams) apply_streams(std::move(*offer.streams));
  answering_ = true;
  std::weak_ptr<int> alive = alive_;
  if (!callbacks_.on_offer) return answered(std::nullopt, "nobody takes the offer");
  callbacks_.on_offer(offer.sdp, streams_,
                      [this, alive](std::optional<std::string> sdp, std::string error) {
                        if (!alive.lock() || phase_ == Phase::Closed) return;
                        answered(std::move(sdp), error);
                      });
}

void VideoRoomSubscriber::answered(std::optional<std::string> sdp, const std::string& error) {
  if (!sdp) {
    answering_ = false;
    report("cannot answer the server's offer: " + error);
    return pump();
  }
  answering_ = false;  // message() sets it again until the start reply
  message({{"request", "start"}}, Json{{"type", "answer"}, {"sdp", *sdp}}, Kind::Start, {});
}

void VideoRoomSubscriber::apply_streams(std::vector<SubscriberStream> streams) {
  const auto before = active_feeds();
  streams_ = std::move(streams);
  const auto active = active_feeds();
  // A slot Janus emptied without being asked: its publisher stopped publishing. Not asked for
  // again until the owner wants it anew (it publishes again).
  for (const auto& key : before)
    if (!active.count(key) && wanted_.count(key) && !adding_.count(key) && !removing_.count(key))
      unavailable_.insert(key);
  for (auto it = adding_.begin(); it != adding_.end();)
    it = active.count(*it) ? adding_.erase(it) : std::next(it);
  for (auto it = removing_.begin(); it != removing_.end();)
    it = active.count(*it) ? std::next(it) : removing_.erase(it);
  for (auto it = gone_.begin(); it != gone_.end();)
    it = active.count(*it) ? std::next(it) : gone_.erase(it);
}

std::set<std::string> VideoRoomSubscriber::active_feeds() const {
  std::set<std::string> out;
  for (const auto& s : streams_) {
    if (!s.active) continue;
    // The data slot carries each source's data stream: the data stream wanted of each.
    for (const auto& source : s.sources)
      for (const auto& [key, wanted] : wanted_)
        if (wanted.data && feed_of(key) == key_of(source)) out.insert(key);
    if (s.feed_id.is_null()) continue;
    out.insert(key_of(s.feed_id));  // the feed, for what wants all its streams
    out.insert(slot_key(s));
  }
  return out;
}

void VideoRoomSubscriber::report(const std::string& why) {
  core::log_info("videoroom subscriber: ", why);
  if (callbacks_.on_error) callbacks_.on_error(why);
}

}  // namespace roomcast::signaling::janus
