// Participants, their streams, received audio, and the event handlers (seed SDK shape).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "roomcast/video_sink.hpp"

namespace roomcast {

/// 20 ms of decoded audio from a remote participant, or of the room mix.
struct ReceivedAudioFrame {
  std::span<const int16_t> samples;  ///< 960 mono samples (valid during the callback only)
  int sample_rate_hz = 48000;  ///< always 48000
  /// Position of samples[0] in the stream, counted in samples from the stream's start.
  uint64_t timestamp_samples = 0;
  /// True when packet-loss concealment or FEC produced (part of) this frame.
  bool concealed = false;
};

/// Receives decoded audio, 20 ms at a time, on a thread of the meeting's own (not the
/// network thread): a sink that takes long delays only its own meeting's sinks. A sink more
/// than a second behind loses its oldest frames. Copy the samples out; they are valid
/// during the call only.
class AudioSink {
 public:
  virtual ~AudioSink() = default;
  /// One frame; `frame.samples` is valid during the call only.
  virtual void on_audio_frame(const ReceivedAudioFrame& frame) = 0;
};

/// What the receive side of one audio stream did so far.
struct AudioReceiveStats {
  uint64_t packets_received = 0;    ///< RTP packets that arrived
  uint64_t packets_lost = 0;        ///< never arrived in time
  uint64_t packets_late = 0;        ///< arrived after their playout time (dropped)
  uint64_t frames_played = 0;       ///< 20 ms frames handed to sinks
  uint64_t frames_concealed = 0;    ///< of those, not decoded from their own packet: PLC or FEC
  uint64_t frames_fec = 0;          ///< of frames_concealed, recovered from the next packet's FEC
  /// RTP payload bytes that arrived (from the server, on our subscription). This and the
  /// RTCP figures below count per subscription: after a reconnect they start again.
  uint64_t bytes_received = 0;
  /// Fraction of packets lost in our latest receiver report's interval (about a second),
  /// 0..1 (RFC 3550 §6.4.1 "fraction lost", A.3); 0 before the first report.
  double fraction_lost = 0;
  /// Packets lost since the stream started as RTCP counts them: expected (from the highest
  /// sequence number) minus received (RFC 3550 A.3), what our receiver reports carry.
  int64_t cumulative_lost = 0;
  /// Interarrival jitter of the stream as it reaches us, in milliseconds (RFC 3550 §6.4.1,
  /// A.8, from arrival times and the 48 kHz RTP timestamps).
  double jitter_ms = 0;
};

namespace detail {
struct StreamState;
struct ParticipantState;
}  // namespace detail

/// A media stream of a participant ("audio" or "video").
class Stream {
 public:
  /// Made by the SDK; you receive streams in ParticipantEventHandler callbacks.
  explicit Stream(std::shared_ptr<detail::StreamState> state) : state_(std::move(state)) {}
  /// The stream's id within its participant (the SDP mid).
  const std::string& id() const;
  /// "audio" or "video".
  const std::string& kind() const;
  /// The id of the participant it belongs to.
  const std::string& participant_id() const;
  /// True for our own (published) stream.
  bool is_local() const;
  /// Remote audio only: decoded PCM, 48 kHz mono, exact 20 ms frames. Needs the stream
  /// to be subscribed (automatic unless MeetingConfig::auto_subscribe is false). Throws
  /// roomcast::Error (Config) on a video stream.
  void add_sink(std::shared_ptr<AudioSink> sink) const;
  /// Remote video only: decoded I420 pictures. Video nobody sinks is not received; the first
  /// sink subscribes to the stream (whatever MeetingConfig::auto_subscribe says) and the server
  /// is asked for a keyframe, so pictures follow within about a round trip. Throws
  /// roomcast::Error (Config) on an audio stream.
  void add_sink(std::shared_ptr<VideoSink> sink) const;
  /// Receive counters of this stream (zero for local and video streams).
  AudioReceiveStats stats() const;

