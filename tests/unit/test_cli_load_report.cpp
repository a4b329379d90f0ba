// Load report: record round trips and errors, junk lines, duplicates, percentiles, shard merges.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cli/load_report.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

using nlohmann::json;

ParticipantRecord publisher(const std::string& shard, int index, double join_ms,
                            double first_rtp_ms) {
  ParticipantRecord r;
  r.shard = shard;
  r.run = "run";
  char name[32];
  std::snprintf(name, sizeof name, "load-run-p%05d", index);
  r.name = name;
  r.room = 1234;
  r.joined = true;
  r.join_ms = join_ms;
  r.first_rtp_ms = first_rtp_ms;
  r.frames_sent = 250;
  r.late_frames = index % 2;
  r.underruns = 0;
  r.video_frames_sent = 300;  // load --video
  return r;
}

ParticipantRecord listener(const std::string& shard, int index) {
  ParticipantRecord r;
  r.shard = shard;
  r.run = "run";
  r.name = "load-run-l000" + std::to_string(index);
  r.room = 1234;
  r.listener = true;
  r.joined = true;
  r.join_ms = 100 + index;
  r.streams = 3;
  r.packets_received = 990;
  r.packets_lost = 10;
  r.frames_played = 1000;
  r.frames_concealed = 20;
  r.frames_fec = 5;
  return r;
}

ProcessRecord process(const std::string& shard, int publishers, int listeners, double cpu,
                      uint64_t rss) {
  ProcessRecord r;
  r.shard = shard;
  r.run = "run";
  r.publishers = publishers;
  r.listeners = listeners;
  r.encode = "shared";
  r.wall_s = 12.5;
  r.steady_window_s = 8;
  r.cpu_percent = cpu;
  r.rss_bytes = rss;
  r.peak_rss_bytes = rss + 1000;
  return r;
}

/// What two shards of a 6-publisher, 2-listener run print, with logs and progress between.
std::vector<std::string> shard_lines(int shard) {
  const std::string name = std::to_string(shard) + "/2";
  std::vector<std::string> lines{"roomcast: load: joining 3 publishers",
                                 R"({"type":"progress","shard":")" + name + R"(","joined":1})"};
  for (int i = 3 * shard; i < 3 * shard + 3; ++i)
    lines.push_back(publisher(name, i, 50 + 10 * i, 20 + i).to_json().dump());
  lines.push_back(listener(name, shard).to_json().dump());
  lines.push_back("");
  lines.push_back(process(name, 3, 1, 30 + 20 * shard, 40'000'000).to_json().dump());
  return lines;
}

LoadReport report_of(const std::vector<std::vector<std::string>>& inputs) {
  LoadReport report;
  for (size_t f = 0; f < inputs.size(); ++f)
    for (size_t i = 0; i < inputs[f].size(); ++i)
      report.add_line(inputs[f][i], "shard" + std::to_string(f) + ".jsonl", i + 1);
  return report;
}

TEST(LoadRecordTest, ParticipantRoundTrip) {
  ParticipantRecord r = publisher("1/2", 42, 83.25, 41);
  json j = r.to_json();
  EXPECT_EQ(j["type"], "participant");
  EXPECT_EQ(j["role"], "publisher");
  EXPECT_EQ(j["name"], "load-run-p00042");
  EXPECT_FALSE(j.contains("packets_received"));  // absent stats are omitted
  auto back = ParticipantRecord::from_json(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(), j);

  ParticipantRecord l = listener("0/1", 3);
  auto back_l = ParticipantRecord::from_json(json::parse(l.to_json().dump()));
  ASSERT_TRUE(back_l);
  EXPECT_TRUE(back_l->listener);
  EXPECT_EQ(back_l->packets_lost, 10u);
  EXPECT_FALSE(back_l->frames_sent);
}

