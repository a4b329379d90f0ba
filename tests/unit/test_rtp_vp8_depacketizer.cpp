// Vp8Depacketizer: frame boundaries, foreign descriptors, drops, duplicates, NACK list, wrap.
#include "rtp/vp8_depacketizer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace roomcast::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

RtpPacket packet(uint16_t sequence, uint32_t timestamp, bool marker, Bytes payload) {
  RtpPacket p;
  p.payload_type = 96;
  p.sequence = sequence;
  p.timestamp = timestamp;
  p.ssrc = 1;
  p.marker = marker;
  p.payload = std::move(payload);
  return p;
}

// A frame of `count` packets starting at `sequence`, with the minimal descriptor (X=0).
std::vector<RtpPacket> frame_packets(uint16_t sequence, uint32_t timestamp, int count,
                                     uint8_t first_octet = 0x11) {
  std::vector<RtpPacket> out;
  for (int i = 0; i < count; ++i) {
    const uint8_t descriptor = i == 0 ? 0x10 : 0x00; // S=1 PID=0 on the first only
    const uint8_t data = i == 0 ? first_octet : static_cast<uint8_t>(i);
    out.push_back(packet(static_cast<uint16_t>(sequence + i), timestamp, i == count - 1,
                         {descriptor, data, 0x00, 0x00}));
  }
  return out;
}

TEST(Vp8Depacketizer, ForeignDescriptorsAndPartitions) {
  Vp8Depacketizer d;
  // A sender that numbers partitions: partition 1 also starts with S=1 but not the frame.
  const RtpPacket first = packet(10, 500, false,
                                 {0x90, 0xE0, 0x11, 0x07, 0x40, // X; I L T; 7-bit id 17; TL0 7
                                  0x50, 0x01, 0x02});           // frame tag (key), data
  const RtpPacket second = packet(11, 500, true, {0xB1, 0xE0, 0x11, 0x07, 0x40, 0x03}); // N S PID=1
  EXPECT_FALSE(d.push(second)); // no start yet
  const auto f = d.push(first);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, (Bytes{0x50, 0x01, 0x02, 0x03}));
  EXPECT_TRUE(f->keyframe);
  EXPECT_EQ(f->picture_id, 17);
  EXPECT_EQ(f->first_sequence, 10);
  EXPECT_EQ(f->last_sequence, 11);
}

TEST(Vp8Depacketizer, FrameWithoutStartNeverCompletes) {
  Vp8Depacketizer d;
  const auto a = frame_packets(100, 1000, 2);
  EXPECT_FALSE(d.push(a[1]));
  EXPECT_TRUE(d.missing().empty()); // nothing before the first packet seen is asked for
  auto no_start = a[0];
  no_start.payload[0] = 0x00; // S=0: the frame start is not there
  EXPECT_FALSE(d.push(no_start));
  EXPECT_EQ(d.frames_completed(), 0u);
}

TEST(Vp8Depacketizer, NewerCompleteFrameDropsOlderIncompleteOne) {
  Vp8Depacketizer d;
  const auto a = frame_packets(200, 1000, 3);
  const auto b = frame_packets(203, 4000, 2);
  EXPECT_FALSE(d.push(a[0]));
  EXPECT_FALSE(d.push(a[2])); // a[1] lost
  EXPECT_EQ(d.missing(), (std::vector<uint16_t>{201}));
  EXPECT_FALSE(d.push(b[1]));
  const auto f = d.push(b[0]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rtp_timestamp, 4000u);
  EXPECT_EQ(d.frames_dropped(), 1u);
  EXPECT_TRUE(d.missing().empty());
  EXPECT_FALSE(d.push(a[1])); // too late now
  EXPECT_EQ(d.packets_late(), 1u);
  EXPECT_EQ(d.buffered_packets(), 0u);
}

TEST(Vp8Depacketizer, DuplicatesAndMalformedAreCounted) {
  Vp8Depacketizer d;
  const auto a = frame_packets(7, 1, 2);
  EXPECT_FALSE(d.push(a[0]));
  EXPECT_FALSE(d.push(a[0]));
  EXPECT_EQ(d.duplicates(), 1u);
  EXPECT_FALSE(d.push(packet(8, 1, true, {0x90, 0x80}))); // descriptor cut short
  EXPECT_FALSE(d.push(packet(8, 1, true, {})));
  EXPECT_EQ(d.packets_malformed(), 2u);
  EXPECT_TRUE(d.push(a[1]));
  EXPECT_FALSE(d.push(a[1])); // a duplicate of a delivered packet is simply late
  EXPECT_EQ(d.packets_late(), 1u);
}

