// Meeting statistics: what we send and what we receive, from RTP and RTCP (Meeting::stats(),
// Meeting::publish_stats()).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roomcast/events.hpp"

namespace roomcast {

/// Our camera stream so far (PublishStats::video).
struct VideoPublishStats {
  uint64_t frames_sent = 0;        ///< encoded frames on the wire
  uint64_t keyframes_sent = 0;     ///< of which keyframes (periodic, and asked for)
  uint64_t packets_sent = 0;       ///< RTP packets, retransmissions not counted
  uint64_t bytes_sent = 0;         ///< RTP payload bytes
  uint64_t nacks_received = 0;     ///< the server's retransmission requests (RTCP NACK)
  uint64_t retransmissions = 0;    ///< packets sent again for them
  uint64_t retransmissions_rtx = 0;  ///< of those, sent as RTX (RFC 4588: the server took RTX)
  bool rtx = false;                ///< the server's answer kept RTX (else resent as they were)
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
  /// The pacer's rate (2.5 x the encoder's target): a frame's packets are spread at it, not burst.
  int pacing_rate_bps = 0;
  /// Packets a full pacer queue dropped (media stays in the history, so a NACK still recovers it).
  uint64_t pacer_dropped = 0;
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
  /// The ICE candidate pair carrying our media, local -> remote, each as type/transport
  /// (type host, srflx, prflx or relay; transport udp or tcp), and for a relay how we reach
  /// the TURN server: e.g. "relay/udp -> host/udp (TURN over tcp)". Empty until connected.
  std::string selected_candidate_pair;
};

/// What we receive from one remote participant's audio stream (see Stream::stats()).
struct RemoteAudioStats {
  std::string participant_id;  ///< the participant (Janus feed id)
  std::string display_name;    ///< the name it joined with
  std::string stream_id;       ///< the stream's id within the participant, e.g. "audio:0"
  AudioReceiveStats audio;     ///< packets, bytes, loss, jitter
};

/// Messages (Meeting::pubsub()) sent and received; payloads are never logged.
struct MessageStats {
  uint64_t messages_sent = 0;      ///< handed to our data channel
  uint64_t bytes_sent = 0;         ///< their bytes on the wire (envelope included)
  uint64_t messages_received = 0;  ///< for us, delivered to the subscriptions
  uint64_t bytes_received = 0;     ///< their bytes on the wire (envelope included)
  /// Received but not delivered: not an envelope (malformed, another format), or nobody
  /// subscribed to its topic.
  uint64_t messages_dropped = 0;
  uint64_t messages_not_for_us = 0;  ///< sent to other participants only (send_only)
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
  /// The ICE candidate pair of the receiving connection, as PublishStats::selected_candidate_pair
  /// (empty while we receive nothing).
  std::string receiving_candidate_pair;
  MessageStats messages;  ///< pubsub messages sent and received
};

}  // namespace roomcast