TEST(LoadRecordTest, ProcessRoundTripAndJanusNull) {
  ProcessRecord p = process("0/2", 3, 1, 35.5, 1 << 20);
  json j = p.to_json();
  EXPECT_TRUE(j["janus_cpu_percent"].is_null());
  auto back = ProcessRecord::from_json(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(), j);
  EXPECT_FALSE(back->janus_cpu_percent);
  j["janus_cpu_percent"] = 12.0;
  EXPECT_EQ(ProcessRecord::from_json(j)->janus_cpu_percent, 12.0);
}

TEST(LoadRecordTest, OtherTypesAreNotRecords) {
  EXPECT_FALSE(ParticipantRecord::from_json(json::parse(R"({"type":"progress","joined":3})")));
  EXPECT_FALSE(ParticipantRecord::from_json(json::parse(R"({"event":"meeting_joined"})")));
  EXPECT_FALSE(ParticipantRecord::from_json(json::parse("[1,2]")));
  EXPECT_FALSE(ProcessRecord::from_json(publisher("0/1", 1, 1, 1).to_json()));
}

TEST(LoadRecordTest, MalformedRecordNamesFileLineAndField) {
  json j = publisher("0/2", 1, 10, 5).to_json();
  j["joined"] = "yes";
  try {
    ParticipantRecord::from_json(j, {"shard0.jsonl", 17});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_EQ(std::string(e.what()),
              "shard0.jsonl:17: participant record: field 'joined' must be true or false, got "
              "\"yes\"; was it "
              "written by 'roomcast load --json' of another version? fix or remove that line");
  }
  auto message_for = [](json record, const char* key, json value) {
    if (value.is_null())
      record.erase(key);
    else
      record[key] = value;
    try {
      LoadReport report;
      report.add_line(record.dump(), "in.jsonl", 3);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const json pub = publisher("0/2", 1, 10, 5).to_json();
  EXPECT_NE(message_for(pub, "name", nullptr)
                .find("in.jsonl:3: participant record: field 'name' is missing"),
            std::string::npos);
  EXPECT_NE(message_for(pub, "role", "speaker")
                .find("field 'role' must be \"publisher\" or \"listener\""),
            std::string::npos);
  EXPECT_NE(message_for(pub, "shard", "2/2").find("field 'shard' must be \"I/N\""),
            std::string::npos);
  EXPECT_NE(message_for(pub, "join_ms", -1).find("field 'join_ms' must be a number >= 0"),
            std::string::npos);
  EXPECT_NE(message_for(pub, "frames_sent", 1.5).find("field 'frames_sent' must be a whole number"),
            std::string::npos);
  const json proc = process("0/2", 3, 1, 30, 1).to_json();
  EXPECT_NE(message_for(proc, "publishers", nullptr)
                .find("in.jsonl:3: process record: field 'publishers' is missing"),
            std::string::npos);
  EXPECT_EQ(message_for(pub, "join_ms", nullptr), "no error");  // absent stats are fine
}

TEST(LoadReportTest, NearestRankPercentiles) {
  std::vector<double> ten{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_EQ(nearest_rank_percentile(ten, 50), 5);
  EXPECT_EQ(nearest_rank_percentile(ten, 99), 10);
  EXPECT_EQ(nearest_rank_percentile(ten, 100), 10);
  EXPECT_EQ(nearest_rank_percentile(ten, 10), 1);
  EXPECT_EQ(nearest_rank_percentile(ten, 11), 2);
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  EXPECT_EQ(nearest_rank_percentile(hundred, 50), 50);
  EXPECT_EQ(nearest_rank_percentile(hundred, 99), 99);
  EXPECT_EQ(nearest_rank_percentile({7}, 99), 7);
  EXPECT_FALSE(nearest_rank_percentile({}, 50));
}

TEST(LoadReportTest, SummaryOfTwoShards) {
  LoadReport report = report_of({shard_lines(0), shard_lines(1)});
  json s = report.summary();
  EXPECT_EQ(s["type"], "summary");
  EXPECT_EQ(s["shards"]["seen"], 2);
  EXPECT_EQ(s["shards"]["expected"], 2);
  EXPECT_TRUE(s["shards"]["missing"].empty());
  EXPECT_EQ(s["publishers"], (json{{"planned", 6}, {"seen", 6}, {"joined", 6}, {"failed", 0}}));
  EXPECT_EQ(s["listeners"], (json{{"planned", 2}, {"seen", 2}, {"joined", 2}, {"failed", 0}}));
  EXPECT_EQ(s["failed"], 0);
  // join_ms: publishers 50..100 step 10, listeners 100 and 101 -> 8 values.
  EXPECT_EQ(s["join_ms"]["count"], 8);
  EXPECT_EQ(s["join_ms"]["p50"], 80.0);
  EXPECT_EQ(s["join_ms"]["p99"], 101.0);
  EXPECT_EQ(s["join_ms"]["max"], 101.0);
  EXPECT_EQ(s["first_rtp_ms"]["p50"], 22.0);
  EXPECT_EQ(s["frames_sent"], 1500);
  EXPECT_EQ(s["video_frames_sent"], 1800);
  EXPECT_EQ(s["late_frames"], 3);
  EXPECT_EQ(s["listening"]["packets_received"], 1980);
  EXPECT_EQ(s["listening"]["packets_lost"], 20);
  EXPECT_DOUBLE_EQ(s["listening"]["loss_percent"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(s["listening"]["concealed_percent"].get<double>(), 2.0);
  EXPECT_EQ(s["listening"]["frames_fec"], 10);
  EXPECT_DOUBLE_EQ(s["cpu_percent_per_participant"].get<double>(), (30.0 + 50.0) / 8);
  EXPECT_DOUBLE_EQ(s["rss_bytes_per_participant"].get<double>(), 80e6 / 8);
  EXPECT_EQ(s["peak_rss_bytes"], 40'001'000);
  EXPECT_EQ(s["duplicates"]["names"], 0);
  EXPECT_EQ(s["lines"], (json{{"records", 10}, {"ignored", 2}, {"skipped", 2}}));
  EXPECT_TRUE(s["warnings"].empty()) << s["warnings"];
}

TEST(LoadReportTest, MergeOfShardsEqualsOneInputInAnyOrder) {
  auto a = shard_lines(0), b = shard_lines(1);
  std::vector<std::string> all(a);
  all.insert(all.end(), b.begin(), b.end());
  const json merged = report_of({a, b}).summary();
  EXPECT_EQ(report_of({all}).summary(), merged);
  EXPECT_EQ(report_of({b, a}).summary(), merged);
  std::shuffle(all.begin(), all.end(), std::mt19937(7));
  EXPECT_EQ(report_of({all}).summary(), merged);
  // And the records added directly, not as lines.
  LoadReport direct;
  for (const auto& line : all)
    if (auto j = json::parse(line, nullptr, false); j.is_object()) {
      if (auto p = ParticipantRecord::from_json(j)) direct.add(*p);
      if (auto p = ProcessRecord::from_json(j)) direct.add(*p);
    }
  json s = direct.summary();
  s.erase("lines");
  json m = merged;
  m.erase("lines");
  EXPECT_EQ(s, m);
}

TEST(LoadReportTest, DuplicatesAreReportedNotCountedTwice) {
  auto a = shard_lines(0);
  const json once = report_of({a, shard_lines(1)}).summary();
  json twice = report_of({a, shard_lines(1), a}).summary();
  EXPECT_EQ(twice["publishers"], once["publishers"]);
  EXPECT_EQ(twice["frames_sent"], once["frames_sent"]);
  EXPECT_EQ(twice["cpu_percent_per_participant"], once["cpu_percent_per_participant"]);
  EXPECT_EQ(twice["duplicates"]["names"], 4);
  EXPECT_EQ(twice["duplicates"]["records"], 4);
  EXPECT_EQ(twice["duplicates"]["first"],
            (json{"load-run-l0000", "load-run-p00000", "load-run-p00001", "load-run-p00002"}));
  EXPECT_EQ(twice["duplicates"]["processes"], (json{"0/2 of run run"}));
  ASSERT_EQ(twice["warnings"].size(), 2u);
  EXPECT_NE(
      twice["warnings"][0].get<std::string>().find("4 participant name(s) appear more than once"),
      std::string::npos);
}

TEST(LoadReportTest, JunkLinesAreSkippedAndCounted) {
  LoadReport report;
  EXPECT_FALSE(report.add_line("roomcast: error: cannot connect"));
  EXPECT_FALSE(report.add_line("{ torn line"));
  EXPECT_FALSE(report.add_line("[1, 2]"));
  EXPECT_FALSE(report.add_line("   "));
  EXPECT_FALSE(report.add_line(R"({"type":"progress","joined":3})"));
  EXPECT_FALSE(report.add_line(R"({"event":"meeting_joined"})"));
  EXPECT_TRUE(report.add_line(publisher("0/1", 0, 10, 5).to_json().dump() + "\r"));
  EXPECT_EQ(report.records(), 1u);
  EXPECT_EQ(report.skipped_lines(), 3u);
  EXPECT_EQ(report.summary()["lines"], (json{{"records", 1}, {"ignored", 2}, {"skipped", 3}}));
}

TEST(LoadReportTest, SeveralRunsExpectTheirOwnShards) {
  LoadReport report;
  for (auto& line : shard_lines(0)) report.add_line(line);
  for (auto& line : shard_lines(1)) report.add_line(line);
  ProcessRecord other = process("0/1", 1, 0, 3, 1);
  other.run = "j1";
  ParticipantRecord p = publisher("0/1", 0, 10, 5);
  p.run = "j1";
  p.name = "load-j1-p00000";
  report.add(other);
  report.add(p);
  json s = report.summary();
  EXPECT_EQ(s["runs"], (json{"j1", "run"}));
  EXPECT_EQ(s["shards"], (json{{"seen", 3}, {"expected", 3}, {"missing", json::array()}}));
  EXPECT_EQ(s["publishers"]["planned"], 7);
  EXPECT_EQ(s["publishers"]["joined"], 7);
  EXPECT_TRUE(s["warnings"].empty()) << s["warnings"];
  report.add(process("1/3", 0, 0, 0, 0));  // run "run" now expects three shards
  s = report.summary();
  EXPECT_EQ(s["shards"]["missing"], (json{"0/3 of run run", "2/3 of run run"}));
  ASSERT_EQ(s["warnings"].size(), 2u);
  EXPECT_EQ(s["warnings"][0],
            "run 'run': its records disagree on the shard count [2,3] (each pod "
            "must get the same N in --shard I/N)");
  EXPECT_NE(report.text().find("of runs j1, run:"), std::string::npos) << report.text();
}

TEST(LoadReportTest, FailuresMissingShardsAndText) {
  LoadReport report;
  for (auto& line : shard_lines(0)) report.add_line(line);
  ParticipantRecord failed = publisher("1/2", 4, 0, 0);
  failed.joined = false;
  failed.join_ms.reset();
  failed.first_rtp_ms.reset();
  failed.error = "the server refused: room 1234 does not exist";
  report.add(failed);
  ParticipantRecord dropped = publisher("1/2", 5, 20, 10);
  dropped.error = "the server closed the connection";
  report.add(dropped);
  json s = report.summary();
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["dropped"], 1);
  EXPECT_EQ(s["publishers"]["failed"], 1);
  EXPECT_EQ(s["publishers"]["joined"], 4);
  EXPECT_EQ(s["errors"], (json{"load-run-p00004: the server refused: room 1234 does not exist",
                               "load-run-p00005: the server closed the connection"}));
  EXPECT_EQ(s["shards"]["missing"], (json{"1/2"}));
  EXPECT_EQ(s["publishers"]["planned"], 3);  // only shard 0 reported its plan

  const std::string text = report.text();
  EXPECT_NE(text.find("roomcast load report of run run: 2 shard(s) seen, 2 expected"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  publishers            3        5        4        1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  join (ms)                 p50 60.0  p99 100.0  max 100.0  (5)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("errors: 1 did not join, 1 joined and then failed; the first 2:\n  "
                      "load-run-p00004: the server refused"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("no process record from shard(s) [\"1/2\"]"), std::string::npos) << text;
}

}  // namespace
}  // namespace roomcast::cli
