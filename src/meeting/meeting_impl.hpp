// Meeting::Impl: the state of one meeting, shared by meeting.cpp (join, publish, leave)
// and meeting_remote.cpp (other participants, subscriptions, received audio).
#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/callback_guard.hpp"
#include "core/event_loop.hpp"
#include "receive/audio_mixer.hpp"
#include "engine/engine.hpp"
#include "meeting/audio_delivery.hpp"
#include "meeting/video_delivery.hpp"
#include "media/encoded_track.hpp"
#include "receive/jitter_buffer.hpp"
#include "receive/video_receiver.hpp"
#include "media/frame_schedule.hpp"
#include "receive/speaker_detector.hpp"
#include "meeting/participant_state.hpp"
#include "peer/audio_sender.hpp"
#include "peer/peer_session.hpp"
#include "peer/video_sender.hpp"
#include "roomcast/meeting.hpp"
#include "rtp/loss_counter.hpp"
#include "server/embedded_janus.hpp"
#include "signaling/room_signaling.hpp"

namespace roomcast {

/// One video stream of a remote publisher: received only while a sink wants it.
struct RemoteVideo {
  std::shared_ptr<detail::StreamState> stream;
  bool subscribing = false;  // a sink was added: in the subscription (or asked for)
  std::string slot_mid;      // its m-line in the subscription PeerConnection, once assigned
  std::unique_ptr<receive::VideoReceiver> receiver;  // while it has a slot
  std::shared_ptr<VideoDecodeTarget> target;         // its decoder and sinks (delivery thread)
};

/// A remote publisher we know of, and our subscription to its audio (and wanted video).
struct RemoteFeed {
  std::string id;  // the publisher's participant id
  std::shared_ptr<detail::ParticipantState> participant;
  std::string audio_mid;  // the publisher's audio stream, empty if it publishes none
  std::shared_ptr<detail::StreamState> audio_stream;
  std::map<std::string, RemoteVideo> videos;  // by the publisher's mid

  // Subscription (loop thread): one slot of the meeting's multistream subscription.
  bool subscribing = false;  // wanted: auto_subscribe or Meeting::subscribe
  std::string slot_mid;      // its m-line in the subscription PeerConnection, once assigned
  std::unique_ptr<receive::JitterBuffer> jitter;
  uint64_t ticks = 0;  // 20 ms ticks since the subscription started playing
  bool decode = false;  // someone hears it (a sink or the room mix); else packets are only counted
  uint64_t packets_not_decoded = 0;
  rtp::LossCounter undecoded_loss;  // losses while not decoding (no jitter buffer counts them)
  std::optional<double> level_dbfs;  // loudest RFC 6464 level since the last tick (not decoding)
  bool draining = false;  // unpublished: playing out what is buffered, then finished
  bool left = false;      // and the participant left: announce it after the drain
};

struct Meeting::Impl {
  enum class State { Idle, Joining, Joined, Reconnecting, Leaving, Left };

  MeetingConfig config;
  uint64_t room_id = 0;
  // The process's engine; released in ~Impl (maybe on the loop thread, see Engine::release).
  std::shared_ptr<engine::Engine> engine = engine::Engine::acquire();
  core::EventLoop* const loop = &engine->loop();
  std::unique_ptr<server::EmbeddedJanus> embedded;
  std::string url;

  // Loop thread once created: the server's protocol (Janus VideoRoom today).
  std::unique_ptr<signaling::RoomSignaling> signaling;
  std::unique_ptr<peer::PeerSession> peer;
  std::unique_ptr<peer::AudioSender> sender;
  // Our camera: the (maybe shared) encode, and the sender once the media path is up.
  std::shared_ptr<media::EncodedVideoTrack> video_track;
  std::unique_ptr<peer::VideoSender> video_sender;
  // Our place in the (maybe shared) encode of the microphone track, until the sender takes it.
  std::unique_ptr<media::EncodedTrack::Reader> track_reader;
  std::chrono::steady_clock::time_point join_started;
  std::shared_ptr<core::Timer> leave_guard;
  bool local_stream_live = false;

  // Getting back into the meeting (meeting_reconnect.cpp; loop thread).
  struct Reconnect {
    uint64_t generation = 0;  // the attempt under way; replies to older ones are dropped
    int attempts = 0;
    std::chrono::milliseconds delay{500};
    std::chrono::steady_clock::time_point since;
    std::chrono::steady_clock::time_point connected_at;  // the current attempt's connection
    std::string reason;
    bool media_lost = false;        // our session's media path is gone: rejoin, not reclaim
    std::optional<peer::RtpContinuation> rtp;  // our stream continues on the new session
    uint64_t packets_before = 0, bytes_before = 0;  // sent on earlier sessions (PublishStats)
    std::set<std::string> resubscribe;          // feeds we were subscribed to
    bool awaiting_media = false;    // the new publisher PeerConnection waits for webrtcup
    std::unique_ptr<core::Timer> retry;     // the next attempt
    std::unique_ptr<core::Timer> deadline;  // the current attempt's time limit
  };
  Reconnect reconnect;

