// LossCounter: cumulative loss from sequence numbers, across wraps, reordering and duplicates.
#include <gtest/gtest.h>

#include "rtp/loss_counter.hpp"

namespace roomcast::rtp {
namespace {

TEST(LossCounter, CountsGapsAcrossTheSequenceWrap) {
  LossCounter c;
  EXPECT_EQ(c.lost(), 0u);
  for (uint32_t s = 65530; s < 65530 + 20; ++s)
    if (s % 7 != 0) c.on_packet(static_cast<uint16_t>(s));  // every 7th lost
  uint64_t dropped = 0;
  for (uint32_t s = 65530; s < 65530 + 20; ++s) dropped += s % 7 == 0 ? 1 : 0;
  // A lost first or last packet cannot be known from the stream itself.
  EXPECT_EQ(c.lost(), dropped - (65530 % 7 == 0 ? 1 : 0) - ((65530 + 19) % 7 == 0 ? 1 : 0));
  EXPECT_EQ(c.received(), 20 - dropped);
}

TEST(LossCounter, LateAndDuplicatePacketsDoNotMakeLossNegative) {
  LossCounter c;
  for (uint16_t s : {10, 12, 11, 13, 13, 14}) c.on_packet(s);
  EXPECT_EQ(c.lost(), 0u) << "11 arrived late, 13 twice";
  c.on_packet(20);
  EXPECT_EQ(c.lost(), 4u) << "15..19 missing, less one for the duplicate 13, as RFC 3550 counts";
}

}  // namespace
}  // namespace roomcast::rtp
