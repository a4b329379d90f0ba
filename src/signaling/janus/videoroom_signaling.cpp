// Janus VideoRoom behind RoomSignaling: every step a chain of request callbacks on the loop
// thread (hundreds of meetings may be joining at once), each with a deadline.
#include "signaling/janus/videoroom_signaling.hpp"

#include <cctype>

#include "core/log.hpp"
#include "signaling/janus/videoroom_publisher.hpp"

namespace roomcast::signaling::janus {

namespace {
std::string id_string(const Json& id) { return id.is_string() ? id.get<std::string>() : id.dump(); }

std::string seconds(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

std::string janus_error_text(const JanusError& error) {
  return "Janus error " + std::to_string(error.code) + ": " + error.reason;
}
}  // namespace

VideoRoomSignaling::VideoRoomSignaling(core::EventLoop& loop, VideoRoomOptions options, Events events)
    : loop_(loop), options_(std::move(options)), events_(std::move(events)) {}

VideoRoomSignaling::~VideoRoomSignaling() { close(); }

// ---- requests with deadlines -------------------------------------------------------------------

void VideoRoomSignaling::new_client(bool end_old_session) {
  subscriber_.reset();  // its handle dies with the session
  handle_id_ = 0;
  if (client_) {
    // An old session may still hold a publisher whose media died: end it, so a rejoin never
    // leaves two of us in the room.
    if (end_old_session && client_->connected() && client_->session_id())
      client_->request({{"janus", "destroy"}}, std::nullopt, nullptr);
    client_->close();
    // Maybe inside one of its callbacks: destroyed in a task of its own.
    loop_.post([old = std::shared_ptr<JanusClient>(std::move(client_))] {});
  }
  JanusClient::Callbacks callbacks;
  callbacks.on_handle_event = [this](uint64_t handle, const Json& message) { on_handle_event(handle, message); };
  callbacks.on_closed = [this](const std::string& why) {
    if (!closed_ && events_.on_connection_lost) events_.on_connection_lost(why);
  };
  client_ = std::make_unique<JanusClient>(loop_, options_.url, options_.token, std::move(callbacks));
  client_->set_ca_file(options_.ca_file);
}

namespace {
/// One awaited answer: whichever comes first, the answer or the deadline, settles it.
struct Pending {
  bool settled = false;
  std::unique_ptr<core::Timer> deadline;
};

/// Arms `pending`'s deadline; on expiry `fail(why)` runs in a task of its own (the timer may be
/// destroyed by what the failure does).
void arm_deadline(core::EventLoop& loop, const std::shared_ptr<Pending>& pending, std::weak_ptr<int> alive,
                  std::function<void(std::string)> fail, std::string why) {
  std::weak_ptr<Pending> weak = pending;
  pending->deadline = std::make_unique<core::Timer>(loop.context(), [&loop, weak, alive, fail, why] {
    auto p = weak.lock();
    if (!p || p->settled) return;
    p->settled = true;
    loop.post([alive, fail, why] {
      if (alive.lock()) fail(why);
    });
  });
  pending->deadline->arm_in(VideoRoomSignaling::kStepTimeout);
}
}  // namespace

void VideoRoomSignaling::step(Json body, std::optional<uint64_t> handle, const std::string& what, Next next,
                              Fail fail) {
  if (!client_) return fail("not connected to " + options_.url);
  auto pending = std::make_shared<Pending>();
  arm_deadline(loop_, pending, alive_, fail,
               "the server at " + options_.url + " did not answer '" + what + "' within " + seconds(kStepTimeout) +
                   "; check that it is a Janus server and that it is not overloaded");
  const uint64_t run = run_;
  std::weak_ptr<int> alive = alive_;
  client_->request(std::move(body), handle, [this, alive, run, pending, next = std::move(next)](const Json& reply) {
    if (pending->settled || !alive.lock()) return;
    pending->settled = true;
    pending->deadline->cancel();
    if (run != run_ || closed_) return;  // a later join()/resume() or close() replaced this one
    next(reply);
  });
}

void VideoRoomSignaling::message(Json body, std::optional<Json> jsep, const std::string& what, Next next, Fail fail) {
  Json request{{"janus", "message"}, {"body", std::move(body)}};
  if (jsep) request["jsep"] = std::move(*jsep);
  step(std::move(request), handle_id_, what, std::move(next), std::move(fail));
}

/// libsoup's words made into a line a user can act on.
std::string VideoRoomSignaling::connect_error(std::string why) const {
  const std::string& url = options_.url;
  if (!why.empty() && why.back() == '.') why.pop_back();
  // libsoup says "Could not connect to HOST: Connection refused"; the URL already names HOST.
  if (auto colon = why.find(": "); why.rfind("Could not connect to ", 0) == 0 && colon != std::string::npos)
    why = why.substr(colon + 2);
  if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  if (why.find("--ca FILE") != std::string::npos)  // TLS trust: the text says what to do
    return "cannot connect to the Janus server at " + url + ": " + why;
  if (why.find("WebSocket handshake") != std::string::npos || why.find("subprotocol") != std::string::npos)
    return url + " is not a Janus WebSocket server (" + why +
           "); check the URL: it must point at Janus's WebSocket transport, e.g. ws://HOST:8188";
  return "cannot connect to the Janus server at " + url + ": " + why +
         "; check the URL (ws://HOST:PORT of Janus's WebSocket transport) and that Janus is running there";
}

// ---- entering the room -------------------------------------------------------------------------

void VideoRoomSignaling::join(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) {
  ++run_;
  new_client(/*end_old_session=*/true);
  const uint64_t run = run_;
  auto fail = [done](std::string why) { done(Result<RoomState>::failed(std::move(why))); };
  auto pending = std::make_shared<Pending>();
  arm_deadline(loop_, pending, alive_, fail,
               "cannot connect to the Janus server at " + options_.url + ": no answer within " +
                   seconds(kStepTimeout) + "; check the URL and that Janus is running");
  client_->connect([this, run, pending, rejoin_as, done, fail](std::optional<std::string> error) {
    if (pending->settled) return;
    pending->settled = true;
    pending->deadline->cancel();
    if (run != run_ || closed_) return;
    if (error) return fail(connect_error(*error));
    enter_room(rejoin_as, done);
  });
}

/// A session, the VideoRoom handle, the room (made when missing), then the join itself.
void VideoRoomSignaling::enter_room(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) {
  auto fail = [done](std::string why) { done(Result<RoomState>::failed(std::move(why))); };
  // Keepalives often enough for this server's session timeout (Janus may be set far below 60 s).
  step({{"janus", "info"}}, std::nullopt, "info", [=, this](const Json& info) {
    if (auto timeout = videoroom::read_session_timeout(info)) keepalive_ = JanusClient::keepalive_for(*timeout);
    step({{"janus", "create"}}, std::nullopt, "create session", [=, this](const Json& created) {
      if (auto error = error_of(created))
        return fail(videoroom::session_refusal(*error, options_.url, !options_.token.empty()));
      if (!created.contains("data") || !created["data"].contains("id"))
        return fail("the server at " + options_.url + " answered 'create' without a session id; is it Janus?");
      client_->set_session(created["data"]["id"].get<uint64_t>(), keepalive_);
      step({{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}}, std::nullopt, "attach videoroom",
           [=, this](const Json& attached) {
             if (auto error = error_of(attached))
               return fail("the Janus server at " + options_.url + " cannot attach the VideoRoom plugin (error " +
                           std::to_string(error->code) + ": " + error->reason +
                           "); enable janus.plugin.videoroom on the server");
             handle_id_ = attached["data"]["id"].get<uint64_t>();
             if (!options_.create_room) return join_room(rejoin_as, done);
             // A restarted server may have lost a room that was created at run time.
             message(videoroom::exists_request(options_.room), std::nullopt, "exists", [=, this](const Json& exists) {
               if (videoroom::read_exists(exists).value_or(false)) return join_room(rejoin_as, done);
               videoroom::RoomSettings settings;
               settings.room = options_.room;
               settings.description = "roomcast " + options_.meeting_id;
               settings.pin = options_.pin;
               message(videoroom::create_request(settings), std::nullopt, "create room", [=, this](const Json& made) {
                 if (auto error = error_of(made); error && error->code != videoroom::kRoomExists)
                   return fail("cannot create meeting " + options_.meeting_id + " on " + options_.url + " (error " +
                               std::to_string(error->code) + ": " + error->reason + ")");
                 join_room(rejoin_as, done);
               }, fail);
             }, fail);
           }, fail);
    }, fail);
  }, fail);
}

void VideoRoomSignaling::join_room(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) {
  auto fail = [done](std::string why) { done(Result<RoomState>::failed(std::move(why))); };
  Json id = nullptr;
  if (!rejoin_as.empty()) id = feed_id(rejoin_as);
  Json body = videoroom::join_request(options_.room, options_.display_name, options_.pin, id);
  message(std::move(body), std::nullopt, "join", [=, this](const Json& reply) {
    if (auto error = error_of(reply)) {
      if (!rejoin_as.empty() && error->code == videoroom::kIdExists)
        return fail("our previous session is still in the room; waiting for the server to drop it");
      return fail(videoroom::join_refusal(*error, options_.meeting_id, options_.url));
    }
    auto joined = videoroom::read_joined(reply);
    if (!joined)
      return fail("cannot join meeting " + options_.meeting_id + " on " + options_.url + ": unexpected answer " +
                  videoroom::plugin_data(reply).dump());
    private_id_ = joined->private_id;
    RoomState room;
    room.local_id = id_string(joined->id);
    feed_ids_[room.local_id] = joined->id;
    for (const auto& p : joined->publishers) room.publications.push_back(read_publication(p));
    // listparticipants also reports attendees who do not publish.
    message(videoroom::list_participants_request(options_.room), std::nullopt, "listparticipants",
            [=, this, room = std::move(room)](const Json& listed) mutable {
              for (const auto& p : videoroom::read_participants(listed)) {
                auto participant = read_participant(p);
                if (participant.id != room.local_id) room.present.push_back(std::move(participant));
              }
              done(Result<RoomState>::ok(std::move(room)));
            }, fail);
  }, fail);
}

// ---- publishing --------------------------------------------------------------------------------

void VideoRoomSignaling::send_offer(Json body, const std::string& offer, const std::string& refused,
                                    std::function<void(Result<std::string>)> done) {
  auto fail = [done](std::string why) { done(Result<std::string>::failed(std::move(why))); };
  message(std::move(body), Json{{"type", "offer"}, {"sdp", offer}}, "configure", [=, this](const Json& reply) {
    if (auto error = error_of(reply))
      return fail("the server at " + options_.url + " refused " + refused + " (" + janus_error_text(*error) + ")");
    if (!reply.contains("jsep") || !reply["jsep"].contains("sdp") || !reply["jsep"]["sdp"].is_string())
      return fail("the server at " + options_.url + " sent no SDP answer to " + refused);
    done(Result<std::string>::ok(reply["jsep"]["sdp"].get<std::string>()));
  }, fail);
}

void VideoRoomSignaling::publish(const std::string& offer, bool video, std::function<void(Result<std::string>)> done) {
  send_offer(videoroom::configure_request(video), offer, "our offer", std::move(done));
}

void VideoRoomSignaling::renegotiate(const std::string& offer, std::function<void(Result<std::string>)> done) {
  send_offer(Json{{"request", "configure"}}, offer, "our new offer", std::move(done));
}

// ---- after a loss --------------------------------------------------------------------------------

/// The WebSocket dropped, but the server may still hold our session (reclaim_session_timeout):
/// take it back; our handles and PeerConnections were never touched.
void VideoRoomSignaling::resume(std::function<void(Resumed, std::string why)> done) {
  const uint64_t session = client_ ? client_->session_id() : 0;
  const uint64_t handle = handle_id_;
  ++run_;
  if (!session) {
    new_client(false);
    return done(Resumed::session_gone, "no session to take back");
  }
  auto subscriber = std::move(subscriber_);  // the session keeps its handles: so do we
  new_client(false);
  subscriber_ = std::move(subscriber);
  handle_id_ = handle;
  const uint64_t run = run_;
  auto pending = std::make_shared<Pending>();
  auto fail = [done](std::string why) { done(Resumed::failed, std::move(why)); };
  arm_deadline(loop_, pending, alive_, fail, "cannot connect: no answer within " + seconds(kStepTimeout));
  client_->connect([=, this](std::optional<std::string> error) {
    if (pending->settled) return;
    pending->settled = true;
    pending->deadline->cancel();
    if (run != run_ || closed_) return;
    if (error) return fail("cannot connect: " + *error);
    step({{"janus", "claim"}, {"session_id", session}}, std::nullopt, "claim", [=, this](const Json& reply) {
      if (auto error = error_of(reply)) {
        subscriber_.reset();
        return done(Resumed::session_gone, "the server no longer has our session (" + error->reason + " (" +
                                               std::to_string(error->code) + "))");
      }
      client_->set_session(session, keepalive_);
      done(Resumed::yes, {});
    }, fail);
  });
}

// ---- receiving ----------------------------------------------------------------------------------

VideoRoomSubscriber& VideoRoomSignaling::subscriber() {
  if (subscriber_) return *subscriber_;
  VideoRoomSubscriber::Callbacks callbacks;
  callbacks.on_offer = [this](const std::string& sdp, const std::vector<SubscriberStream>& streams,
                              VideoRoomSubscriber::AnswerReady done) {
    std::vector<ReceiveSlot> slots;
    for (const auto& s : streams)
      slots.push_back(ReceiveSlot{s.mid, s.type, s.active, s.active ? id_string(s.feed_id) : std::string(),
                                  s.feed_mid});
    if (events_.on_receive_offer) events_.on_receive_offer(sdp, slots, std::move(done));
  };
  callbacks.on_error = [this](const std::string& why) {
    if (events_.on_receive_error) events_.on_receive_error(why);
  };
  // Owned by this object, so `this` outlives it; replies that come later are its own to drop.
  auto send = [this](Json request, std::optional<uint64_t> handle, VideoRoomSubscriber::Reply reply) {
    if (!client_ || !client_->connected()) return;
    client_->request(std::move(request), handle, std::move(reply));
  };
  subscriber_ = std::make_unique<VideoRoomSubscriber>(
      VideoRoomSubscriber::Options{options_.room, private_id_, options_.pin}, std::move(send), std::move(callbacks));
  return *subscriber_;
}

void VideoRoomSignaling::receive(const std::string& participant_id, const std::string& stream_mid) {
  if (!connected()) return;
  subscriber().want(feed_id(participant_id), stream_mid, data_streams_.count({participant_id, stream_mid}) > 0);
}

void VideoRoomSignaling::stop_receiving(const std::string& participant_id, const std::string& stream_mid) {
  if (subscriber_) subscriber_->drop_stream(feed_id(participant_id), stream_mid);
}

void VideoRoomSignaling::publisher_gone(const std::string& participant_id) {
  if (subscriber_) subscriber_->drop(feed_id(participant_id), true);
}

void VideoRoomSignaling::reset_receiving() { subscriber_.reset(); }  // detaches

// ---- leaving --------------------------------------------------------------------------------------

void VideoRoomSignaling::leave(std::function<void()> done) {
  ++run_;
  subscriber_.reset();
  if (!connected() || !handle_id_) return done();
  const uint64_t handle = handle_id_;
  std::weak_ptr<int> alive = alive_;
  client_->request({{"janus", "message"}, {"body", videoroom::leave_request()}}, handle,
                   [this, alive, handle, done](const Json&) {
                     if (!alive.lock() || closed_) return;
                     client_->request({{"janus", "detach"}}, handle, [this, alive, done](const Json&) {
                       if (!alive.lock() || closed_) return;
                       client_->request({{"janus", "destroy"}}, std::nullopt, [alive, done](const Json&) {
                         if (alive.lock()) done();
                       });
                     });
                   });
}

void VideoRoomSignaling::close() {
  if (closed_) return;
  closed_ = true;
  ++run_;
  subscriber_.reset();
  if (client_) client_->close();
}

// ---- what the server tells us --------------------------------------------------------------------

void VideoRoomSignaling::on_handle_event(uint64_t handle, const Json& message) {
  if (closed_) return;
  if (handle != handle_id_) {
    if (subscriber_) subscriber_->handle_event(handle, message);
    return;
  }
  const std::string kind = message.value("janus", "");
  if (kind == "webrtcup") {
    if (events_.on_publication_live) events_.on_publication_live();
  } else if (kind == "hangup") {
    if (events_.on_publication_hangup) events_.on_publication_hangup(message.value("reason", ""));
  } else if (kind == "event") {
    on_room_event(message.value("plugindata", Json::object()).value("data", Json::object()));
  }
}

void VideoRoomSignaling::on_room_event(const Json& data) {
  for (const auto& p : data.value("publishers", Json::array()))
    if (events_.on_publication) events_.on_publication(read_publication(p));
  if (data.contains("joining") && data["joining"].is_object() && events_.on_participant_joined)
    events_.on_participant_joined(read_participant(data["joining"]));
  if (data.contains("unpublished") && data["unpublished"] != "ok" && events_.on_unpublished)
    events_.on_unpublished(id_string(data["unpublished"]));
  for (const char* key : {"leaving", "kicked"}) {
    if (!data.contains(key) || data[key] == "ok") continue;
    const std::string id = id_string(data[key]);
    if (events_.on_participant_left) events_.on_participant_left(id);
    feed_ids_.erase(id);
  }
}

RemoteParticipant VideoRoomSignaling::read_participant(const Json& entry) {
  RemoteParticipant participant{id_string(entry.at("id")), entry.value("display", "")};
  feed_ids_[participant.id] = entry["id"];
  return participant;
}

RemotePublication VideoRoomSignaling::read_publication(const Json& publisher) {
  RemotePublication publication{read_participant(publisher), {}};
  // Janus 1.x lists each published stream with its mid; older ones only audio_codec.
  auto streams = publisher.value("streams", Json::array());
  if (streams.empty() && publisher.contains("audio_codec")) streams.push_back(Json{{"type", "audio"}, {"mid", "0"}});
  for (const auto& s : streams) {
    const std::string type = s.value("type", "");
    if (type != "audio" && type != "video" && type != "data") continue;
    const std::string mid = s.contains("mid") ? id_string(s["mid"]) : "0";
    if (type == "data") data_streams_.insert({publication.participant.id, mid});
    publication.streams.push_back(RemoteStream{mid, type, s.value("disabled", false)});
  }
  return publication;
}

Json VideoRoomSignaling::feed_id(const std::string& participant_id) const {
  auto it = feed_ids_.find(participant_id);
  return it != feed_ids_.end() ? it->second : Json(participant_id);
}

}  // namespace roomcast::signaling::janus
