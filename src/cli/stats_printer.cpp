// The `--stats` JSON line and its once-a-second schedule.
#include "cli/stats_printer.hpp"

#include <cmath>

namespace roomcast::cli {
namespace {

double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

nlohmann::json video_json(const std::optional<VideoPublishStats>& video) {
  if (!video) return nullptr;
  const VideoPublishStats& v = *video;
  return {{"frames_sent", v.frames_sent},       {"keyframes_sent", v.keyframes_sent},
          {"packets_sent", v.packets_sent},     {"bytes_sent", v.bytes_sent},
          {"nacks_received", v.nacks_received}, {"retransmissions", v.retransmissions},
          {"retransmissions_rtx", v.retransmissions_rtx}, {"rtx", v.rtx},
          {"pacing_rate_bps", v.pacing_rate_bps}, {"pacer_dropped", v.pacer_dropped},
          {"keyframe_requests", v.keyframe_requests}, {"frames_late", v.frames_late},
          {"keyframe_requests_unanswered", v.keyframe_requests_unanswered},
          {"bitrate_bps", v.bitrate_bps},
          {"remb_bps", v.remb_bps ? nlohmann::json(*v.remb_bps) : nlohmann::json()},
          {"fraction_lost", v.fraction_lost}, {"loss_estimate_bps", v.loss_estimate_bps}};
}

nlohmann::json sending_json(const PublishStats& s) {
  return {{"packets_sent", s.packets_sent},
          {"bytes_sent", s.bytes_sent},
          {"frames_sent", s.frames_sent},
          {"late_frames", s.late_frames},
          {"fec_frames", s.fec_frames},
          // From the server's RTCP receiver reports about our stream (RFC 3550 §6.4.1).
          {"receiver_reports", s.receiver_reports},
          {"fraction_lost", round3(s.remote_fraction_lost)},
          {"packets_lost", s.remote_packets_lost},
          {"jitter_ms", round3(s.remote_jitter_ms)},
          {"rtt_ms", s.round_trip_time ? nlohmann::json(round3(s.round_trip_time->count() / 1000.0))
                                       : nlohmann::json()},
          // The ICE pair carrying it, e.g. "relay/udp -> host/udp (TURN over udp)".
          {"candidate_pair", s.selected_candidate_pair},
          // Our camera stream (null without video).
          {"video", video_json(s.video)}};
}

nlohmann::json receiving_json(const RemoteAudioStats& r) {
  const AudioReceiveStats& a = r.audio;
  return {{"participant_id", r.participant_id},
          {"name", r.display_name},
          {"stream_id", r.stream_id},
          {"packets_received", a.packets_received},
          {"bytes_received", a.bytes_received},
          {"packets_lost", a.cumulative_lost},
          {"fraction_lost", round3(a.fraction_lost)},
          {"jitter_ms", round3(a.jitter_ms)},
          // RFC 3550 measures the round trip only at the sender of SRs: not here.
          {"rtt_ms", nullptr},
          {"packets_late", a.packets_late},
          {"frames_played", a.frames_played},
          {"frames_concealed", a.frames_concealed}};
}

}  // namespace

nlohmann::json stats_json(const MeetingStats& stats, double elapsed_s) {
  nlohmann::json receiving = nlohmann::json::array();
  for (const auto& r : stats.receiving) receiving.push_back(receiving_json(r));
  return {{"type", "stats"},
          {"t", round3(elapsed_s)},
          {"sending", stats.publishing ? sending_json(stats.sending) : nlohmann::json()},
          {"receiving", std::move(receiving)},
          {"receiving_candidate_pair", stats.receiving_candidate_pair.empty()
                                           ? nlohmann::json()
                                           : nlohmann::json(stats.receiving_candidate_pair)},
          {"messages", {{"messages_sent", stats.messages.messages_sent},
                        {"bytes_sent", stats.messages.bytes_sent},
                        {"messages_received", stats.messages.messages_received},
                        {"bytes_received", stats.messages.bytes_received},
                        {"messages_dropped", stats.messages.messages_dropped},
                        {"messages_not_for_us", stats.messages.messages_not_for_us}}}};
}

bool StatsSchedule::due(Clock::time_point now) {
  if (now < next_) return false;
  const auto missed = (now - next_) / kInterval;  // whole intervals overslept
  next_ += kInterval * (missed + 1);
  return true;
}

}  // namespace roomcast::cli
