// Load plan: shard parsing, validation and the balanced split of publishers and listeners.
#include "cli/load_plan.hpp"

#include <charconv>
#include <cstdio>
#include <limits>

#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

[[noreturn]] void config_error(const std::string& message) {
  throw Error(Error::Kind::Config, message);
}

/// A non-negative decimal integer and nothing else (no sign, no spaces).
bool parse_count(std::string_view text, int& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

/// [begin, end) of shard `index` of `count` over `total` items: floor(i * T / N), so the
/// slices are contiguous, differ in size by at most one and cover 0..T-1 exactly.
std::pair<int64_t, int64_t> slice(int64_t total, const ShardSpec& shard) {
  return {total * shard.index / shard.count, total * (shard.index + 1) / shard.count};
}

std::string numbered(const std::string& prefix, int width, int64_t n) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%0*lld", width, static_cast<long long>(n));
  return prefix + digits;
}

}  // namespace

ShardSpec ShardSpec::parse(std::string_view text) {
  const std::string quoted = "--shard " + std::string(text) + ": ";
  const std::string form = "expected I/N with 0 <= I < N, e.g. 0/4 for the first of four shards";
  auto slash = text.find('/');
  if (slash == std::string_view::npos) config_error(quoted + "no '/'; " + form);
  ShardSpec shard;
  if (!parse_count(text.substr(0, slash), shard.index) ||
      !parse_count(text.substr(slash + 1), shard.count))
    config_error(quoted + "I and N must be non-negative whole numbers; " + form);
  if (shard.count < 1) config_error(quoted + "the shard count N must be at least 1; " + form);
  if (shard.index >= shard.count)
    config_error(quoted + "the index I must be below the shard count N (indices start at 0); " +
                 form);
  return shard;
}

std::string ShardSpec::to_string() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

std::string effective_run_id(const LoadSpec& spec) {
  return spec.run_id.empty() ? std::string(kDefaultRunId) : spec.run_id;
}

std::vector<PlannedParticipant> plan_shard(const LoadSpec& spec) {
  if (spec.participants < 0)
    config_error("--participants " + std::to_string(spec.participants) + ": must be 0 or more");
  if (spec.listeners < 0)
    config_error("--listeners " + std::to_string(spec.listeners) + ": must be 0 or more");
  const int64_t total = int64_t{spec.participants} + spec.listeners;
  if (total == 0)
    config_error(
        "--participants 0 with --listeners 0: nothing to run; give at least one participant");
  if (spec.rooms < 1)
    config_error("--rooms " + std::to_string(spec.rooms) + ": must be at least 1");
  if (spec.rooms > total)
    config_error("--rooms " + std::to_string(spec.rooms) + ": more rooms than participants (" +
                 std::to_string(total) + "); every room needs someone in it");
  if (spec.room > std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(spec.rooms - 1))
    config_error("--room " + std::to_string(spec.room) +
                 ": room ids past the largest id with --rooms " + std::to_string(spec.rooms));
  if (spec.shard.count < 1 || spec.shard.index < 0 || spec.shard.index >= spec.shard.count)
    config_error("--shard " + spec.shard.to_string() +
                 ": expected I/N with 0 <= I < N, e.g. 0/4 for the first of four shards");
  const std::string run = effective_run_id(spec);
  for (char c : run)
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\' || c == 0x7f)
      config_error("run id '" + run +
                   "': no spaces, quotes or control characters (it is part of every name)");

  std::vector<PlannedParticipant> planned;
  const auto [p_begin, p_end] = slice(spec.participants, spec.shard);
  const auto [l_begin, l_end] = slice(spec.listeners, spec.shard);
  planned.reserve(static_cast<size_t>(p_end - p_begin + l_end - l_begin));
  const std::string prefix = "load-" + run + "-";
  for (int64_t g = p_begin; g < p_end; ++g)
    planned.push_back({static_cast<int>(g), numbered(prefix + "p", 5, g),
                       spec.room + static_cast<uint64_t>(g % spec.rooms), false});
  for (int64_t j = l_begin; j < l_end; ++j)
    planned.push_back({static_cast<int>(spec.participants + j), numbered(prefix + "l", 4, j),
                       spec.room + static_cast<uint64_t>(j % spec.rooms), true});
  return planned;
}

}  // namespace roomcast::cli
