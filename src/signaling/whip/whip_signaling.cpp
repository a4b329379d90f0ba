// WHIP behind RoomSignaling: each step one HTTP request on the loop thread (RFC 9725 §4).
#include "signaling/whip/whip_signaling.hpp"

#include "core/log.hpp"
#include "signaling/whip/whip_rules.hpp"

namespace roomcast::signaling::whip {

namespace {
constexpr const char* kSdp = "application/sdp";

bool is_sdp(const std::string& content_type) {
  return content_type.substr(0, content_type.find(';')) == kSdp;
}
}  // namespace

WhipSignaling::WhipSignaling(core::EventLoop& loop, WhipOptions options, Events events)
    : loop_(loop), options_(std::move(options)), events_(std::move(events)), http_(loop) {
  http_.set_ca_file(options_.ca_file);
}

WhipSignaling::~WhipSignaling() { close(); }

void WhipSignaling::join(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) {
  // Nothing to enter: WHIP knows endpoints, not rooms. A rejoin first ends what the old
  // session left at the server, so the room never holds two of us.
  (void)rejoin_as;
  end_resource([this, done] { ask_ice_servers([done] { done(Result<RoomState>::ok(RoomState{})); }); });
}

/// OPTIONS on the endpoint, before we gather: servers that answer it with ICE server Link
/// headers (simple-whip-server, MediaMTX; WHIP drafts before RFC 9725 described it) give their
/// STUN/TURN servers in time for the first offer. Anything else is no answer; bounded by
/// kOptionsWait.
void WhipSignaling::ask_ice_servers(std::function<void()> done) {
  auto settled = std::make_shared<bool>(false);
  auto finish = [settled, done] {
    if (std::exchange(*settled, true)) return;
    done();
  };
  std::weak_ptr<int> alive = alive_;
  options_wait_ = std::make_unique<core::Timer>(loop_.context(), [this, alive, finish] {
    loop_.post([alive, finish] {
      if (!alive.expired()) finish();
    });
  });
  options_wait_->arm_in(kOptionsWait);
  http_.send(HttpRequest{"OPTIONS", options_.url, {}, {}, options_.token}, [this, alive, settled, finish](HttpResponse r) {
    if (alive.expired() || closed_ || *settled) return;
    options_wait_.reset();
    if (r.error.empty() && r.status / 100 == 2 && !r.link.empty() && events_.on_ice_servers) {
      auto servers = parse_ice_server_links(r.link);
      if (!servers.empty()) events_.on_ice_servers(servers);
    }
    finish();
  });
}

void WhipSignaling::publish(const std::string& offer, bool, std::function<void(Result<std::string>)> done) {
  post_offer(offer, 1, std::move(done));
}

void WhipSignaling::post_offer(const std::string& offer, int attempt, std::function<void(Result<std::string>)> done) {
  HttpRequest request{"POST", options_.url, kSdp, offer, options_.token};
  std::weak_ptr<int> alive = alive_;
  http_.send(std::move(request), [this, alive, offer, attempt, done](HttpResponse response) {
    if (alive.expired() || closed_) return;
    auto fail = [&](std::string why) { done(Result<std::string>::failed(std::move(why))); };
    if (!response.error.empty())
      return fail("cannot reach the WHIP endpoint at " + options_.url + ": " + response.error +
                  "; check the URL and that the server is running");
    if (response.status == 503 && attempt < kMaxTries) {
      // RFC 9725 §4.7: busy; the server may say when to come back.
      auto wait = parse_retry_after(response.retry_after, std::chrono::system_clock::now());
      if (!wait || *wait <= kMaxRetryWait) {
        const auto delay = wait.value_or(kDefaultRetryWait);
        core::log_info("whip: ", options_.url, " is unavailable (503); trying again in ", delay.count(), " s");
        retry_ = std::make_unique<core::Timer>(loop_.context(), [this, alive, offer, attempt, done] {
          loop_.post([this, alive, offer, attempt, done] {
            if (!alive.expired() && !closed_) post_offer(offer, attempt + 1, done);
          });
        });
        retry_->arm_in(delay);
        return;
      }
      return fail("the WHIP server at " + options_.url + " is unavailable (HTTP 503) and asks us to come back in " +
                  std::to_string(wait->count()) + " s; try again later");
    }
    if (response.status == 201 || response.status == 200) return on_created(response, done);
    fail(refusal_text(HttpRefusal{response.status, response.reason, response.body}, response.final_url, "our offer",
                      !options_.token.empty()));
  });
}

void WhipSignaling::on_created(const HttpResponse& response, std::function<void(Result<std::string>)> done) {
  auto fail = [&](std::string why) { done(Result<std::string>::failed(std::move(why))); };
  auto location = resolve_location(response.final_url, response.location);
  if (!location)
    return fail("the WHIP server at " + options_.url + " accepted our offer but sent no usable Location header "
                "(RFC 9725 §4.2), so the session could not be ended later; it is not a WHIP server, or a broken one");
  if (!is_sdp(response.content_type) || response.body.find("v=0") == std::string::npos) {
    resource_ = *location;  // it exists at the server: leave() DELETEs it
    return fail("the WHIP server at " + options_.url + " sent no SDP answer (Content-Type '" + response.content_type +
                "'); it is not a WHIP server, or a broken one");
  }
  if (response.status == 200)
    core::log_warn("whip: ", options_.url, " answered 200 instead of 201 Created; going on");
  resource_ = *location;
  etag_ = response.etag;
  answer_ = response.body;
  published_id_ = last_segment(resource_);
  core::log_info("whip: published at ", resource_);
  if (!response.link.empty() && events_.on_ice_servers) {
    auto servers = parse_ice_server_links(response.link);
    if (!servers.empty()) events_.on_ice_servers(servers);
  }
  done(Result<std::string>::ok(response.body));
}

void WhipSignaling::renegotiate(const std::string&, std::function<void(Result<std::string>)> done) {
  // The meeting reads traits() and never asks; a caller that does learns why not.
  done(Result<std::string>::failed("WHIP (RFC 9725) has no renegotiation: the session's streams are fixed "
                                   "when it is published"));
}

/// RFC 9725 §4.3.2: the new credentials (and candidates) by PATCH with If-Match "*"; the server
/// answers 200 with its own new credentials, which replace those of its answer.
void WhipSignaling::restart_ice(const std::string& offer, std::function<void(Result<std::string>)> done) {
  if (resource_.empty() || answer_.empty())
    return done(Result<std::string>::failed("no WHIP session to restart ICE on"));
  HttpRequest request{"PATCH", resource_, "application/trickle-ice-sdpfrag", ice_restart_fragment(offer),
                      options_.token};
  request.if_match = "\"*\"";
  std::weak_ptr<int> alive = alive_;
  http_.send(std::move(request), [this, alive, done](HttpResponse r) {
    if (alive.expired() || closed_) return;
    auto fail = [&](std::string why) { done(Result<std::string>::failed(std::move(why))); };
    if (!r.error.empty()) return fail("cannot reach " + resource_ + ": " + r.error);
    if (r.status != 200)
      return fail(refusal_text(HttpRefusal{r.status, r.reason, r.body}, resource_, "our ICE restart (PATCH)",
                               !options_.token.empty()));
    auto credentials = ice_credentials(r.body);
    if (!credentials)
      return fail("the WHIP server at " + resource_ + " answered our ICE restart without its new ICE credentials");
    if (!r.etag.empty()) etag_ = r.etag;
    answer_ = with_ice_credentials(answer_, credentials->first, credentials->second);
    core::log_info("whip: ICE restarted at ", resource_);
    done(Result<std::string>::ok(answer_));
  });
}

void WhipSignaling::resume(std::function<void(Resumed, std::string why)> done) {
  // No connection to take back: a new POST (join(), then publish()) is the way back.
  end_resource([done] { done(Resumed::session_gone, "WHIP sessions are not resumed; publishing again"); });
}

void WhipSignaling::leave(std::function<void()> done) { end_resource(std::move(done)); }

void WhipSignaling::end_resource(std::function<void()> done) {
  retry_.reset();
  if (resource_.empty()) return done();
  const std::string resource = std::exchange(resource_, {});
  etag_.clear();
  std::weak_ptr<int> alive = alive_;
  http_.send(HttpRequest{"DELETE", resource, {}, {}, options_.token}, [this, alive, resource, done](HttpResponse r) {
    if (alive.expired() || closed_) return;
    // Best effort: the session is over for us whatever the server says.
    if (!r.error.empty())
      core::log_warn("whip: DELETE ", resource, " failed: ", r.error);
    else if (r.status == 404)
      core::log_info("whip: the server had ended ", resource, " already");
    else if (r.status / 100 != 2)
      core::log_warn("whip: ", refusal_text(HttpRefusal{r.status, r.reason, r.body}, resource, "DELETE",
                                            !options_.token.empty()));
    done();
  });
}

void WhipSignaling::close() {
  if (closed_) return;
  closed_ = true;
  retry_.reset();
  options_wait_.reset();
  http_.cancel();
}

}  // namespace roomcast::signaling::whip
