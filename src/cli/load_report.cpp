// Load report: merge `roomcast load --json` records over shards; the summary and its table.
#include "cli/load_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "cli/load_plan.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

using nlohmann::json;

constexpr size_t kListed = 5;  // errors, duplicate names: how many the summary names

/// Sums in sorted order, so the same records give the same total in any input order.
double stable_sum(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return std::accumulate(values.begin(), values.end(), 0.0);
}

json or_null(const std::optional<double>& value) { return value ? json(*value) : json(); }

json percent(uint64_t part, uint64_t whole) {
  return whole ? json(100.0 * static_cast<double>(part) / static_cast<double>(whole)) : json();
}

// --- text() helpers ---

std::string fixed(const json& value, int decimals) {
  if (!value.is_number()) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value.get<double>());
  return buffer;
}

std::string bytes(const json& value) {
  if (!value.is_number()) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f MiB", value.get<double>() / (1024.0 * 1024.0));
  return buffer;
}

std::string pad_left(const std::string& text, size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string pad_right(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

/// "  label ........ value" rows with the values in one column.
std::string row(const std::string& label, const std::string& value) {
  return "  " + pad_right(label, 26) + value + "\n";
}

}  // namespace

std::optional<double> nearest_rank_percentile(std::vector<double> values, double p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  auto rank = static_cast<size_t>(std::ceil(p * n / 100.0));
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

// --- the report ---

void LoadReport::add(const ParticipantRecord& record) {
  if (!names_.insert(record.name).second) {
    ++duplicate_names_[record.name];
    return;
  }
  participants_.push_back(record);
}

void LoadReport::add(const ProcessRecord& record) {
  if (!process_keys_.insert({record.run, record.shard}).second) {
    duplicate_processes_.push_back(record.shard +
                                   (record.run.empty() ? "" : " of run " + record.run));
    return;
  }
  processes_.push_back(record);
}

bool LoadReport::add_line(std::string_view line, std::string_view file, size_t line_number) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;  // blank: neither a record nor a log line
  line.remove_prefix(start);
  if (line.front() != '{') {
    ++skipped_lines_;
    return false;
  }
  json object = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {  // a log line that happens to start with '{', or a torn line
    ++skipped_lines_;
    return false;
  }
  const RecordSource source{file, line_number};
  if (auto participant = ParticipantRecord::from_json(object, source)) {
    add(*participant);
    return true;
  }
  if (auto process = ProcessRecord::from_json(object, source)) {
    add(*process);
    return true;
  }
  ++ignored_objects_;  // progress lines and anything else the load command prints
  return false;
}

json LoadReport::summary() const {
  json s{{"type", "summary"}};
  std::vector<std::string> warnings;

  // Shards per run: every "I/N" seen; a run expects the largest N among its records.
  struct RunShards {
    std::set<std::string> seen, reported;
    std::set<int> counts;
    int expected = 0;
  };
  std::map<std::string, RunShards> runs;
  std::set<std::string> malformed;  // only records added directly can have these
  auto note_shard = [&](const std::string& run, const std::string& shard) {
    RunShards& r = runs[run];
    r.seen.insert(shard);
    try {
      r.counts.insert(ShardSpec::parse(shard).count);
      r.expected = *r.counts.rbegin();
    } catch (const Error&) {
      malformed.insert(shard);
    }
  };
  for (const auto& p : participants_) note_shard(p.run, p.shard);
  for (const auto& p : processes_) {
    note_shard(p.run, p.shard);
    runs[p.run].reported.insert(p.shard);
  }
  json run_names = json::array(), missing = json::array();
  size_t seen = 0;
  int expected = 0;
  for (const auto& [run, r] : runs) {
    run_names.push_back(run);
    seen += r.seen.size();
    expected += r.expected;
    for (int i = 0; i < r.expected; ++i)
      if (std::string shard = ShardSpec{i, r.expected}.to_string(); !r.reported.count(shard))
        missing.push_back(runs.size() > 1 ? shard + " of run " + run : shard);
    if (r.counts.size() > 1)
      warnings.push_back("run '" + run + "': its records disagree on the shard count " +
                         json(r.counts).dump() + " (each pod must get the same N in --shard I/N)");
  }
  if (!malformed.empty())
    warnings.push_back("records with shards that are not I/N: " + json(malformed).dump());
  s["runs"] = run_names;
  s["shards"] = {{"seen", seen}, {"expected", expected}, {"missing", missing}};
  if (!missing.empty())
    warnings.push_back(
        "no process record from shard(s) " + missing.dump() +
        ": they did not finish or their output is not among the inputs; their planned "
        "participants are not counted");

  // Participants by role.
  struct RoleCounts {
    int planned = 0, seen = 0, joined = 0;
  } pub, lis;
  for (const auto& p : processes_) {
    pub.planned += p.publishers;
    lis.planned += p.listeners;
  }
  std::vector<const ParticipantRecord*> failed;
  std::vector<double> join_ms, first_rtp_ms;
  uint64_t frames_sent = 0, late_frames = 0, underruns = 0, video_frames_sent = 0;
  uint64_t streams = 0, received = 0, lost = 0, played = 0, concealed = 0, fec = 0;
  for (const auto& p : participants_) {
    RoleCounts& role = p.listener ? lis : pub;
    ++role.seen;
    if (p.joined) ++role.joined;
    if (!p.joined || !p.error.empty()) failed.push_back(&p);
    if (p.join_ms) join_ms.push_back(*p.join_ms);
    if (p.first_rtp_ms) first_rtp_ms.push_back(*p.first_rtp_ms);
    frames_sent += p.frames_sent.value_or(0);
    late_frames += p.late_frames.value_or(0);
    underruns += p.underruns.value_or(0);
    video_frames_sent += p.video_frames_sent.value_or(0);
    streams += p.streams.value_or(0);
    received += p.packets_received.value_or(0);
    lost += p.packets_lost.value_or(0);
    played += p.frames_played.value_or(0);
    concealed += p.frames_concealed.value_or(0);
    fec += p.frames_fec.value_or(0);
  }
  std::sort(failed.begin(), failed.end(), [](auto* a, auto* b) { return a->name < b->name; });
  json errors = json::array();
  for (size_t i = 0; i < failed.size() && i < kListed; ++i)
    errors.push_back(failed[i]->name + ": " +
                     (failed[i]->error.empty() ? "(no error text)" : failed[i]->error));
  auto role_json = [](const RoleCounts& r) {
    return json{{"planned", r.planned},
                {"seen", r.seen},
                {"joined", r.joined},
                {"failed", r.seen - r.joined}};
  };
  s["publishers"] = role_json(pub);
  s["listeners"] = role_json(lis);
  s["participants"] = pub.seen + lis.seen;
  s["joined"] = pub.joined + lis.joined;
  s["failed"] = (pub.seen - pub.joined) + (lis.seen - lis.joined);
  s["dropped"] = failed.size() - s["failed"].get<size_t>();  // joined, then an error
  s["errors"] = errors;
  if (const int unseen = pub.planned + lis.planned - pub.seen - lis.seen; unseen > 0)
    warnings.push_back(std::to_string(unseen) +
                       " planned participant(s) have no participant record");

  s["join_ms"] = {{"count", join_ms.size()},
                  {"p50", or_null(nearest_rank_percentile(join_ms, 50))},
                  {"p99", or_null(nearest_rank_percentile(join_ms, 99))},
                  {"max", or_null(nearest_rank_percentile(join_ms, 100))}};
  s["first_rtp_ms"] = {{"count", first_rtp_ms.size()},
                       {"p50", or_null(nearest_rank_percentile(first_rtp_ms, 50))},
                       {"p99", or_null(nearest_rank_percentile(first_rtp_ms, 99))}};
  s["frames_sent"] = frames_sent;
  s["late_frames"] = late_frames;
  s["underruns"] = underruns;
  s["video_frames_sent"] = video_frames_sent;
  s["listening"] = {{"streams", streams},
                    {"packets_received", received},
                    {"packets_lost", lost},
                    {"loss_percent", percent(lost, received + lost)},
                    {"frames_played", played},
                    {"frames_concealed", concealed},
                    {"concealed_percent", percent(concealed, played)},
                    {"frames_fec", fec}};

  // Process cost per participant, over the processes that measured it.
  std::vector<double> cpu, janus_cpu;
  uint64_t cpu_participants = 0, rss_participants = 0, rss = 0, peak_rss = 0;
  bool any_peak = false;
  for (const auto& p : processes_) {
    const auto participants =
        static_cast<uint64_t>(p.publishers) + static_cast<uint64_t>(p.listeners);
    if (p.cpu_percent) {
      cpu.push_back(*p.cpu_percent);
      cpu_participants += participants;
    }
    if (p.rss_bytes) {
      rss += *p.rss_bytes;
      rss_participants += participants;
    }
    if (p.peak_rss_bytes) {
      peak_rss = std::max(peak_rss, *p.peak_rss_bytes);
      any_peak = true;
    }
    if (p.janus_cpu_percent) janus_cpu.push_back(*p.janus_cpu_percent);
  }
  s["cpu_percent_per_participant"] =
      cpu_participants ? json(stable_sum(cpu) / static_cast<double>(cpu_participants)) : json();
  s["rss_bytes_per_participant"] =
      rss_participants ? json(static_cast<double>(rss) / static_cast<double>(rss_participants))
                       : json();
  s["peak_rss_bytes"] = any_peak ? json(peak_rss) : json();
  s["janus_cpu_percent"] = {{"count", janus_cpu.size()},
                            {"max", or_null(nearest_rank_percentile(janus_cpu, 100))}};

  // Duplicates: reported, never counted twice.
  int duplicate_records = 0;
  json duplicate_names = json::array();
  for (const auto& [name, extra] : duplicate_names_) {
    duplicate_records += extra;
    if (duplicate_names.size() < kListed) duplicate_names.push_back(name);
  }
  s["duplicates"] = {{"names", duplicate_names_.size()},
                     {"records", duplicate_records},
                     {"first", duplicate_names},
                     {"processes", duplicate_processes_}};
  if (!duplicate_names_.empty())
    warnings.push_back(
        std::to_string(duplicate_names_.size()) + " participant name(s) appear more than once (" +
        std::to_string(duplicate_records) + " extra record(s), counted once), e.g. " +
        duplicate_names.dump() + ": the same output given twice, or two runs with one run id");
  if (!duplicate_processes_.empty())
    warnings.push_back("process record(s) of shard(s) " + json(duplicate_processes_).dump() +
                       " appear more than once (counted once)");

  s["lines"] = {{"records", records()}, {"ignored", ignored_objects_}, {"skipped", skipped_lines_}};
  s["warnings"] = warnings;
  return s;
}

std::string LoadReport::text() const {
  const json s = summary();
  std::string out = "roomcast load report";
  const auto& runs = s["runs"];
  for (size_t i = 0; i < runs.size(); ++i)
    out += (i ? ", " : runs.size() == 1 ? " of run " : " of runs ") + runs[i].get<std::string>();
  out += ": " + std::to_string(s["shards"]["seen"].get<size_t>()) + " shard(s) seen, " +
         std::to_string(s["shards"]["expected"].get<int>()) + " expected\n\n";

  out += "  " + pad_right("", 14) + pad_left("planned", 9) + pad_left("seen", 9) +
         pad_left("joined", 9) + pad_left("failed", 9) + "\n";
  for (const char* role : {"publishers", "listeners"}) {
    const auto& r = s[role];
    out += "  " + pad_right(role, 14);
    for (const char* column : {"planned", "seen", "joined", "failed"})
      out += pad_left(std::to_string(r[column].get<int>()), 9);
    out += "\n";
  }
  out += "\n";

  const auto& join = s["join_ms"];
  out += row("join (ms)", "p50 " + fixed(join["p50"], 1) + "  p99 " + fixed(join["p99"], 1) +
                              "  max " + fixed(join["max"], 1) + "  (" +
                              std::to_string(join["count"].get<size_t>()) + ")");
  const auto& rtp = s["first_rtp_ms"];
  out += row("first RTP (ms)", "p50 " + fixed(rtp["p50"], 1) + "  p99 " + fixed(rtp["p99"], 1) +
                                   "  (" + std::to_string(rtp["count"].get<size_t>()) + ")");
  out += row("frames sent", std::to_string(s["frames_sent"].get<uint64_t>()) + "  late " +
                                std::to_string(s["late_frames"].get<uint64_t>()) + "  underruns " +
                                std::to_string(s["underruns"].get<uint64_t>()));
  if (s["video_frames_sent"].get<uint64_t>() > 0)
    out += row("video frames sent", std::to_string(s["video_frames_sent"].get<uint64_t>()));
  const auto& l = s["listening"];
  if (s["listeners"]["seen"].get<int>() > 0) {
    out += row("listener packets",
               "received " + std::to_string(l["packets_received"].get<uint64_t>()) + "  lost " +
                   std::to_string(l["packets_lost"].get<uint64_t>()) + " (" +
                   fixed(l["loss_percent"], 2) + " %)  over " +
                   std::to_string(l["streams"].get<uint64_t>()) + " streams");
    out += row("listener frames", "played " + std::to_string(l["frames_played"].get<uint64_t>()) +
                                      "  concealed " +
                                      std::to_string(l["frames_concealed"].get<uint64_t>()) + " (" +
                                      fixed(l["concealed_percent"], 2) + " %)  FEC " +
                                      std::to_string(l["frames_fec"].get<uint64_t>()));
  }
  out += row("CPU per participant", fixed(s["cpu_percent_per_participant"], 3) + " % of a core");
  out += row("RSS per participant", bytes(s["rss_bytes_per_participant"]));
  out += row("peak RSS (largest shard)", bytes(s["peak_rss_bytes"]));
  if (s["janus_cpu_percent"]["count"].get<size_t>() > 0)
    out += row("Janus CPU (max seen)", fixed(s["janus_cpu_percent"]["max"], 1) + " % of a core");
  const auto& lines = s["lines"];
  out += row("input lines",
             std::to_string(lines["records"].get<size_t>()) + " records, " +
                 std::to_string(lines["ignored"].get<size_t>()) + " other JSON objects ignored, " +
                 std::to_string(lines["skipped"].get<size_t>()) + " non-JSON lines skipped");

  const size_t failed = s["failed"].get<size_t>(), dropped = s["dropped"].get<size_t>();
  if (failed + dropped > 0) {
    out += "\nerrors: " + std::to_string(failed) + " did not join, " + std::to_string(dropped) +
           " joined and then failed; the first " + std::to_string(s["errors"].size()) + ":\n";
    for (const auto& e : s["errors"]) out += "  " + e.get<std::string>() + "\n";
  }
  if (!s["warnings"].empty()) {
    out += "\nwarnings:\n";
    for (const auto& w : s["warnings"]) out += "  " + w.get<std::string>() + "\n";
  }
  return out;
}

}  // namespace roomcast::cli
