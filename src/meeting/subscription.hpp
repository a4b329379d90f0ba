// Subscription: the remote side of a meeting. Who is in the room, what each publishes, and
// what we receive of it: one receiving PeerConnection for every remote audio (and every video
// a sink wants), the 20 ms receive tick (jitter buffers, sinks, room mix, dominant speaker),
// and received video reassembled here and decoded on its own thread. It knows the server only
// through signaling::RoomSignaling.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/callback_guard.hpp"
#include "core/event_loop.hpp"
#include "core/media_clock.hpp"
#include "engine/engine.hpp"
#include "media/frame_schedule.hpp"
#include "meeting/audio_delivery.hpp"
#include "meeting/participant_state.hpp"
#include "meeting/video_delivery.hpp"
#include "peer/peer_session.hpp"
#include "receive/audio_mixer.hpp"
#include "receive/jitter_buffer.hpp"
#include "receive/speaker_detector.hpp"
#include "receive/video_receiver.hpp"
#include "roomcast/events.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/meeting_stats.hpp"
#include "rtp/loss_counter.hpp"
#include "signaling/room_signaling.hpp"

namespace roomcast::meeting {

/// One video stream of a remote publisher: received only while a sink wants it.
struct RemoteVideo {
  std::shared_ptr<detail::StreamState> stream;
  bool subscribing = false;  // a sink was added: in the subscription (or asked for)
  std::string slot_mid;      // its m-line in the receiving PeerConnection, once assigned
  std::unique_ptr<receive::VideoReceiver> receiver;  // while it has a slot
  std::shared_ptr<VideoDecodeTarget> target;         // its decoder and sinks (delivery thread)
};

/// A remote publisher we know of, and what we receive of its audio (and wanted video).
struct RemoteFeed {
  std::string id;  // the publisher's participant id
  std::shared_ptr<detail::ParticipantState> participant;
  std::string audio_mid;  // the publisher's audio stream, empty if it publishes none
  std::shared_ptr<detail::StreamState> audio_stream;
  std::map<std::string, RemoteVideo> videos;  // by the publisher's mid
  std::string data_mid;         // the publisher's data channels, empty if it has none
  bool data_subscribing = false;  // in the subscription: its messages reach us

  bool subscribing = false;  // wanted: auto_subscribe or Meeting::subscribe
  std::string slot_mid;      // its m-line in the receiving PeerConnection, once assigned
  std::unique_ptr<receive::JitterBuffer> jitter;
  uint64_t ticks = 0;  // 20 ms ticks since the subscription started playing
  bool decode = false;  // someone hears it (a sink or the room mix); else packets are only counted
  uint64_t packets_not_decoded = 0;
  rtp::LossCounter undecoded_loss;  // losses while not decoding (no jitter buffer counts them)
  std::optional<double> level_dbfs;  // loudest RFC 6464 level since the last tick (not decoding)
  bool draining = false;  // unpublished: playing out what is buffered, then finished
  bool left = false;      // and the participant left: announce it after the drain
};

class Subscription {
 public:
  /// What it needs of the meeting that owns it.
  struct Host {
    std::shared_ptr<engine::Engine> engine;
    const MeetingConfig* config = nullptr;
    const ice::IceConfig* ice = nullptr;  // STUN/TURN servers for our PeerSessions
    std::shared_ptr<detail::ParticipantState> local;  // us: never reported as a remote
    /// Calls `f` on each of the meeting's event handlers (loop thread).
    std::function<void(const std::function<void(MeetingEventHandler&)>& f)> notify;
    /// An exception escaped a callback: the meeting's error path (on_error and a clean leave).
    std::function<void(const std::string& why)> on_fault;
    /// The meeting is in the room (not joining, reconnecting or leaving).
    std::function<bool()> in_room;
    /// The round-trip time of our published media, when known (NACK timing).
    std::function<std::optional<std::chrono::steady_clock::duration>()> round_trip_time;
    /// Someone wants the others' messages: their data streams are received.
    std::function<bool()> messages_wanted;
    /// A data channel the server opened to us: messages relayed from the publishers.
    std::function<void(sctp::DataChannel& channel)> on_message_channel;
  };

  explicit Subscription(Host host);
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  /// The protocol that receives for us; set before the first event (loop thread).
  void set_signaling(signaling::RoomSignaling* signaling) { signaling_ = signaling; }

  // Room events (loop thread).
  void participant_joined(const signaling::RemoteParticipant& who);
  void publication_seen(const signaling::RemotePublication& publication);
  void publisher_gone(const std::string& id);
  void participant_left(const std::string& id);
  /// The room as we entered it (again): who left while we were away, who is new, and what we
  /// received before is received again.
  void enter(const signaling::RoomState& room);
  /// The server's offer for what we receive.
  void on_offer(const std::string& sdp, const std::vector<signaling::ReceiveSlot>& slots,
                signaling::RoomSignaling::AnswerReady done);

