// Meeting: join a room, publish the microphone track, follow events.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "roomcast/error.hpp"
#include "roomcast/events.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/meeting_stats.hpp"
#include "roomcast/pubsub.hpp"

namespace roomcast {

/// One participant's presence in a meeting: made by init_meeting(), joined with join().
/// Destroying it leaves the meeting.
class Meeting {
 public:
  ~Meeting();
  /// Meetings move; the moved-from one is empty.
  Meeting(Meeting&&) noexcept;
  /// Meetings move; the moved-from one is empty.
  Meeting& operator=(Meeting&&) noexcept;

  /// Adds a handler for the meeting's events (the SDK keeps it).
  void add_event_listener(std::shared_ptr<MeetingEventHandler> handler);
  /// Our own participant; add a ParticipantEventHandler to hear about our stream.
  Participant local_participant();
  /// Everyone else in the room right now.
  std::vector<Participant> participants() const;
  /// The room as one input: every remote participant's audio mixed ("everyone but
  /// me"), 48 kHz mono, one 20 ms frame every 20 ms while joined (silence included).
  void add_mixed_audio_sink(std::shared_ptr<AudioSink> sink);
  /// Start or stop receiving a participant's audio (for MeetingConfig::auto_subscribe
  /// = false). Harmless when already in that state or when it publishes no audio.
  void subscribe(const Participant& participant);
  /// Stop receiving a participant's audio (see subscribe()).
  void unsubscribe(const Participant& participant);

  /// Connects, joins the room and starts publishing; returns once the microphone
  /// stream is live (or throws roomcast::Error saying what failed and what to do).
  void join();

  /// Unmutes the microphone, as the seed SDK's enable_mic(): the others get
  /// on_stream_enabled and hear it again (the track is not read while muted: a file
  /// resumes where it was). Given a track, it is sent from now on instead of the current
  /// one (a swap without leaving: the RTP stream continues). Blocks until the server
  /// agreed (a renegotiation of our stream, about 10 ms on a LAN); throws roomcast::Error
  /// when not joined, called from an event handler (it would wait for itself), or refused.
  void enable_mic(std::shared_ptr<CustomAudioTrack> track = nullptr);
  /// Mutes the microphone: the others get on_stream_disabled; see enable_mic().
  void disable_mic();
  /// Turns the camera on (the seed SDK's enable_webcam()), with `track`, or the one
  /// configured (MeetingConfig::custom_camera_video_track) or last sent when null. A
  /// different track than the one being sent is a swap: the same video stream continues
  /// with the new picture (from a keyframe). The others get on_stream_enabled. Blocks and
  /// throws as enable_mic().
  void enable_webcam(std::shared_ptr<CustomVideoTrack> track = nullptr);
  /// Turns the camera off: the others get on_stream_disabled; audio goes on.
  void disable_webcam();
  /// Leaves the room cleanly (unpublish, leave, detach, destroy session). Idempotent.
  /// Blocks until done (a few seconds at most), except when called from an event
  /// handler, where it returns at once and on_meeting_left follows.
  void leave();

  /// Blocks until the meeting has been left: by leave(), at end of the track, by the
  /// server, or after `timeout`. Returns true if it was left.
  bool run_until_left(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// True between a successful join() and the end of the meeting.
  bool joined() const;
  /// Why the meeting ended, once it has (nullopt while joined or before join()).
  std::optional<MeetingLeftInfo> left_info() const;

  /// The meeting's messages, as the seed SDK's meeting.pubsub: publish(topic, message) to the
  /// others, subscribe(topic, handler) to theirs (see PubSub). Over WebRTC data channels
  /// relayed by the server (Janus VideoRoom; MeetingConfig::data_enabled).
  PubSub pubsub();
  /// Bytes to the others (LiveKit's publish_data): pubsub().publish_bytes(topic, ...).
  void send_data(std::span<const uint8_t> payload, const PubSubPublishOptions& options = {},
                 const std::string& topic = "data");
  /// Every message received, whatever its topic (pubsub().subscribe("*", handler)); returns
  /// the id for pubsub().unsubscribe().
  uint64_t on_data(PubSub::Handler handler);

  /// What we sent so far.
  PublishStats publish_stats() const;
  /// What we send and receive, with the RTCP figures (loss, jitter, round-trip time).
  /// Any thread; takes a snapshot on the network thread (microseconds).
  MeetingStats stats() const;
  /// The server URL in use (the embedded server's when none was configured).
  std::string server_url() const;

 private:
  friend Meeting init_meeting(MeetingConfig config);
  struct Impl;
  explicit Meeting(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Validates the config and prepares a meeting; join() connects.
Meeting init_meeting(MeetingConfig config);

}  // namespace roomcast