 private:
  std::shared_ptr<detail::StreamState> state_;
};

/// What happens to one participant's streams. Override what you need; every callback has an
/// empty default and runs on the SDK's network thread: return quickly, do not block.
class ParticipantEventHandler {
 public:
  virtual ~ParticipantEventHandler() = default;
  /// The participant started publishing `stream` (ours: once our audio is live).
  virtual void on_stream_enabled(const Stream&) {}
  /// The participant stopped publishing `stream`.
  virtual void on_stream_disabled(const Stream&) {}
};

/// Someone in the meeting, local or remote. A cheap handle: copies refer to the same one.
class Participant {
 public:
  /// Made by the SDK; you receive participants from Meeting and MeetingEventHandler.
  explicit Participant(std::shared_ptr<detail::ParticipantState> state) : state_(std::move(state)) {}
  /// The participant's id in the room (Janus feed id).
  const std::string& id() const;
  /// The name it joined with.
  const std::string& display_name() const;
  /// True for ourselves.
  bool is_local() const;
  /// Streams currently enabled.
  std::vector<Stream> streams() const;
  /// Adds a handler for this participant's stream events (the SDK keeps it).
  void add_event_listener(std::shared_ptr<ParticipantEventHandler> handler);
  /// The participant's latest decoded video picture as PNG (RGB, its own size); nullopt
  /// before one was decoded (its video stream needs a sink: Stream::add_sink). Any thread;
  /// encodes on the caller's. Throws roomcast::Error (Media) if FFmpeg cannot encode it.
  std::optional<std::vector<uint8_t>> capture_image() const;

 private:
  std::shared_ptr<detail::ParticipantState> state_;
};

/// Why the meeting ended for us.
struct MeetingLeftInfo {
  std::string reason;  ///< "left", "end of stream", "the server closed the connection", ...
  bool error = false;  ///< true when the meeting ended because something failed
};

/// What on_meeting_joined reports.
struct MeetingJoinedInfo {
  std::string meeting_id;      ///< the room joined
  std::string participant_id;  ///< our own id in the room
  std::string server_url;      ///< the server in use (the embedded one's when none was set)
};

/// The connection to the meeting was lost; roomcast is getting it back (MeetingConfig::reconnect).
struct ReconnectingInfo {
  std::string reason;  ///< what was lost, e.g. "the server closed the connection"
};

/// What on_reconnected reports: how we got back and what it took.
struct ReconnectedInfo {
  /// "session reclaimed": a new WebSocket took our session back, media never stopped;
  /// "rejoined": a new session joined again (same participant id) and our audio is live.
  std::string how;
  int attempts = 0;                  ///< connection attempts it took
  std::chrono::milliseconds downtime{0};  ///< from losing the connection to being back
  /// From the server accepting the successful attempt's connection to being back.
  std::chrono::milliseconds last_attempt{0};
};

/// Override what you need; every callback has an empty default.
/// Callbacks run on the SDK's network thread: return quickly, do not block.
class MeetingEventHandler {
 public:
  virtual ~MeetingEventHandler() = default;
  /// We are in the room (our audio goes live right after).
  virtual void on_meeting_joined(const MeetingJoinedInfo&) {}
  /// The meeting ended for us: by leave(), at end of the track, or by a failure.
  virtual void on_meeting_left(const MeetingLeftInfo&) {}
  /// For everyone already in the room at join time, and for later arrivals. Add a
  /// ParticipantEventHandler here to hear about their streams.
  virtual void on_participant_joined(Participant) {}
  /// A remote participant left the room.
  virtual void on_participant_left(Participant) {}
  /// The loudest active remote speaker changed; nullopt when nobody speaks.
  virtual void on_speaker_changed(const std::optional<std::string>& participant_id) {
    (void)participant_id;
  }
  /// Lost the server or the media path; reconnect attempts follow. While reconnecting,
  /// Meeting::joined() is false and the track does not advance (a rejoin resumes it where it was).
  virtual void on_reconnecting(const ReconnectingInfo&) {}
  /// Back in the meeting; subscriptions are restored.
  virtual void on_reconnected(const ReconnectedInfo&) {}
  /// Something failed after join(); on_meeting_left follows if the meeting cannot go on.
  virtual void on_error(const std::string& message) { (void)message; }
};

}  // namespace roomcast
