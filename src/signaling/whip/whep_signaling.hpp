// WhepSignaling: RoomSignaling over WHEP, listen only: a POST to the endpoint brings the
// server's offer (406, the counter-offer path), our answer goes back by PATCH, DELETE leaves.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "signaling/room_signaling.hpp"
#include "signaling/whip/http_client.hpp"
#include "signaling/whip/whip_signaling.hpp"

namespace roomcast::signaling::whip {

/// The room is the one feed behind the endpoint: join() POSTs our request offer, and the
/// server's counter-offer names the feed's streams (one publication, its id the endpoint's
/// last path segment). The first receive() hands that offer to on_receive_offer; our answer
/// goes by PATCH application/sdp with If-Match (the resource's ETag). A server that answers
/// our offer with 201 instead is refused with a clear error: our peer layer makes no
/// receive-only offers, so only the counter-offer path works. Nothing can be published
/// (publish() fails), nothing renegotiated; a lost session is a new POST.
class WhepSignaling final : public RoomSignaling {
 public:
  WhepSignaling(core::EventLoop& loop, WhipOptions options, Events events);
  ~WhepSignaling() override;
  WhepSignaling(const WhepSignaling&) = delete;
  WhepSignaling& operator=(const WhepSignaling&) = delete;

  void join(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) override;
  void publish(const std::string& offer, bool video, std::function<void(Result<std::string>)> done) override;
  void renegotiate(const std::string& offer, std::function<void(Result<std::string>)> done) override;
  void resume(std::function<void(Resumed, std::string why)> done) override;
  void receive(const std::string& participant_id, const std::string& stream_mid) override;
  void stop_receiving(const std::string&, const std::string&) override {}
  void publisher_gone(const std::string&) override {}
  void reset_receiving() override;
  void leave(std::function<void()> done) override;
  void close() override;
  bool connected() const override { return !closed_ && !resource_.empty(); }
  const std::string& url() const override { return options_.url; }
  Traits traits() const override { return Traits{false, true, true}; }

 private:
  void on_offered(const HttpResponse& response, std::function<void(Result<RoomState>)> done);
  void send_answer(const std::string& sdp);
  void end_resource(std::function<void()> done);

  core::EventLoop& loop_;
  WhipOptions options_;
  Events events_;
  HttpClient http_;
  std::string resource_;  // our session's URL at the server; empty: none
  std::string etag_;
  std::string feed_id_;
  std::string offer_;     // the server's offer, until the first receive() takes it
  bool offered_ = false;  // handed to on_receive_offer
  bool answered_ = false;  // our answer was taken: the session's media path is ours
  bool closed_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace roomcast::signaling::whip
