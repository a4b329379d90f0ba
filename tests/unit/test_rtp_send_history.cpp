// SendHistory: lookup by sequence number, count and age bounds, wrap, reuse, hit/miss counters.
#include "rtp/send_history.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace roomcast::rtp {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

const SendHistory::Clock::time_point kStart{std::chrono::seconds{1000}};

Bytes packet_for(uint16_t sequence) {
  return {0x80, 0x60, static_cast<uint8_t>(sequence >> 8), static_cast<uint8_t>(sequence), 0xAB};
}

TEST(SendHistory, FindsRememberedPacketsAndCounts) {
  SendHistory history;
  EXPECT_EQ(history.capacity(), 600u);
  EXPECT_EQ(history.max_age(), 1000ms);
  history.remember(10, packet_for(10), kStart);
  history.remember(11, packet_for(11), kStart + 20ms);
  const Bytes* found = history.find(10, kStart + 30ms);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(*found, packet_for(10));
  EXPECT_EQ(history.find(12, kStart + 30ms), nullptr); // never sent
  EXPECT_EQ(history.hits(), 1u);
  EXPECT_EQ(history.misses(), 1u);
  EXPECT_EQ(history.misses_too_old(), 0u);
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.bytes(), 10u);
}

TEST(SendHistory, KeepsOnlyTheLastCapacityPackets) {
  SendHistory history(3);
  for (uint16_t s = 0; s < 5; ++s) history.remember(s, packet_for(s), kStart);
  EXPECT_EQ(history.size(), 3u);
  EXPECT_EQ(history.bytes(), 15u);
  EXPECT_EQ(history.find(0, kStart), nullptr);
  EXPECT_EQ(history.find(1, kStart), nullptr);
  for (uint16_t s = 2; s < 5; ++s) {
    const Bytes* found = history.find(s, kStart);
    ASSERT_NE(found, nullptr) << s;
    EXPECT_EQ(*found, packet_for(s));
  }
}

TEST(SendHistory, DefaultCapacityIs600) {
  SendHistory history;
  for (int i = 0; i < 601; ++i) {
    history.remember(static_cast<uint16_t>(i), packet_for(static_cast<uint16_t>(i)),
                     kStart + i * 1ms);
  }
  EXPECT_EQ(history.size(), 600u);
  EXPECT_EQ(history.find(0, kStart + 601ms), nullptr);
  EXPECT_NE(history.find(1, kStart + 601ms), nullptr);
}

TEST(SendHistory, OldPacketsAreNotResent) {
  SendHistory history(600, 100ms);
  history.remember(1, packet_for(1), kStart);
  history.remember(2, packet_for(2), kStart + 50ms);
  EXPECT_NE(history.find(1, kStart + 100ms), nullptr); // exactly max_age: still useful
  EXPECT_EQ(history.find(1, kStart + 101ms), nullptr);
  EXPECT_EQ(history.misses_too_old(), 1u);
  EXPECT_EQ(history.misses(), 1u);
  EXPECT_EQ(history.size(), 2u); // find() does not forget

  history.remember(3, packet_for(3), kStart + 150ms); // forgets 1, keeps 2 (100 ms old)
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.bytes(), 10u);
  EXPECT_EQ(history.find(1, kStart + 150ms), nullptr);
  EXPECT_EQ(history.misses_too_old(), 1u); // gone now, an ordinary miss
  EXPECT_NE(history.find(2, kStart + 150ms), nullptr);
}

TEST(SendHistory, SequenceWrap) {
  SendHistory history;
  const uint16_t sequences[] = {65534, 65535, 0, 1};
  for (const uint16_t s : sequences) history.remember(s, packet_for(s), kStart);
  for (const uint16_t s : sequences) {
    const Bytes* found = history.find(s, kStart + 10ms);
    ASSERT_NE(found, nullptr) << s;
    EXPECT_EQ(*found, packet_for(s));
  }
}

TEST(SendHistory, ReusedSequenceNumberReplacesAndSurvivesEviction) {
  SendHistory history(3);
  history.remember(5, {1}, kStart);
  history.remember(6, {2, 2}, kStart);
  history.remember(5, {3, 3, 3}, kStart); // e.g. 2^16 packets later
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.bytes(), 5u);
  history.remember(7, {4}, kStart); // pushes out the first record of 5, not its replacement
  ASSERT_NE(history.find(5, kStart), nullptr);
  EXPECT_EQ(*history.find(5, kStart), (Bytes{3, 3, 3}));
  EXPECT_EQ(history.size(), 3u);
  history.remember(8, {5}, kStart); // now 6 goes
  EXPECT_EQ(history.find(6, kStart), nullptr);
  EXPECT_EQ(history.bytes(), 5u); // 5 (3 octets), 7, 8
}

TEST(SendHistory, Clear) {
  SendHistory history;
  history.remember(1, packet_for(1), kStart);
  history.clear();
  EXPECT_EQ(history.size(), 0u);
  EXPECT_EQ(history.bytes(), 0u);
  EXPECT_EQ(history.find(1, kStart), nullptr);
  history.remember(1, packet_for(1), kStart);
  EXPECT_NE(history.find(1, kStart), nullptr);
}

} // namespace
} // namespace roomcast::rtp
