// Load plan: --shard parsing and errors; shard slices partition a run exactly, balanced, unique
// names.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cli/load_plan.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

/// The message of the Error(Config) `fn` throws; fails the test if it throws nothing else.
template <typename Fn>
std::string config_error_of(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

TEST(ShardSpecTest, ParsesIndexOverCount) {
  auto shard = ShardSpec::parse("2/4");
  EXPECT_EQ(shard.index, 2);
  EXPECT_EQ(shard.count, 4);
  EXPECT_EQ(shard.to_string(), "2/4");
  EXPECT_EQ(ShardSpec::parse("0/1").count, 1);
  EXPECT_EQ(ShardSpec::parse("99999/100000").index, 99999);
}

TEST(ShardSpecTest, DefaultIsTheWholeRun) {
  ShardSpec shard;
  EXPECT_EQ(shard.to_string(), "0/1");
}

TEST(ShardSpecTest, BadTextNamesFlagValueAndForm) {
  const std::string form = "expected I/N with 0 <= I < N, e.g. 0/4 for the first of four shards";
  EXPECT_EQ(
      config_error_of([] { ShardSpec::parse("4/4"); }),
      "--shard 4/4: the index I must be below the shard count N (indices start at 0); " + form);
  EXPECT_EQ(config_error_of([] { ShardSpec::parse("3"); }), "--shard 3: no '/'; " + form);
  EXPECT_EQ(config_error_of([] { ShardSpec::parse("0/0"); }),
            "--shard 0/0: the shard count N must be at least 1; " + form);
  EXPECT_EQ(config_error_of([] { ShardSpec::parse("-1/4"); }),
            "--shard -1/4: I and N must be non-negative whole numbers; " + form);
  for (const char* bad : {"", "/", "1/", "/2", "a/2", "1/b", " 1/2", "1/2 ", "1/+2", "1.0/2",
                          "1/2/3", "0/99999999999999999999"}) {
    std::string message = config_error_of([&] { ShardSpec::parse(bad); });
    EXPECT_EQ(message.rfind("--shard " + std::string(bad) + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(form), std::string::npos) << message;
  }
}

LoadSpec spec_of(int participants, int listeners, int rooms, int index, int count) {
  LoadSpec spec;
  spec.participants = participants;
  spec.listeners = listeners;
  spec.rooms = rooms;
  spec.shard = {index, count};
  return spec;
}

TEST(PlanShardTest, SlicesPartitionTheRunExactly) {
  for (int p : {0, 1, 2, 3, 6, 7, 10, 97, 1000}) {
    for (int l : {0, 1, 2, 5, 33}) {
      if (p + l == 0) continue;
      for (int n : {1, 2, 3, 4, 7, 16, 50}) {
        SCOPED_TRACE("P=" + std::to_string(p) + " L=" + std::to_string(l) +
                     " N=" + std::to_string(n));
        std::vector<int> owner(p + l, -1);
        std::set<std::string> names;
        int min_pub = p, max_pub = 0, min_lis = l, max_lis = 0;
        for (int i = 0; i < n; ++i) {
          auto planned = plan_shard(spec_of(p, l, 1, i, n));
          int pubs = 0, lis = 0, previous_pub = -1, previous_lis = -1;
          for (const auto& q : planned) {
            ASSERT_GE(q.global_index, 0);
            ASSERT_LT(q.global_index, p + l);
            EXPECT_EQ(owner[q.global_index], -1) << "index " << q.global_index << " in two shards";
            owner[q.global_index] = i;
            EXPECT_EQ(q.listener, q.global_index >= p);
            EXPECT_TRUE(names.insert(q.name).second) << q.name;
            // Contiguous: publishers then listeners, each in increasing consecutive order.
            int& previous = q.listener ? previous_lis : previous_pub;
            if (previous >= 0) {
              EXPECT_EQ(q.global_index, previous + 1);
            }
            if (!q.listener) {
              EXPECT_EQ(lis, 0) << "publishers come before listeners";
            }
            previous = q.global_index;
            (q.listener ? lis : pubs)++;
          }
          min_pub = std::min(min_pub, pubs);
          max_pub = std::max(max_pub, pubs);
          min_lis = std::min(min_lis, lis);
          max_lis = std::max(max_lis, lis);
        }
        for (int g = 0; g < p + l; ++g) EXPECT_NE(owner[g], -1) << "index " << g << " in no shard";
        EXPECT_LE(max_pub - min_pub, 1) << "publishers unbalanced";
        EXPECT_LE(max_lis - min_lis, 1) << "listeners unbalanced";
        EXPECT_EQ(names.size(), static_cast<size_t>(p + l));
      }
    }
  }
}

TEST(PlanShardTest, EveryShardGetsPublishersAndListenersWhenThereAreEnough) {
  for (int i = 0; i < 4; ++i) {
    auto planned = plan_shard(spec_of(10, 4, 1, i, 4));
    int pubs = 0, lis = 0;
    for (const auto& q : planned) (q.listener ? lis : pubs)++;
    EXPECT_GE(pubs, 2);
    EXPECT_EQ(lis, 1);
  }
}

TEST(PlanShardTest, NamesAndRooms) {
  LoadSpec spec = spec_of(6, 3, 2, 1, 2);
  spec.room = 5000;
  spec.run_id = "r7";
  auto planned = plan_shard(spec);
  ASSERT_EQ(planned.size(), 5u);  // publishers 3..5, listener 1..2
  EXPECT_EQ(planned[0].name, "load-r7-p00003");
  EXPECT_EQ(planned[0].global_index, 3);
  EXPECT_EQ(planned[0].room, 5001u);
  EXPECT_EQ(planned[1].room, 5000u);
  EXPECT_EQ(planned[2].name, "load-r7-p00005");
  EXPECT_EQ(planned[3].name, "load-r7-l0001");
  EXPECT_EQ(planned[3].global_index, 7);
  EXPECT_TRUE(planned[3].listener);
  EXPECT_EQ(planned[3].room, 5001u);
  EXPECT_EQ(planned[4].name, "load-r7-l0002");
  EXPECT_EQ(planned[4].room, 5000u);
}

TEST(PlanShardTest, EmptyRunIdIsSharedDefault) {
  auto planned = plan_shard(spec_of(1, 0, 1, 0, 1));
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].name, "load-run-p00000");
  EXPECT_EQ(planned[0].room, 1234u);
}

