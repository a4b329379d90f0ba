// The --stats line: fields, units, nulls; and its once-a-second schedule on absolute deadlines.
#include "cli/stats_printer.hpp"

#include <gtest/gtest.h>

namespace roomcast::cli {
namespace {

using namespace std::chrono_literals;

TEST(StatsPrinter, SendingAndReceivingFields) {
  MeetingStats stats;
  stats.publishing = true;
  stats.sending.packets_sent = 250;
  stats.sending.bytes_sent = 20000;
  stats.sending.remote_fraction_lost = 13 / 256.0;
  stats.sending.remote_packets_lost = 12;
  stats.sending.remote_jitter_ms = 0.4375;
  stats.sending.round_trip_time = std::chrono::microseconds(1250);
  stats.sending.receiver_reports = 4;
  stats.sending.selected_candidate_pair = "relay/udp -> host/udp (TURN over tcp)";
  stats.receiving_candidate_pair = "host/udp -> host/udp";
  RemoteAudioStats remote;
  remote.participant_id = "42";
  remote.display_name = "alice";
  remote.stream_id = "audio:0";
  remote.audio.packets_received = 100;
  remote.audio.bytes_received = 8000;
  remote.audio.cumulative_lost = 5;
  remote.audio.fraction_lost = 0.05078125;
  remote.audio.jitter_ms = 1.23456;
  stats.receiving.push_back(remote);

  const auto j = stats_json(stats, 3.0004);
  EXPECT_EQ(j["type"], "stats");
  EXPECT_DOUBLE_EQ(j["t"].get<double>(), 3.0);
  EXPECT_EQ(j["sending"]["packets_sent"], 250);
  EXPECT_EQ(j["sending"]["bytes_sent"], 20000);
  EXPECT_DOUBLE_EQ(j["sending"]["fraction_lost"].get<double>(), 0.051);
  EXPECT_EQ(j["sending"]["packets_lost"], 12);
  EXPECT_DOUBLE_EQ(j["sending"]["jitter_ms"].get<double>(), 0.438);
  EXPECT_DOUBLE_EQ(j["sending"]["rtt_ms"].get<double>(), 1.25);
  EXPECT_EQ(j["sending"]["receiver_reports"], 4);
  EXPECT_EQ(j["sending"]["candidate_pair"], "relay/udp -> host/udp (TURN over tcp)");
  EXPECT_EQ(j["receiving_candidate_pair"], "host/udp -> host/udp");
  EXPECT_TRUE(j["sending"]["video"].is_null()) << "no camera";
  ASSERT_EQ(j["receiving"].size(), 1u);
  const auto& r = j["receiving"][0];
  EXPECT_EQ(r["participant_id"], "42");
  EXPECT_EQ(r["name"], "alice");
  EXPECT_EQ(r["packets_received"], 100);
  EXPECT_EQ(r["bytes_received"], 8000);
  EXPECT_EQ(r["packets_lost"], 5);
  EXPECT_DOUBLE_EQ(r["fraction_lost"].get<double>(), 0.051);
  EXPECT_DOUBLE_EQ(r["jitter_ms"].get<double>(), 1.235);
  EXPECT_TRUE(r["rtt_ms"].is_null());  // RFC 3550 gives a receiver no round-trip time
}

TEST(StatsPrinter, CameraStreamFigures) {
  MeetingStats stats;
  stats.publishing = true;
  VideoPublishStats video;
  video.frames_sent = 300;
  video.keyframes_sent = 4;
  video.nacks_received = 7;
  video.retransmissions = 9;
  video.retransmissions_rtx = 8;
  video.rtx = true;
  video.pacing_rate_bps = 1600000;
  video.pacer_dropped = 3;
  video.keyframe_requests = 2;
  video.bitrate_bps = 640000;
  video.remb_bps = 1500000;
  stats.sending.video = video;
  const auto v = stats_json(stats, 1)["sending"]["video"];
  EXPECT_EQ(v["frames_sent"], 300);
  EXPECT_EQ(v["keyframes_sent"], 4);
  EXPECT_EQ(v["nacks_received"], 7);
  EXPECT_EQ(v["retransmissions"], 9);
  EXPECT_EQ(v["retransmissions_rtx"], 8);
  EXPECT_EQ(v["rtx"], true);
  EXPECT_EQ(v["pacing_rate_bps"], 1600000);
  EXPECT_EQ(v["pacer_dropped"], 3);
  EXPECT_EQ(v["keyframe_requests"], 2);
  EXPECT_EQ(v["bitrate_bps"], 640000);
  EXPECT_EQ(v["remb_bps"], 1500000);
}

TEST(StatsPrinter, ListenerHasNoSendingAndUnknownRttIsNull) {
  MeetingStats stats;
  auto j = stats_json(stats, 1);
  EXPECT_TRUE(j["sending"].is_null());
  EXPECT_TRUE(j["receiving"].is_array());
  EXPECT_TRUE(j["receiving_candidate_pair"].is_null()) << "nothing received: no pair";
  stats.publishing = true;
  j = stats_json(stats, 1);
  EXPECT_TRUE(j["sending"]["rtt_ms"].is_null());
}

TEST(StatsPrinter, OneLinePerSecondOnAbsoluteDeadlines) {
  const StatsSchedule::Clock::time_point start{std::chrono::seconds(50)};
  StatsSchedule schedule(start);
  EXPECT_FALSE(schedule.due(start));
  EXPECT_FALSE(schedule.due(start + 999ms));
  EXPECT_TRUE(schedule.due(start + 1090ms));  // a late poll
  EXPECT_FALSE(schedule.due(start + 1500ms));
  EXPECT_TRUE(schedule.due(start + 2010ms));  // the next deadline is 2 s, not 2.09 s
  // A poll 3 s late gives one line, not a burst.
  EXPECT_TRUE(schedule.due(start + 5500ms));
  EXPECT_FALSE(schedule.due(start + 5900ms));
  EXPECT_TRUE(schedule.due(start + 6000ms));
  EXPECT_DOUBLE_EQ(schedule.elapsed_s(start + 2500ms), 2.5);
}

}  // namespace
}  // namespace roomcast::cli