  // Remote side (loop thread).
  std::map<std::string, std::shared_ptr<detail::ParticipantState>> participants;
  std::map<std::string, RemoteFeed> feeds;
  // Every remote audio (and video with a sink) arrives through one receiving PeerConnection.
  std::unique_ptr<peer::PeerSession> subscription_peer;
  std::map<std::string, std::string> feed_by_slot;  // slot mid -> feed key
  std::map<std::string, std::pair<std::string, std::string>> video_by_slot;  // -> feed key, feed mid
  // After the subscription's PeerConnection failed: when to make it again.
  std::unique_ptr<core::Timer> resubscribe_timer;
  std::chrono::milliseconds resubscribe_delay{500};
  // The 20 ms receive tick on the engine's media clock; runs only while something is
  // subscribed or a mixed sink wants the room.
  struct ReceiveTicker : core::MediaClock::Client {
    explicit ReceiveTicker(Impl& impl) : impl(impl) {}
    void on_tick(uint64_t tick, core::MediaClock::Clock::time_point) override {
      impl.contain("receive tick", [&] { impl.on_receive_tick(tick); });
    }
    Impl& impl;
  };
  std::unique_ptr<ReceiveTicker> receive_tick;
  std::optional<media::FrameSchedule> receive_schedule;
  uint64_t mix_ticks = 0;
  receive::AudioMixer mixer;
  receive::SpeakerDetector speakers;

  std::vector<std::shared_ptr<MeetingEventHandler>> handlers;  // guarded by mutex
  std::shared_ptr<detail::ParticipantState> local_state = std::make_shared<detail::ParticipantState>();
  std::shared_ptr<detail::StreamState> local_audio;

  mutable std::mutex mutex;
  std::condition_variable state_changed;
  State state = State::Idle;
  std::optional<std::string> media_error;
  std::optional<std::string> local_offer;  // our SDP offer, once ICE gathering is done
  bool media_live = false;
  MeetingLeftInfo left_info;
  PublishStats final_stats;
  std::vector<std::shared_ptr<AudioSink>> mixed_sinks;  // guarded by mutex
  // Calls the sinks off the network thread; made with the first frame (loop thread).
  std::unique_ptr<AudioDelivery> delivery;
  // Decodes received video and calls its sinks off the network thread; made with the first
  // frame (loop thread), joined in ~Impl before the engine goes.
  std::unique_ptr<VideoDelivery> video_delivery;

  ~Impl();

  // Tasks posted to the loop hold this weakly: one that runs after the meeting is gone
  // (destroyed from a handler, or while the task waited) does nothing. Reset on the loop
  // thread in ~Impl, so no task is running when it goes.
  std::shared_ptr<Impl*> alive = std::make_shared<Impl*>(this);
  template <typename F>
  void post_task(F&& task) {
    loop->post([weak = std::weak_ptr<Impl*>(alive), task = std::forward<F>(task)]() mutable {
      if (auto self = weak.lock()) (*self)->contain("meeting task", [&] { task(**self); });
    });
  }

  // Runs the body of a callback from the loop (below us is C: libnice, libsoup, GLib): an
  // exception becomes on_error and a clean leave (meeting_faults.cpp), never a crash.
  template <typename F>
  void contain(const char* where, F&& body) noexcept {
    core::guard_callback(where, std::forward<F>(body), [this](const std::string& why) { fail_from_callback(why); });
  }
  void fail_from_callback(const std::string& why);

  // meeting_join.cpp
  void join();
  void join_steps();
  std::unique_ptr<signaling::RoomSignaling> make_signaling();
  /// Runs a signaling step from the caller's thread and waits for its outcome; a failure
  /// throws Error{Signaling} with the step's own message.
  template <typename T>
  T await_signaling(const std::string& what,
                    std::function<void(std::function<void(signaling::Result<T>)>)> start);
  void announce_joined(const signaling::RoomState& room);
  void publish();
  void teardown_after_failed_join();
  void on_media_connected();
  void start_video();

  // meeting_controls.cpp: mute, unmute and swap our tracks (user threads)
  struct Publishing {
    bool mic = true;     // what our offer sends (sendonly) or leaves inactive
    bool webcam = false;
  };
  Publishing publishing;  // guarded by controls_mutex
  // The same on the loop thread, as muted kinds: a rejoin's offer keeps them inactive, and
  // start_video() leaves a muted camera alone.
  struct Muted {
    bool mic = false;
    bool webcam = false;
  } muted;
  std::mutex controls_mutex;  // one control at a time
  void set_publishing(std::optional<bool> mic, std::optional<bool> webcam,
                      std::shared_ptr<CustomAudioTrack> audio_track, std::shared_ptr<CustomVideoTrack> camera_track);
  void local_stream_state(const std::string& id, const std::string& kind, bool enabled);
  void on_media_failed(const std::string& why);
  void on_publication_live();
  void on_publication_hangup(const std::string& why);
  void local_stream_enabled(bool enabled);
  bool state_is(State s);
  void on_connection_closed(const std::string& why);
  void begin_leave(const std::string& reason, bool error);
  void finish_leave(const std::string& reason, bool error);
  void release_loop_objects();
  void snapshot_stats();
  PublishStats collect_stats();
  void leave();