TEST(PlanShardTest, RoomsAreSpreadEvenlyOverTheWholeRun) {
  const int rooms = 7;
  std::map<uint64_t, int> publishers, listeners;
  for (int i = 0; i < 3; ++i)
    for (const auto& q : plan_shard(spec_of(700, 70, rooms, i, 3)))
      (q.listener ? listeners : publishers)[q.room]++;
  ASSERT_EQ(publishers.size(), static_cast<size_t>(rooms));
  ASSERT_EQ(listeners.size(), static_cast<size_t>(rooms));
  for (uint64_t r = 1234; r < 1234 + rooms; ++r) {
    EXPECT_EQ(publishers[r], 100);
    EXPECT_EQ(listeners[r], 10);
  }
}

TEST(PlanShardTest, MoreShardsThanParticipantsLeavesSomeEmpty) {
  size_t total = 0;
  for (int i = 0; i < 5; ++i) total += plan_shard(spec_of(2, 1, 1, i, 5)).size();
  EXPECT_EQ(total, 3u);
}

TEST(PlanShardTest, InvalidSpecsAreConfigErrors) {
  EXPECT_EQ(config_error_of([] { plan_shard(spec_of(-1, 0, 1, 0, 1)); }),
            "--participants -1: must be 0 or more");
  EXPECT_EQ(config_error_of([] { plan_shard(spec_of(1, -2, 1, 0, 1)); }),
            "--listeners -2: must be 0 or more");
  EXPECT_EQ(config_error_of([] { plan_shard(spec_of(0, 0, 1, 0, 1)); }),
            "--participants 0 with --listeners 0: nothing to run; give at least one participant");
  EXPECT_EQ(config_error_of([] { plan_shard(spec_of(3, 0, 0, 0, 1)); }),
            "--rooms 0: must be at least 1");
  EXPECT_EQ(config_error_of([] { plan_shard(spec_of(3, 1, 5, 0, 1)); }),
            "--rooms 5: more rooms than participants (4); every room needs someone in it");
  EXPECT_EQ(config_error_of([] { plan_shard(spec_of(3, 0, 1, 3, 3)); }),
            "--shard 3/3: expected I/N with 0 <= I < N, e.g. 0/4 for the first of four shards");
  LoadSpec spec = spec_of(3, 0, 1, 0, 1);
  spec.run_id = "a b";
  EXPECT_EQ(config_error_of([&] { plan_shard(spec); }),
            "run id 'a b': no spaces, quotes or control characters (it is part of every name)");
  spec.run_id = "ok";
  spec.room = UINT64_MAX;
  spec.rooms = 2;
  EXPECT_NE(config_error_of([&] { plan_shard(spec); }).find("--room "), std::string::npos);
}

}  // namespace
}  // namespace roomcast::cli
