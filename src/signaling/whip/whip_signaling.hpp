// WhipSignaling: RoomSignaling over WHIP (RFC 9725), publish only: our offer POSTed to the
// endpoint, the answer and a resource URL back, DELETE of the resource to leave.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/event_loop.hpp"
#include "signaling/room_signaling.hpp"
#include "signaling/whip/http_client.hpp"

namespace roomcast::signaling::whip {

struct WhipOptions {
  std::string url;      ///< the WHIP endpoint, http:// or https://
  std::string token;    ///< Bearer token (empty: none); never logged
  std::string ca_file;  ///< https://: trust this PEM file instead of the system's
};

/// No room to enter and no one else to see: join() asks the endpoint for its ICE servers
/// (OPTIONS) and yields an empty room, receive() does
/// nothing. Our offer already holds every candidate (we gather fully before offering), so
/// nothing is trickled by PATCH. WHIP has no renegotiation (traits().renegotiates is false):
/// the meeting's controls start and stop what we send on the session as it is. Nothing tells
/// us the server sees our media (traits().reports_live is false). A lost media path is a
/// new POST (resume() says session_gone; join() again DELETEs the old resource first).
class WhipSignaling final : public RoomSignaling {
 public:
  /// 503 + Retry-After: this many tries of the offer in all, each wait at most kMaxRetryWait
  /// (a server asking for longer is reported as unavailable).
  static constexpr int kMaxTries = 3;
  static constexpr auto kMaxRetryWait = std::chrono::seconds(10);
  static constexpr auto kDefaultRetryWait = std::chrono::seconds(1);
  /// How long join() waits for the endpoint's OPTIONS answer (its ICE servers) at most.
  static constexpr auto kOptionsWait = std::chrono::seconds(2);

  WhipSignaling(core::EventLoop& loop, WhipOptions options, Events events);
  ~WhipSignaling() override;
  WhipSignaling(const WhipSignaling&) = delete;
  WhipSignaling& operator=(const WhipSignaling&) = delete;

  void join(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) override;
  void publish(const std::string& offer, bool video, std::function<void(Result<std::string>)> done) override;
  void renegotiate(const std::string& offer, std::function<void(Result<std::string>)> done) override;
  void restart_ice(const std::string& offer, std::function<void(Result<std::string>)> done) override;
  void resume(std::function<void(Resumed, std::string why)> done) override;
  void receive(const std::string&, const std::string&) override {}
  void stop_receiving(const std::string&, const std::string&) override {}
  void publisher_gone(const std::string&) override {}
  void reset_receiving() override {}
  void leave(std::function<void()> done) override;
  void close() override;
  /// While we hold a resource at the server (something to DELETE).
  bool connected() const override { return !closed_ && !resource_.empty(); }
  const std::string& url() const override { return options_.url; }
  Traits traits() const override { return Traits{false, false, true}; }
  std::string published_id() const override { return published_id_; }

 private:
  void ask_ice_servers(std::function<void()> done);
  void post_offer(const std::string& offer, int attempt, std::function<void(Result<std::string>)> done);
  void on_created(const HttpResponse& response, std::function<void(Result<std::string>)> done);
  /// DELETEs the resource we hold, if any, then `done` (whatever the server says).
  void end_resource(std::function<void()> done);

  core::EventLoop& loop_;
  WhipOptions options_;
  Events events_;
  HttpClient http_;
  std::string resource_;  // our session's URL at the server (from Location); empty: none
  std::string etag_;      // the resource's entity tag (RFC 9725 §4.3.1), for If-Match
  std::string answer_;    // the server's answer: with new credentials, the answer to a restart
  std::string published_id_;
  std::unique_ptr<core::Timer> retry_;
  std::unique_ptr<core::Timer> options_wait_;
  bool closed_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace roomcast::signaling::whip
