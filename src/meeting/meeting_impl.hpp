// Meeting::Impl: one meeting: joining, our publication, staying in the room, leaving. The
// remote side is meeting::Subscription; the server's protocol is signaling::RoomSignaling.
#pragma once

#include <atomic>
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
#include "engine/engine.hpp"
#include "ice/ice_config.hpp"
#include "media/encoded_track.hpp"
#include "meeting/participant_state.hpp"
#include "meeting/subscription.hpp"
#include "meeting/publication.hpp"
#include "meeting/pubsub_hub.hpp"
#include "roomcast/meeting.hpp"
#include "server/embedded_janus.hpp"
#include "signaling/room_signaling.hpp"

namespace roomcast {

struct Meeting::Impl {
  enum class State { Idle, Joining, Joined, Reconnecting, Leaving, Left };

  MeetingConfig config;
  // config.ice_servers by address, resolved when joining (before the first PeerSession).
  ice::IceConfig ice_config;
  uint64_t room_id = 0;
  // The process's engine; released in ~Impl (maybe on the loop thread, see Engine::release).
  std::shared_ptr<engine::Engine> engine = engine::Engine::acquire();
  core::EventLoop* const loop = &engine->loop();
  std::unique_ptr<server::EmbeddedJanus> embedded;
  std::string url;

  // Loop thread once created: the server's protocol (Janus VideoRoom today).
  std::unique_ptr<signaling::RoomSignaling> signaling;
  std::chrono::steady_clock::time_point join_started;
  std::shared_ptr<core::Timer> leave_guard;

  // Getting back into the meeting (meeting_reconnect.cpp; loop thread).
  struct Reconnect {
    uint64_t generation = 0;  // the attempt under way; replies to older ones are dropped
    int attempts = 0;
    std::chrono::milliseconds delay{500};
    std::chrono::steady_clock::time_point since;
    std::chrono::steady_clock::time_point connected_at;  // the current attempt's connection
    std::string reason;
    bool media_lost = false;        // our session's media path is gone: rejoin, not reclaim
    bool awaiting_media = false;    // the new publisher PeerConnection waits for webrtcup
    bool ice_restart = false;       // our media path stopped: restart ICE before rejoining
    std::chrono::steady_clock::time_point path_lost_at;
    std::unique_ptr<core::Timer> retry;     // the next attempt
    std::unique_ptr<core::Timer> deadline;  // the current attempt's time limit
  };
  Reconnect reconnect;

  std::vector<std::shared_ptr<MeetingEventHandler>> handlers;  // guarded by mutex
  std::shared_ptr<detail::ParticipantState> local_state = std::make_shared<detail::ParticipantState>();

  mutable std::mutex mutex;
  std::condition_variable state_changed;
  State state = State::Idle;
  std::optional<std::string> media_error;
  std::optional<std::string> local_offer;  // our SDP offer, once ICE gathering is done
  bool media_live = false;
  MeetingLeftInfo left_info;
  PublishStats final_stats;

  // Our side: tracks, senders, the publishing PeerConnection (loop thread unless said).
  std::unique_ptr<meeting::Publication> publication = make_publication();
  std::unique_ptr<meeting::Publication> make_publication();
  // The remote side: who is in the room and what we receive of them (loop thread).
  std::unique_ptr<meeting::Subscription> subscription = make_subscription();
  std::unique_ptr<meeting::Subscription> make_subscription();
  // Messages (pubsub_hub.cpp): users' PubSub handles share it; closed in ~Impl.
  std::shared_ptr<PubSub::Impl> pubsub = make_pubsub();
  std::shared_ptr<PubSub::Impl> make_pubsub();
  std::optional<std::string> cannot_send_messages();
  void publish_data_only();
  std::atomic<bool> data_only_published{false};  // listen only, but our messages are published

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
  void adopt_server_ice(const std::vector<IceServer>& offered);
  /// Runs a signaling step from the caller's thread and waits for its outcome; a failure
  /// throws Error{Signaling} with the step's own message.
  template <typename T>
  T await_signaling(const std::string& what,
                    std::function<void(std::function<void(signaling::Result<T>)>)> start);
  void announce_joined(const signaling::RoomState& room);
  void publish();
  void teardown_after_failed_join();

  // meeting_controls.cpp: mute, unmute and swap our tracks (user threads)
  std::mutex controls_mutex;  // one control at a time
  void set_publishing(std::optional<bool> mic, std::optional<bool> webcam,
                      std::shared_ptr<CustomAudioTrack> audio_track, std::shared_ptr<CustomVideoTrack> camera_track);
  void on_media_failed(const std::string& why);
  void on_media_path_lost(const std::string& why);
  void on_media_path_restored();
  void on_publication_live();
  void on_publication_hangup(const std::string& why);
  bool state_is(State s);
  void on_connection_closed(const std::string& why);
  void begin_leave(const std::string& reason, bool error);
  void finish_leave(const std::string& reason, bool error);
  void release_loop_objects();
  void snapshot_stats();
  void leave();

  template <typename F>
  void for_handlers(F&& f);

  // meeting_reconnect.cpp (loop thread)
  void start_reconnect(const std::string& why, bool media_lost);
  void reconnect_attempt();
  void reconnect_rejoin(uint64_t generation);
  void reconnect_ice_restart(uint64_t generation);
  void reconnect_publish(uint64_t generation);
  void reconnect_failed(uint64_t generation, const std::string& why);
  void reconnected(const std::string& how);
  void stop_reconnecting();
  void pause_media();
  /// Wraps a signaling outcome for an attempt: `next` runs only while that attempt is current.
  template <typename F>
  auto for_attempt(uint64_t generation, F next);

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
