// Load report: the JSON-lines records of `roomcast load --json` and their merge over shards.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roomcast::cli {

/// Where a record came from, for error messages: "shard0.jsonl:17".
struct RecordSource {
  std::string_view file = "input";
  size_t line = 0;  // 0: unknown
};

/// {"type":"participant",...}: one participant of one shard at the end of the run.
/// Times in ms; a stat that was not measured (a participant that never joined) is nullopt
/// and omitted from the JSON.
struct ParticipantRecord {
  std::string shard;  // "I/N"
  std::string run;
  std::string name;
  uint64_t room = 0;
  bool listener = false;  // "role": "listener" or "publisher"
  bool joined = false;
  std::string error;  // why it did not join or left early; empty when fine
  std::optional<double> join_ms;
  std::optional<double> first_rtp_ms;  // publishers: join to first RTP packet sent
  // Publishers.
  std::optional<uint64_t> frames_sent, late_frames, underruns;
  std::optional<uint64_t> video_frames_sent;  // load --video
  // Listeners: summed over the streams they received.
  std::optional<uint64_t> streams, packets_received, packets_lost, frames_played, frames_concealed,
      frames_fec;

  nlohmann::json to_json() const;
  /// nullopt when `object` is not a participant record (another "type", or not an object);
  /// throws Error(Config) naming `source` when it is one but a field is missing or wrong.
  static std::optional<ParticipantRecord> from_json(const nlohmann::json& object,
                                                    RecordSource source = {});
};

/// {"type":"process",...}: one shard's process over the run.
struct ProcessRecord {
  std::string shard;  // "I/N"
  std::string run;
  int publishers = 0;  // planned for this shard
  int listeners = 0;
  std::string encode;  // "shared" or "each"
  std::optional<double> wall_s;
  std::optional<double> steady_window_s;  // the span cpu_percent was measured over
  std::optional<double> cpu_percent;      // of one core, whole process, steady window
  std::optional<uint64_t> rss_bytes;
  std::optional<uint64_t> peak_rss_bytes;
  std::optional<double> janus_cpu_percent;  // when the shard could see Janus's process

  nlohmann::json to_json() const;
  /// As ParticipantRecord::from_json, for "type":"process".
  static std::optional<ProcessRecord> from_json(const nlohmann::json& object,
                                                RecordSource source = {});
};

/// Merges the records of any number of shard outputs, in any order, into one summary.
/// Percentiles are nearest-rank over every participant of every shard: the p-th percentile
/// of n sorted values is value[ceil(p / 100 * n) - 1], always one of the measured values.
class LoadReport {
 public:
  /// A participant whose name was already added is counted as a duplicate, not again.
  void add(const ParticipantRecord& record);
  /// A second record of the same run and shard is counted as a duplicate, not again.
  void add(const ProcessRecord& record);
  /// One line of `roomcast load --json` output. Participant and process records are added
  /// (true); other JSON objects ("progress", events) are ignored, lines that are not JSON
  /// objects (logs) skipped and counted (false). A malformed record of a known type throws
  /// Error(Config) naming `file` and `line_number`.
  bool add_line(std::string_view line, std::string_view file = "input", size_t line_number = 0);

  /// The merged figures as one JSON object:
  ///   type "summary"; runs [ids]; shards {seen, expected, missing ["I/N"]};
  ///   publishers, listeners {planned (from process records), seen, joined, failed};
  ///   participants, joined, failed (never joined), dropped (joined, then an error),
  ///   errors ["name: text", first 5 by name]; join_ms {count, p50, p99, max};
  ///   first_rtp_ms {count, p50, p99}; frames_sent, late_frames, underruns;
  ///   listening {streams, packets_received, packets_lost, loss_percent, frames_played,
  ///   frames_concealed, concealed_percent, frames_fec}; cpu_percent_per_participant (% of
  ///   one core), rss_bytes_per_participant, peak_rss_bytes (largest process);
  ///   janus_cpu_percent {count, max}; duplicates {names, records, first [names],
  ///   processes}; lines {records, ignored, skipped}; warnings [text].
  /// Figures nobody measured are null.
  nlohmann::json summary() const;
  /// The same as an aligned, readable table.
  std::string text() const;

  size_t records() const { return participants_.size() + processes_.size(); }
  size_t skipped_lines() const { return skipped_lines_; }

 private:
  std::vector<ParticipantRecord> participants_;
  std::set<std::string> names_;
  std::vector<ProcessRecord> processes_;
  std::set<std::pair<std::string, std::string>> process_keys_;  // (run, shard)
  std::map<std::string, int> duplicate_names_;                  // name -> extra records
  std::vector<std::string> duplicate_processes_;                // "I/N of run R"
  size_t ignored_objects_ = 0;
  size_t skipped_lines_ = 0;
};

/// Nearest-rank percentile (0 < p <= 100) of `values` (sorted or not); nullopt when empty.
std::optional<double> nearest_rank_percentile(std::vector<double> values, double p);

}  // namespace roomcast::cli
