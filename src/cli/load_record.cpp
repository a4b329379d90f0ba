// Load records: the participant and process JSON lines of `roomcast load --json`, validated.
#include <cmath>
#include <limits>

#include "cli/load_plan.hpp"
#include "cli/load_report.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

using nlohmann::json;

/// Typed access to one record's fields; every problem names file, line, record type and field.
class FieldReader {
 public:
  FieldReader(const json& object, RecordSource source, std::string_view type)
      : object_(object), source_(source), type_(type) {}

  [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
    std::string where(source_.file);
    if (source_.line) where += ":" + std::to_string(source_.line);
    throw Error(Error::Kind::Config,
                where + ": " + std::string(type_) + " record: field '" + std::string(key) + "' " +
                    problem +
                    "; was it written by 'roomcast load --json' of another version? "
                    "fix or remove that line");
  }

  const json* find(std::string_view key) const {
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string text(std::string_view key, bool required) const {
    const json* value = find(key);
    if (!value) {
      if (required) fail(key, "is missing");
      return {};
    }
    if (!value->is_string()) fail(key, "must be a string, got " + value->dump());
    return value->get<std::string>();
  }

  bool boolean(std::string_view key) const {
    const json* value = find(key);
    if (!value) fail(key, "is missing");
    if (!value->is_boolean()) fail(key, "must be true or false, got " + value->dump());
    return value->get<bool>();
  }

  std::optional<double> number(std::string_view key) const {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_number() || value->get<double>() < 0 || !std::isfinite(value->get<double>()))
      fail(key, "must be a number >= 0, got " + value->dump());
    return value->get<double>();
  }

  std::optional<uint64_t> count(std::string_view key) const {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (value->is_number_unsigned()) return value->get<uint64_t>();
    if (value->is_number_integer() && value->get<int64_t>() >= 0)
      return static_cast<uint64_t>(value->get<int64_t>());
    if (value->is_number_float()) {
      double d = value->get<double>();
      if (d >= 0 && d < 1.8e19 && d == std::floor(d)) return static_cast<uint64_t>(d);
    }
    fail(key, "must be a whole number >= 0, got " + value->dump());
  }

  int required_int(std::string_view key) const {
    auto value = count(key);
    if (!value) fail(key, "is missing");
    if (*value > static_cast<uint64_t>(std::numeric_limits<int>::max())) fail(key, "is too large");
    return static_cast<int>(*value);
  }

  std::string shard() const {
    std::string value = text("shard", true);
    try {
      return ShardSpec::parse(value).to_string();
    } catch (const Error&) {
      fail("shard", "must be \"I/N\" with 0 <= I < N, got \"" + value + "\"");
    }
  }

 private:
  const json& object_;
  RecordSource source_;
  std::string_view type_;
};

bool has_type(const json& object, std::string_view type) {
  if (!object.is_object()) return false;
  auto it = object.find("type");
  return it != object.end() && it->is_string() && it->get<std::string>() == type;
}

template <typename T>
void put(json& object, const char* key, const std::optional<T>& value) {
  if (value) object[key] = *value;
}

}  // namespace

json ParticipantRecord::to_json() const {
  json o{{"type", "participant"}, {"shard", shard}, {"run", run},
         {"name", name},          {"room", room},   {"role", listener ? "listener" : "publisher"},
         {"joined", joined},      {"error", error}};
  put(o, "join_ms", join_ms);
  put(o, "first_rtp_ms", first_rtp_ms);
  put(o, "frames_sent", frames_sent);
  put(o, "late_frames", late_frames);
  put(o, "underruns", underruns);
  put(o, "video_frames_sent", video_frames_sent);
  put(o, "streams", streams);
  put(o, "packets_received", packets_received);
  put(o, "packets_lost", packets_lost);
  put(o, "frames_played", frames_played);
  put(o, "frames_concealed", frames_concealed);
  put(o, "frames_fec", frames_fec);
  return o;
}

std::optional<ParticipantRecord> ParticipantRecord::from_json(const json& object,
                                                              RecordSource source) {
  if (!has_type(object, "participant")) return std::nullopt;
  FieldReader f(object, source, "participant");
  ParticipantRecord r;
  r.shard = f.shard();
  r.run = f.text("run", false);
  r.name = f.text("name", true);
  if (r.name.empty()) f.fail("name", "is empty");
  r.room = f.count("room").value_or(0);
  const std::string role = f.text("role", true);
  if (role != "publisher" && role != "listener")
    f.fail("role", "must be \"publisher\" or \"listener\", got \"" + role + "\"");
  r.listener = role == "listener";
  r.joined = f.boolean("joined");
  r.error = f.text("error", false);
  r.join_ms = f.number("join_ms");
  r.first_rtp_ms = f.number("first_rtp_ms");
  r.frames_sent = f.count("frames_sent");
  r.late_frames = f.count("late_frames");
  r.underruns = f.count("underruns");
  r.video_frames_sent = f.count("video_frames_sent");
  r.streams = f.count("streams");
  r.packets_received = f.count("packets_received");
  r.packets_lost = f.count("packets_lost");
  r.frames_played = f.count("frames_played");
  r.frames_concealed = f.count("frames_concealed");
  r.frames_fec = f.count("frames_fec");
  return r;
}

json ProcessRecord::to_json() const {
  json o{{"type", "process"},        {"shard", shard},         {"run", run},
         {"publishers", publishers}, {"listeners", listeners}, {"encode", encode}};
  put(o, "wall_s", wall_s);
  put(o, "steady_window_s", steady_window_s);
  put(o, "cpu_percent", cpu_percent);
  put(o, "rss_bytes", rss_bytes);
  put(o, "peak_rss_bytes", peak_rss_bytes);
  o["janus_cpu_percent"] =
      janus_cpu_percent ? json(*janus_cpu_percent) : json();  // null: not measured
  return o;
}

std::optional<ProcessRecord> ProcessRecord::from_json(const json& object, RecordSource source) {
  if (!has_type(object, "process")) return std::nullopt;
  FieldReader f(object, source, "process");
  ProcessRecord r;
  r.shard = f.shard();
  r.run = f.text("run", false);
  r.publishers = f.required_int("publishers");
  r.listeners = f.required_int("listeners");
  r.encode = f.text("encode", false);
  r.wall_s = f.number("wall_s");
  r.steady_window_s = f.number("steady_window_s");
  r.cpu_percent = f.number("cpu_percent");
  r.rss_bytes = f.count("rss_bytes");
  r.peak_rss_bytes = f.count("peak_rss_bytes");
  r.janus_cpu_percent = f.number("janus_cpu_percent");
  return r;
}
}  // namespace roomcast::cli
