// Publication: our side of a meeting. The microphone and camera tracks, their (maybe shared)
// encodes, the audio and video senders and the publishing PeerConnection; mute, unmute and
// swapping a track; and its continuation across a rejoin (same SSRCs, next sequence numbers,
// each track where it was). What goes to the server and when is the meeting's to decide.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/engine.hpp"
#include "media/encoded_track.hpp"
#include "media/encoded_video_track.hpp"
#include "meeting/participant_state.hpp"
#include "peer/audio_sender.hpp"
#include "peer/peer_session.hpp"
#include "peer/video_sender.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/meeting_stats.hpp"

namespace roomcast::meeting {

class Publication {
 public:
  /// What it needs of the meeting that owns it.
  struct Host {
    std::shared_ptr<engine::Engine> engine;
    MeetingConfig* config = nullptr;  // a swapped track becomes the configured one
    const ice::IceConfig* ice = nullptr;  // STUN/TURN servers for our PeerSessions
    std::shared_ptr<detail::ParticipantState> local;  // our own streams appear here
    /// A track ended (`error` false) or failed: the meeting leaves. Called from a task of its
    /// own, never inside a sender.
    std::function<void(const std::string& reason, bool error)> on_track_done;
    /// The publishing PeerConnection failed (ICE, DTLS). Called from a task of its own.
    std::function<void(const std::string& why)> on_media_failed;
    /// The publishing path stopped working (it may come back with an ICE restart), or came
    /// back. Called from tasks of their own.
    std::function<void(const std::string& why)> on_media_path_lost;
    std::function<void()> on_media_path_restored;
    /// Runs `task` on the loop later, while the meeting is there.
    std::function<void(std::function<void()> task)> post;
    /// An exception escaped a callback: the meeting's error path.
    std::function<void(const std::string& why)> on_fault;
    /// Our media path is up (ICE and DTLS), each time a PeerConnection connects.
    std::function<void()> on_media_connected;
    /// One of our message channels opened or closed (loop thread).
    std::function<void()> on_message_channels_changed;
  };

  /// What our offer sends (sendonly) or leaves inactive.
  struct Sending {
    bool mic = true;
    bool webcam = false;
  };

  /// A change of what we send (a control), prepared on the caller's thread.
  struct Change {
    Sending next;
    bool mic_given = false, webcam_given = false;  // which kinds the control is about
    std::shared_ptr<CustomAudioTrack> audio_track;     // a new microphone track, or null
    std::unique_ptr<media::EncodedTrack::Reader> audio_reader;  // its encode
    std::shared_ptr<CustomVideoTrack> camera_track;    // a new camera track, or null
    std::shared_ptr<media::EncodedVideoTrack> video;   // its encode
  };

  explicit Publication(Host host);
  ~Publication();
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;

  /// Caller's thread, before start(): opens the configured tracks' encodes, which run ahead
  /// while ICE and DTLS connect (meetings given the same track share one).
  void open_tracks();
  bool has_video() const { return video_track_ != nullptr; }
  /// Whether a PeerConnection was started (listen only: once a message was sent).
  bool started() const { return peer_ != nullptr; }

  // Loop thread.
  /// A new publishing PeerConnection (continuing the previous one's RTP streams after a
  /// rejoin, muted kinds inactive): `ready` gets its offer once candidates are gathered.
  void start(std::function<void(const std::string& offer)> ready);
  /// Applies the server's answer; the error text if it is unusable. A room that does not take
  /// our video (another codec) keeps the audio: said once in the log.
  std::optional<std::string> apply_answer(const std::string& sdp);
  /// Our media is live at the server, or went away: our own streams appear or go.
  void set_live(bool live);
  /// Our session is gone: each track pauses where it is, the RTP streams wait for start().
  void pause();
  /// Leaving: the senders stop, the PeerConnection closes (BYE).
  void stop();
  /// Everything goes (loop thread), then the encodes (any thread).
  void release_on_loop();
  void release_tracks();
  PublishStats stats(std::chrono::steady_clock::time_point join_started) const;
  std::optional<std::chrono::steady_clock::duration> round_trip_time() const;

  // Controls: prepare (caller's thread), offer and apply (loop thread).
  Change prepare(std::optional<bool> mic, std::optional<bool> webcam, std::shared_ptr<CustomAudioTrack> audio_track,
                 std::shared_ptr<CustomVideoTrack> camera_track) const;
  /// Null when there is no PeerConnection now (being re-established).
  std::optional<std::string> change_offer(const Change& change);
  /// Applies the server's answer to change_offer(); throws Error when it cannot be used.
  void apply_change(Change& change, const std::string& answer);
  /// The change without a new offer, for a protocol that cannot renegotiate (WHIP): what we
  /// send starts and stops on the sections as they are (a muted kind sends nothing). Throws
  /// Error{Config} for a change that needs a new section (a camera the session began without).
  void change_in_place(Change& change);
  Sending sending() const { return sending_; }  // guarded by the caller's control mutex

  /// Our open (or opening) channel for messages, reliable or not; null before our data
  /// section's association is up (loop thread).
  sctp::DataChannel* message_channel(bool reliable);

  // ICE restart (loop thread): the offer (nullopt: no PeerConnection to restart), then the answer.
  std::optional<std::string> ice_restart_offer();
  std::optional<std::string> apply_ice_restart_answer(const std::string& answer);

 private:
  void on_connected();
  /// What a change does once the PeerConnection carries it (after apply_change's answer).
  void apply_sending(Change& change);
  void start_video(std::optional<uint64_t> first_tick = std::nullopt);
  bool video_accepted() const;  // the server takes our video section
  void local_stream(const std::string& id, const std::string& kind, bool enabled);
  void open_message_channels();
  peer::PeerSession::Callbacks peer_callbacks();

  Host host_;
  core::EventLoop& loop_;
  std::unique_ptr<peer::PeerSession> peer_;
  std::string audio_mid_;                 // our sections in peer_ (no audio: listen only)
  std::optional<std::string> video_mid_;  // none: no camera offered in this session
  std::optional<std::string> data_mid_;  // our data channels' section, when offered
  // Our message channels in peer_'s association (ids: they live as long as it does).
  std::optional<uint16_t> reliable_channel_, unreliable_channel_;
  std::unique_ptr<peer::AudioSender> sender_;
  // Our place in the (maybe shared) encode of the microphone track, until the sender takes it.
  std::unique_ptr<media::EncodedTrack::Reader> track_reader_;
  // Our camera: the (maybe shared) encode, and the sender once the media path is up.
  std::shared_ptr<media::EncodedVideoTrack> video_track_;
  std::unique_ptr<peer::VideoSender> video_sender_;
  std::optional<peer::RtpContinuation> continuation_;  // our stream goes on in the next session
  uint64_t packets_before_ = 0, bytes_before_ = 0;     // sent in earlier sessions
  bool live_ = false;
  Sending sending_;  // what the controls asked for (the caller's threads, under their mutex)
  // The same on the loop thread, as muted kinds: a rejoin's offer keeps them inactive, and
  // start_video() leaves a muted camera alone.
  struct Muted {
    bool mic = false;
    bool webcam = false;
  } muted_;
};

}  // namespace roomcast::meeting