TEST(Vp8Depacketizer, MissingListsGapsAcrossTheWrap) {
  Vp8Depacketizer d;
  const auto a = frame_packets(65530, 10, 1);
  ASSERT_TRUE(d.push(a[0]));
  // Frame b spans 65531..3 (9 packets); 65534, 65535, 0 and 2 do not arrive.
  const auto b = frame_packets(65531, 20, 9);
  for (const auto& p : b) {
    if (p.sequence == 65534 || p.sequence == 65535 || p.sequence == 0 || p.sequence == 2) continue;
    EXPECT_FALSE(d.push(p));
  }
  EXPECT_EQ(d.missing(), (std::vector<uint16_t>{65534, 65535, 0, 2}));
  EXPECT_FALSE(d.push(b[5])); // sequence 0
  EXPECT_EQ(d.missing(), (std::vector<uint16_t>{65534, 65535, 2}));
  EXPECT_FALSE(d.push(b[3]));
  EXPECT_FALSE(d.push(b[4]));
  const auto f = d.push(b[7]); // sequence 2, the last one missing
  EXPECT_TRUE(d.missing().empty());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->first_sequence, 65531);
  EXPECT_EQ(f->last_sequence, 3);
  EXPECT_EQ(f->payload.size(), 9u * 3u);
}

TEST(Vp8Depacketizer, WindowBoundsMemoryAndForwardJumpResets) {
  Vp8Depacketizer d(16);
  for (uint16_t s = 0; s < 100; ++s) { // frames that never start: all S=0
    EXPECT_FALSE(d.push(packet(s, s / 4, false, {0x00, 0xAA})));
  }
  EXPECT_EQ(d.buffered_packets(), 16u);
  EXPECT_EQ(d.frames_dropped(), 21u); // timestamps 0..20 slid out of the window
  EXPECT_TRUE(d.missing().empty());
  EXPECT_FALSE(d.push(packet(10, 2, false, {0x00, 0xAA}))); // behind the window
  EXPECT_EQ(d.packets_late(), 1u);

  const auto far = frame_packets(5000, 9999, 1);
  EXPECT_TRUE(d.push(far[0])); // a jump past the window starts afresh
  EXPECT_EQ(d.frames_dropped(), 25u);
  EXPECT_EQ(d.buffered_packets(), 0u);
}

TEST(Vp8Depacketizer, RestartBackwardsNeedsTwoConsecutivePackets) {
  Vp8Depacketizer d(16);
  ASSERT_TRUE(d.push(frame_packets(40000, 1, 1)[0]));
  const auto restarted = frame_packets(39000, 2, 2); // 1000 back: beyond any reordering
  EXPECT_FALSE(d.push(restarted[0]));                // far behind: might be a stray old packet
  EXPECT_EQ(d.packets_late(), 1u);
  EXPECT_FALSE(d.push(restarted[1])); // follows it: the sender restarted
  EXPECT_TRUE(d.missing().empty());   // 39000 was before the restarted stream began
  const auto next = frame_packets(39002, 3, 1);
  const auto f = d.push(next[0]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->first_sequence, 39002);
}

TEST(Vp8Depacketizer, RandomInputNeverCrashes) {
  std::mt19937 rng(5);
  Vp8Depacketizer d(64);
  for (int i = 0; i < 20000; ++i) {
    Bytes payload(rng() % 8);
    for (auto& x : payload) x = static_cast<uint8_t>(rng());
    const auto seq = static_cast<uint16_t>(i + static_cast<int>(rng() % 40) - 20);
    (void)d.push(packet(seq, static_cast<uint32_t>(i / 3), rng() % 3 == 0, payload));
    (void)d.missing();
  }
  EXPECT_LE(d.buffered_packets(), 64u);
  EXPECT_GT(d.frames_completed(), 0u);
}

} // namespace
} // namespace roomcast::rtp
