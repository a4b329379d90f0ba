// WHEP behind RoomSignaling: the counter-offer path, each step one HTTP request on the loop
// thread (draft-ietf-wish-whep §4; Meetecho's janus-whep-server answers 406 with its offer).
#include "signaling/whip/whep_signaling.hpp"

#include <utility>

#include "core/log.hpp"
#include "signaling/whip/whep_rules.hpp"
#include "signaling/whip/whip_rules.hpp"

namespace roomcast::signaling::whip {

namespace {
constexpr const char* kSdp = "application/sdp";
}  // namespace

WhepSignaling::WhepSignaling(core::EventLoop& loop, WhipOptions options, Events events)
    : loop_(loop), options_(std::move(options)), events_(std::move(events)), http_(loop) {
  http_.set_ca_file(options_.ca_file);
}

WhepSignaling::~WhepSignaling() { close(); }

void WhepSignaling::join(const std::string&, std::function<void(Result<RoomState>)> done) {
  std::weak_ptr<int> alive = alive_;
  end_resource([this, alive, done] {
    if (alive.expired() || closed_) return;
    offered_ = false;
    http_.send(HttpRequest{"POST", options_.url, kSdp, whep_request_offer(), options_.token},
               [this, alive, done](HttpResponse response) {
                 if (alive.expired() || closed_) return;
                 on_offered(response, done);
               });
  });
}

void WhepSignaling::on_offered(const HttpResponse& response, std::function<void(Result<RoomState>)> done) {
  auto fail = [&](std::string why) { done(Result<RoomState>::failed(std::move(why))); };
  if (!response.error.empty())
    return fail("cannot reach the WHEP endpoint at " + options_.url + ": " + response.error +
                "; check the URL and that the server is running");
  auto location = resolve_location(response.final_url, response.location);
  if (response.status == 201 || response.status == 200) {
    if (location) resource_ = *location;  // leave() DELETEs it
    return fail("the WHEP server at " + options_.url + " answered our offer (HTTP " +
                std::to_string(response.status) + "); roomcast listens over WHEP only by the server's offer "
                "(406 with an SDP offer, as janus-whep-server does)");
  }
  if (response.status != 406 || response.body.find("v=0") == std::string::npos)
    return fail(refusal_text(HttpRefusal{response.status, response.reason, response.body}, response.final_url,
                             "our WHEP request", !options_.token.empty(), "WHEP"));
  if (!location)
    return fail("the WHEP server at " + options_.url + " sent its offer but no usable Location header, so the "
                "session could not be answered or ended; it is not a WHEP server, or a broken one");
  resource_ = *location;
  etag_ = response.etag;
  offer_ = response.body;
  feed_id_ = last_segment(options_.url);
  if (feed_id_.empty()) feed_id_ = "feed";
  core::log_info("whep: subscribed at ", resource_);
  if (!response.link.empty() && events_.on_ice_servers) {
    auto servers = parse_ice_server_links(response.link);
    if (!servers.empty()) events_.on_ice_servers(servers);
  }
  RemotePublication publication{RemoteParticipant{feed_id_, feed_id_}, {}};
  for (const auto& slot : whep_offer_slots(offer_, feed_id_))
    if (slot.active && (slot.kind == "audio" || slot.kind == "video"))
      publication.streams.push_back(RemoteStream{slot.stream_mid, slot.kind, false});
  if (publication.streams.empty()) return fail("the WHEP server at " + options_.url + " offered no audio or video");
  RoomState room;
  room.local_id = last_segment(resource_);
  room.publications.push_back(std::move(publication));
  done(Result<RoomState>::ok(std::move(room)));
}

void WhepSignaling::receive(const std::string&, const std::string&) {
  // The offer covers the whole feed: handed over once, after the receive() calls of this
  // turn of the loop (audio, then the videos with sinks) are in.
  if (offered_ || offer_.empty()) return;
  offered_ = true;
  std::weak_ptr<int> alive = alive_;
  loop_.post([this, alive] {
    if (alive.expired() || closed_ || !events_.on_receive_offer) return;
    events_.on_receive_offer(offer_, whep_offer_slots(offer_, feed_id_),
                             [this, alive](std::optional<std::string> sdp, std::string error) {
                               if (alive.expired() || closed_) return;
                               if (!sdp) {
                                 if (events_.on_receive_error) events_.on_receive_error(error);
                                 return;
                               }
                               send_answer(*sdp);
                             });
  });
}

void WhepSignaling::send_answer(const std::string& sdp) {
  HttpRequest request{"PATCH", resource_, kSdp, sdp, options_.token};
  request.if_match = etag_;
  std::weak_ptr<int> alive = alive_;
  http_.send(std::move(request), [this, alive](HttpResponse r) {
    if (alive.expired() || closed_) return;
    if (!r.etag.empty()) etag_ = r.etag;
    if (r.error.empty() && r.status / 100 == 2) {
      answered_ = true;
      return;
    }
    const std::string why = !r.error.empty() ? "cannot send our answer to " + resource_ + ": " + r.error
                                             : refusal_text(HttpRefusal{r.status, r.reason, r.body}, resource_,
                                                            "our answer (PATCH)", !options_.token.empty(), "WHEP");
    if (events_.on_connection_lost) events_.on_connection_lost(why);
  });
}

void WhepSignaling::reset_receiving() {
  // The receiving PeerConnection is gone: the session at the server is of no use. One that was
  // answered (its media path failed) is reported lost, so the meeting gets a new session (a new
  // POST); one reset on the way out or into a rejoin is not.
  offer_.clear();
  offered_ = false;
  if (!std::exchange(answered_, false)) return;
  std::weak_ptr<int> alive = alive_;
  loop_.post([this, alive] {
    if (alive.expired() || closed_ || !events_.on_connection_lost) return;
    events_.on_connection_lost("the media path from the WHEP server at " + options_.url + " failed");
  });
}

void WhepSignaling::publish(const std::string&, bool, std::function<void(Result<std::string>)> done) {
  done(Result<std::string>::failed("WHEP only listens: publish over WHIP or Janus VideoRoom"));
}

void WhepSignaling::renegotiate(const std::string&, std::function<void(Result<std::string>)> done) {
  done(Result<std::string>::failed("WHEP has no renegotiation"));
}

void WhepSignaling::resume(std::function<void(Resumed, std::string why)> done) {
  end_resource([done] { done(Resumed::session_gone, "WHEP sessions are not resumed; subscribing again"); });
}

void WhepSignaling::leave(std::function<void()> done) { end_resource(std::move(done)); }

void WhepSignaling::end_resource(std::function<void()> done) {
  if (resource_.empty()) return done();
  const std::string resource = std::exchange(resource_, {});
  etag_.clear();
  std::weak_ptr<int> alive = alive_;
  http_.send(HttpRequest{"DELETE", resource, {}, {}, options_.token}, [this, alive, resource, done](HttpResponse r) {
    if (alive.expired() || closed_) return;
    if (!r.error.empty())
      core::log_warn("whep: DELETE ", resource, " failed: ", r.error);
    else if (r.status / 100 != 2 && r.status != 404)
      core::log_warn("whep: ", refusal_text(HttpRefusal{r.status, r.reason, r.body}, resource, "DELETE",
                                            !options_.token.empty(), "WHEP"));
    else
      core::log_info("whep: ended ", resource);
    done();
  });
}

void WhepSignaling::close() {
  if (closed_) return;
  closed_ = true;
  http_.cancel();
}

}  // namespace roomcast::signaling::whip
