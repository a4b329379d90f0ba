// Meeting: join a room, publish the microphone track, follow events.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "roomcast/error.hpp"
#include "roomcast/events.hpp"
#include "roomcast/meeting_config.hpp"

namespace roomcast {

/// Our camera stream so far (PublishStats::video).
struct VideoPublishStats {
  uint64_t frames_sent = 0;        ///< encoded frames on the wire
  uint64_t keyframes_sent = 0;     ///< of which keyframes (periodic, and asked for)
  uint64_t packets_sent = 0;       ///< RTP packets, retransmissions not counted
  uint64_t bytes_sent = 0;         ///< RTP payload bytes
  uint64_t nacks_received = 0;     ///< the server's retransmission requests (RTCP NACK)
  uint64_t retransmissions = 0;    ///< packets sent again for them
  uint64_t keyframe_requests = 0;  ///< PLI and FIR from the server
  uint64_t frames_late = 0;        ///< frames left out: their time had passed (encoder behind)
  /// Video copied from a file (FileVideoTrack / FileMedia video copy): keyframe requests that
  /// had to wait for the file's next keyframe (nothing encodes one on demand).
  uint64_t keyframe_requests_unanswered = 0;
  int bitrate_bps = 0;             ///< the encoder's current target
  std::optional<int> remb_bps;     ///< the server's latest bandwidth estimate (REMB)
  double fraction_lost = 0;        ///< loss on our video, in the server's latest receiver report
  /// What that loss allows (halved loss cut above 10 %, +8 %/s below 2 %); the encoder's
  /// target is the lowest of this, remb_bps and VideoSettings::max_bitrate_bps.
  int loss_estimate_bps = 0;
};

/// Counters of what we sent, for progress displays and tests.
struct PublishStats {
  uint64_t frames_sent = 0;      ///< 20 ms Opus frames
  uint64_t packets_sent = 0;     ///< RTP packets
  uint64_t bytes_sent = 0;       ///< RTP payload bytes
  uint64_t late_frames = 0;      ///< frames sent after their deadline (scheduler was late)
  uint64_t underruns = 0;        ///< ticks where the track had no audio ready
  uint64_t fec_frames = 0;       ///< frames sent with in-band FEC (MeetingConfig::opus_fec)
  /// Fraction of our packets the server last reported lost (RTCP receiver report, 0..1):
  /// lost in the report's interval (about a second), RFC 3550 §6.4.1.
  double remote_fraction_lost = 0;
  /// Our packets the server counts lost since we started sending (expected - received from
  /// its latest receiver report; negative when it got duplicates). Per media connection: a
  /// rejoin starts it again.
  int64_t remote_packets_lost = 0;
  /// Interarrival jitter of our stream as the server measures it (RFC 3550 §6.4.1, A.8),
  /// in milliseconds (its RTP-timestamp figure / 48).
  double remote_jitter_ms = 0;
  /// Round-trip time to the server from its latest receiver report about our stream
  /// (RFC 3550 §6.4.1: arrival - LSR - DLSR, against our sender reports' NTP times);
  /// nullopt until a report answers one of our sender reports.
  std::optional<std::chrono::microseconds> round_trip_time;
  /// Receiver reports about our stream received so far (about one a second).
  uint64_t receiver_reports = 0;
  /// From join() to our first RTP packet on the wire.
  std::optional<std::chrono::milliseconds> time_to_first_packet;
  std::chrono::milliseconds position{0};  ///< audio time sent so far
  std::optional<std::chrono::milliseconds> duration;  ///< length of the track, if known
  /// Our camera stream, when webcam_enabled and the server takes it.
  std::optional<VideoPublishStats> video;
};

/// What we receive from one remote participant's audio stream (see Stream::stats()).
struct RemoteAudioStats {
  std::string participant_id;  ///< the participant (Janus feed id)
  std::string display_name;    ///< the name it joined with
  std::string stream_id;       ///< the stream's id within the participant, e.g. "audio:0"
  AudioReceiveStats audio;     ///< packets, bytes, loss, jitter
};

/// Everything Meeting::stats() reports: what we send and what we receive, per participant.
/// Figures come from RTP and RTCP (RFC 3550 §6.4): our sender reports and the server's
/// receiver reports about our stream; our own receive counters, from which our receiver
/// reports (about every second) tell the server loss, jitter and, via LSR/DLSR, its
/// round-trip time to us. A receiver cannot measure the round-trip time itself in RFC 3550
/// (only the sender of SRs can), so the received streams carry none; `sending` has ours.
struct MeetingStats {
  bool publishing = false;  ///< true when we publish a microphone stream (`sending` is ours)
  PublishStats sending;     ///< our microphone stream (all zero when not publishing)
  /// Every remote audio stream we are subscribed to (or still playing out), by participant.
  std::vector<RemoteAudioStats> receiving;
};

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