  template <typename F>
  void for_handlers(F&& f);

  // meeting_reconnect.cpp (loop thread)
  void start_reconnect(const std::string& why, bool media_lost);
  void reconnect_attempt();
  void reconnect_rejoin(uint64_t generation);
  void reconnect_publish(uint64_t generation);
  void reconnect_failed(uint64_t generation, const std::string& why);
  void reconnected(const std::string& how);
  void stop_reconnecting();
  void pause_media();
  void reconcile_room(const signaling::RoomState& room);
  /// Wraps a signaling outcome for an attempt: `next` runs only while that attempt is current.
  template <typename F>
  auto for_attempt(uint64_t generation, F next);
  peer::PeerSession::Callbacks publisher_callbacks();

  // meeting_remote.cpp (loop thread)
  void participant_joined(const signaling::RemoteParticipant& participant);
  void publication_seen(const signaling::RemotePublication& publication);
  void publisher_gone(const std::string& id);
  void participant_left(const std::string& id);
  void finish_feed(const std::string& id);
  void announce_left(const std::string& id);
  void subscribe(RemoteFeed& feed);
  void unsubscribe(RemoteFeed& feed, bool feed_gone = false);
  void on_subscription_offer(const std::string& sdp, const std::vector<signaling::ReceiveSlot>& slots,
                             signaling::RoomSignaling::AnswerReady done);
  void on_remote_rtp(const std::string& slot_mid, const rtp::RtpPacket& packet);
  void start_receive_tick();
  void stop_receive_tick();
  void on_receive_tick(uint64_t tick);
  bool receive_wanted();
  void receive_one_tick();
  void drop_remote_side();
  void subscription_failed(const std::string& why);
  void deliver_to(std::vector<std::shared_ptr<AudioSink>> sinks, const ReceivedAudioFrame& frame);

  // meeting_video.cpp (loop thread): remote video, subscribed when a sink wants it
  void video_stream_seen(RemoteFeed& feed, const std::string& feed_mid,
                         const std::shared_ptr<detail::StreamState>& stream);
  void subscribe_video(const std::string& feed_key, const std::string& feed_mid);
  void resubscribe_videos(RemoteFeed& feed);
  void map_video_slots(const std::vector<signaling::ReceiveSlot>& slots);
  void on_remote_video_rtp(const std::string& slot_mid, const rtp::RtpPacket& packet);
  void video_undecodable(const std::string& feed_key, const std::string& feed_mid);
  void drop_remote_video();

  // meeting_stats.cpp (loop thread)
  /// The RTCP view of a received stream (bytes, fraction lost, cumulative lost, jitter).
  void fill_rtcp_receive_stats(const RemoteFeed& feed, AudioReceiveStats& stats) const;
  MeetingStats collect_meeting_stats();
};

/// Throws Error{Signaling}: a request the server refused or did not answer.
[[noreturn]] void signaling_error(const std::string& message);
/// How long local steps of a join (ICE gathering) may take.
inline constexpr auto kRequestTimeout = std::chrono::seconds(10);
/// A backstop for a signaling step awaited from the caller's thread: each protocol request has
/// its own, shorter deadline, so this fires only if the protocol never reports at all.
inline constexpr auto kSignalingTimeout = std::chrono::seconds(90);

template <typename T>
T Meeting::Impl::await_signaling(const std::string& what,
                                 std::function<void(std::function<void(signaling::Result<T>)>)> start) {
  auto outcome = std::make_shared<std::promise<signaling::Result<T>>>();
  auto future = outcome->get_future();
  loop->call([&] {
    start([outcome, settled = std::make_shared<bool>(false)](signaling::Result<T> result) {
      if (std::exchange(*settled, true)) return;
      outcome->set_value(std::move(result));
    });
  });
  if (future.wait_for(kSignalingTimeout) != std::future_status::ready)
    signaling_error("the server at " + url + " gave no outcome for '" + what + "' within " +
                    std::to_string(kSignalingTimeout.count()) + " s");
  auto result = future.get();
  if (!result) signaling_error(result.error);
  return std::move(*result.value);
}

template <typename F>
auto Meeting::Impl::for_attempt(uint64_t generation, F next) {
  return [this, generation, next = std::move(next)](auto&&... args) mutable {
    if (generation != reconnect.generation || !state_is(State::Reconnecting)) return;
    contain("reconnect step", [&] { next(std::forward<decltype(args)>(args)...); });
  };
}

template <typename F>
void Meeting::Impl::for_handlers(F&& f) {
  std::vector<std::shared_ptr<MeetingEventHandler>> copy;
  {
    std::lock_guard lock(mutex);  // listeners may be added from any thread
    copy = handlers;
  }
  for (auto& h : copy) {
    try {
      f(*h);
    } catch (const std::exception& e) {
      core::log_warn("event handler threw: ", e.what());
    }
  }
}

}  // namespace roomcast
