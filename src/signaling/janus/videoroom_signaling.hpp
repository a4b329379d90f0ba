// VideoRoomSignaling: RoomSignaling over Janus's VideoRoom plugin (WebSocket API 1.x): one
// session, one publisher handle for our media and room events, one multistream subscription
// (VideoRoomSubscriber) for what we receive. Janus's ids, handles and JSON stay in here.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>

#include "core/event_loop.hpp"
#include "signaling/janus/janus_client.hpp"
#include "signaling/janus/videoroom_subscriber.hpp"
#include "signaling/room_signaling.hpp"

namespace roomcast::signaling::janus {

struct VideoRoomOptions {
  std::string url;      ///< ws:// or wss:// of Janus's WebSocket transport
  std::string token;    ///< Janus API token (empty: none)
  std::string ca_file;  ///< wss://: trust this PEM file instead of the system's
  uint64_t room = 0;
  std::string meeting_id;  ///< as the user named it, for messages
  std::string display_name;
  std::string pin;
  bool create_room = false;  ///< create the room when it is missing
};

class VideoRoomSignaling final : public RoomSignaling {
 public:
  VideoRoomSignaling(core::EventLoop& loop, VideoRoomOptions options, Events events);
  ~VideoRoomSignaling() override;
  VideoRoomSignaling(const VideoRoomSignaling&) = delete;
  VideoRoomSignaling& operator=(const VideoRoomSignaling&) = delete;

  void join(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) override;
  void publish(const std::string& offer, bool video, std::function<void(Result<std::string>)> done) override;
  void renegotiate(const std::string& offer, std::function<void(Result<std::string>)> done) override;
  void resume(std::function<void(Resumed, std::string why)> done) override;
  void receive(const std::string& participant_id, const std::string& stream_mid) override;
  void stop_receiving(const std::string& participant_id, const std::string& stream_mid) override;
  void publisher_gone(const std::string& participant_id) override;
  void reset_receiving() override;
  void leave(std::function<void()> done) override;
  void close() override;
  bool connected() const override { return client_ && client_->connected(); }
  const std::string& url() const override { return options_.url; }

  /// Janus's answer to a request for a step that must not wait forever.
  static constexpr auto kStepTimeout = std::chrono::seconds(10);

 private:
  using Next = std::function<void(const Json& reply)>;
  using Fail = std::function<void(std::string why)>;

  /// A fresh client (the old one, if any, is closed): every run of join()/resume() has its own.
  void new_client(bool end_old_session);
  /// One request of the current run: `next` gets the reply; no reply within kStepTimeout
  /// fails the run with "did not answer 'what'". Replies to an older run are dropped.
  void step(Json body, std::optional<uint64_t> handle, const std::string& what, Next next, Fail fail);
  /// A plugin message on our publisher handle, with an optional jsep.
  void message(Json body, std::optional<Json> jsep, const std::string& what, Next next, Fail fail);
  std::string connect_error(std::string why) const;
  void enter_room(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done);
  void join_room(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done);
  void send_offer(Json body, const std::string& offer, const std::string& refused,
                  std::function<void(Result<std::string>)> done);

  void on_handle_event(uint64_t handle, const Json& message);
  void on_room_event(const Json& data);
  RemotePublication read_publication(const Json& publisher);
  RemoteParticipant read_participant(const Json& entry);
  /// Janus's own form of a participant id (number or string), to send it back unchanged.
  Json feed_id(const std::string& participant_id) const;
  VideoRoomSubscriber& subscriber();

  core::EventLoop& loop_;
  VideoRoomOptions options_;
  Events events_;
  std::unique_ptr<JanusClient> client_;
  uint64_t run_ = 0;  // the current join()/resume(); bumped by each and by close()
  uint64_t handle_id_ = 0;
  Json private_id_;  // ties our subscription to our publisher
  std::map<std::string, Json> feed_ids_;  // participant id -> as Janus sent it
  std::set<std::pair<std::string, std::string>> data_streams_;  // (participant id, mid) of data
  // From the server's `info`: often enough that its session never times out.
  std::chrono::milliseconds keepalive_ = JanusClient::kDefaultKeepalive;
  std::unique_ptr<VideoRoomSubscriber> subscriber_;
  bool closed_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // timers and posted tasks check it
};

}  // namespace roomcast::signaling::janus
