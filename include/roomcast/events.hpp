// Participants, their streams, received audio, and the event handlers (seed SDK shape).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace roomcast {

/// 20 ms of decoded audio from a remote participant, or of the room mix.
struct ReceivedAudioFrame {
  std::span<const int16_t> samples;  ///< 960 mono samples (valid during the callback only)
  int sample_rate_hz = 48000;
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
  virtual void on_audio_frame(const ReceivedAudioFrame& frame) = 0;
};

/// What the receive side of one audio stream did so far.
struct AudioReceiveStats {
  uint64_t packets_received = 0;
  uint64_t packets_lost = 0;        ///< never arrived in time
  uint64_t packets_late = 0;        ///< arrived after their playout time (dropped)
  uint64_t frames_played = 0;       ///< 20 ms frames handed to sinks
  uint64_t frames_concealed = 0;    ///< of those, not decoded from their own packet: PLC or FEC
  uint64_t frames_fec = 0;          ///< of frames_concealed, recovered from the next packet's FEC
};

namespace detail {
struct StreamState;
struct ParticipantState;
}  // namespace detail

/// A media stream of a participant ("audio" or "video").
class Stream {
 public:
  explicit Stream(std::shared_ptr<detail::StreamState> state) : state_(std::move(state)) {}
  const std::string& id() const;
  /// "audio" or "video".
  const std::string& kind() const;
  const std::string& participant_id() const;
  bool is_local() const;
  /// Remote audio only: decoded PCM, 48 kHz mono, exact 20 ms frames. Needs the stream
  /// to be subscribed (automatic unless MeetingConfig::auto_subscribe is false).
  void add_sink(std::shared_ptr<AudioSink> sink) const;
  AudioReceiveStats stats() const;

 private:
  std::shared_ptr<detail::StreamState> state_;
};

class ParticipantEventHandler {
 public:
  virtual ~ParticipantEventHandler() = default;
  virtual void on_stream_enabled(const Stream&) {}
  virtual void on_stream_disabled(const Stream&) {}
};

/// Someone in the meeting, local or remote. A cheap handle: copies refer to the same one.
class Participant {
 public:
  explicit Participant(std::shared_ptr<detail::ParticipantState> state) : state_(std::move(state)) {}
  const std::string& id() const;
  const std::string& display_name() const;
  bool is_local() const;
  /// Streams currently enabled.
  std::vector<Stream> streams() const;
  void add_event_listener(std::shared_ptr<ParticipantEventHandler> handler);

 private:
  std::shared_ptr<detail::ParticipantState> state_;
};

/// Why the meeting ended for us.
struct MeetingLeftInfo {
  std::string reason;  ///< "left", "end of stream", "the server closed the connection", ...
  bool error = false;  ///< true when the meeting ended because something failed
};

struct MeetingJoinedInfo {
  std::string meeting_id;
  std::string participant_id;  ///< our own id in the room
  std::string server_url;      ///< the server in use (the embedded one's when none was set)
};

/// The connection to the meeting was lost; roomcast is getting it back (MeetingConfig::reconnect).
struct ReconnectingInfo {
  std::string reason;  ///< what was lost, e.g. "the server closed the connection"
};

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
  virtual void on_meeting_joined(const MeetingJoinedInfo&) {}
  virtual void on_meeting_left(const MeetingLeftInfo&) {}
  /// For everyone already in the room at join time, and for later arrivals. Add a
  /// ParticipantEventHandler here to hear about their streams.
  virtual void on_participant_joined(Participant) {}
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
