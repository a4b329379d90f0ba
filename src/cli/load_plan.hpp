// Load plan: which participants (names, rooms, roles) one shard of a `roomcast load` run plays.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roomcast::cli {

/// One slice of a load run spread over several processes or pods: shard `index` of `count`.
struct ShardSpec {
  int index = 0;
  int count = 1;

  /// Parses "I/N" with 0 <= I < N (as given to --shard); throws Error(Config) naming
  /// --shard, the text and the expected form.
  static ShardSpec parse(std::string_view text);
  /// "I/N", the form parse() reads and the load records carry.
  std::string to_string() const;
};

/// The whole run as every shard is told it: the same spec on all shards, only `shard` differs.
struct LoadSpec {
  int participants = 0;  // publishers
  int listeners = 0;
  uint64_t room = 1234;  // the first room; rooms are room .. room + rooms - 1
  int rooms = 1;
  ShardSpec shard;
  std::string run_id;  // shared by all shards; empty means kDefaultRunId
};

struct PlannedParticipant {
  int global_index = 0;  // 0..P-1 publishers, then P..P+L-1 listeners
  std::string name;      // unique across the shards of a run
  uint64_t room = 0;
  bool listener = false;
};

inline constexpr std::string_view kDefaultRunId = "run";

/// The run id a spec's records and names use ("run" when none was given).
std::string effective_run_id(const LoadSpec& spec);

/// The participants shard `spec.shard` plays: a contiguous slice of the publishers and one
/// of the listeners, each balanced over the shards (sizes differ by at most one), so the
/// slices of shards 0..N-1 partition the run exactly. Publisher g joins room + g % rooms,
/// listener j joins room + j % rooms. Names are load-RUN-pNNNNN / load-RUN-lNNNN.
/// Throws Error(Config) on an invalid spec (counts, rooms, shard, run id).
std::vector<PlannedParticipant> plan_shard(const LoadSpec& spec);

}  // namespace roomcast::cli