  // The user's choices (loop thread).
  void subscribe(const std::string& participant_id);
  void unsubscribe(const std::string& participant_id);
  /// Receive every publisher's data stream from now on (messages became wanted).
  void receive_messages();
  /// From any thread: a sink of the whole room's mix.
  void add_mixed_sink(std::shared_ptr<AudioSink> sink);
  std::vector<Participant> participants() const;
  /// Receiving statistics (loop thread).
  std::vector<RemoteAudioStats> stats() const;
  /// The receiving connection's candidate pair ("relay/udp -> host/udp ..."), empty without one.
  std::string selected_candidate_pair() const { return peer_ ? peer_->selected_pair_types() : std::string(); }

  /// Starts the receive tick if something is to be heard (loop thread).
  void start_receiving();
  /// Our session is gone: remember what we received (enter() receives it again), drop the rest.
  void suspend();
  /// Drops the receiving PeerConnection and its state (loop thread).
  void drop();
  /// Before destruction, from the meeting's thread while the loop runs: joins the video decode
  /// thread (its keyframe requests post to the loop).
  void stop_delivery() { video_delivery_.reset(); }
  /// The last step before destruction, on the loop thread: no task it posted runs after this.
  void shutdown();

 private:
  // The 20 ms receive tick on the engine's media clock; runs only while something is
  // subscribed or a mixed sink wants the room.
  struct ReceiveTicker : core::MediaClock::Client {
    explicit ReceiveTicker(Subscription& owner) : owner(owner) {}
    void on_tick(uint64_t tick, core::MediaClock::Clock::time_point) override {
      owner.contain("receive tick", [&] { owner.on_receive_tick(tick); });
    }
    Subscription& owner;
  };

  template <typename F>
  void contain(const char* where, F&& body) noexcept {
    core::guard_callback(where, std::forward<F>(body), [this](const std::string& why) { host_.on_fault(why); });
  }
  /// Runs `task` on the loop later, unless this is gone by then.
  void post(std::function<void(Subscription&)> task);

  void finish_feed(const std::string& id);
  void announce_left(const std::string& id);
  void subscribe(RemoteFeed& feed);
  void subscribe_data(RemoteFeed& feed);
  void unsubscribe(RemoteFeed& feed, bool feed_gone = false);
  void on_remote_rtp(const std::string& slot_mid, const rtp::RtpPacket& packet);
  void stop_receive_tick();
  void on_receive_tick(uint64_t tick);
  bool receive_wanted();
  void receive_one_tick();
  void failed(const std::string& why);
  void deliver_to(std::vector<std::shared_ptr<AudioSink>> sinks, const ReceivedAudioFrame& frame);
  /// The RTCP view of a received stream (bytes, fraction lost, cumulative lost, jitter).
  void fill_rtcp_receive_stats(const RemoteFeed& feed, AudioReceiveStats& stats) const;

  // subscription_video.cpp: remote video, received when a sink wants it
  void video_stream_seen(RemoteFeed& feed, const std::string& feed_mid,
                         const std::shared_ptr<detail::StreamState>& stream);
  void subscribe_video(const std::string& feed_key, const std::string& feed_mid);
  void resubscribe_videos(RemoteFeed& feed);
  void map_video_slots(const std::vector<signaling::ReceiveSlot>& slots);
  void on_remote_video_rtp(const std::string& slot_mid, const rtp::RtpPacket& packet);
  void video_undecodable(const std::string& feed_key, const std::string& feed_mid);
  void drop_remote_video();

  Host host_;
  core::EventLoop& loop_;
  signaling::RoomSignaling* signaling_ = nullptr;
  std::map<std::string, std::shared_ptr<detail::ParticipantState>> participants_;
  std::map<std::string, RemoteFeed> feeds_;
  std::unique_ptr<peer::PeerSession> peer_;  // the receiving PeerConnection
  std::map<std::string, std::string> feed_by_slot_;  // slot mid -> feed key
  std::map<std::string, std::pair<std::string, std::string>> video_by_slot_;  // -> feed key, feed mid
  std::set<std::string> resubscribe_;  // feeds received before our session was lost
  // After the receiving PeerConnection failed: when to make it again.
  std::unique_ptr<core::Timer> resubscribe_timer_;
  std::chrono::milliseconds resubscribe_delay_{500};
  std::unique_ptr<ReceiveTicker> receive_tick_;
  std::optional<media::FrameSchedule> receive_schedule_;
  uint64_t mix_ticks_ = 0;
  receive::AudioMixer mixer_;
  receive::SpeakerDetector speakers_;
  mutable std::mutex sinks_mutex_;
  std::vector<std::shared_ptr<AudioSink>> mixed_sinks_;  // guarded by sinks_mutex_
  // Calls the sinks off the network thread; made with the first frame.
  std::unique_ptr<AudioDelivery> delivery_;
  // Decodes received video and calls its sinks off the network thread; made with the first
  // frame, joined in shutdown() while the loop runs.
  std::unique_ptr<VideoDelivery> video_delivery_;
  // Tasks posted to the loop and sink callbacks hold this weakly; reset on the loop thread in
  // shutdown(), so none runs on a destroyed Subscription.
  std::shared_ptr<Subscription*> alive_ = std::make_shared<Subscription*>(this);
};

}  // namespace roomcast::meeting
