// PacketPacer on a fake clock: a frame spread, not burst; keyframe budget; retransmissions first;
// bounded queue (drop-oldest, counted); a shared wake-up grid.
#include "rtp/packet_pacer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "rtp/rtp_packet.hpp"

namespace roomcast::rtp {
namespace {

using namespace std::chrono_literals;
using Clock = PacketPacer::Clock;
using Packet = PacketPacer::Packet;

const Clock::time_point kStart{std::chrono::seconds{1000}};

// A frame of `count` RTP packets of `size` octets, sequence numbers from `first`, marker on the last.
std::vector<Packet> frame(int count, uint16_t first = 0, std::size_t size = 1200) {
  std::vector<Packet> out;
  for (int i = 0; i < count; ++i) {
    RtpPacket p;
    p.payload_type = 96;
    p.sequence = static_cast<uint16_t>(first + i);
    p.timestamp = 90000;
    p.ssrc = 0x1234;
    p.marker = i == count - 1;
    p.payload.assign(size - kRtpFixedHeaderSize, 0x55);
    out.push_back(p.serialize());
  }
  return out;
}

struct Sent {
  Clock::time_point at;
  RtpPacket packet;
};

// Drives the pacer as the peer's timer does: wakes at next_send_time(), sends what is due.
std::vector<Sent> drain(PacketPacer& pacer, Clock::time_point now, Clock::time_point until = kStart + 10s) {
  std::vector<Sent> sent;
  for (;;) {
    for (auto& wire : pacer.take_due(now)) sent.push_back({now, *RtpPacket::parse(wire)});
    auto next = pacer.next_send_time();
    if (!next || *next > until) break;
    EXPECT_GT(*next, now) << "a wake-up that sends nothing";
    now = *next;
  }
  return sent;
}

Clock::duration min_gap(const std::vector<Sent>& sent) {
  Clock::duration gap = Clock::duration::max();
  for (std::size_t i = 1; i < sent.size(); ++i) gap = std::min(gap, sent[i].at - sent[i - 1].at);
  return gap;
}

void expect_in_order_with_marker_last(const std::vector<Sent>& sent, uint16_t first) {
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].packet.sequence, static_cast<uint16_t>(first + i)) << i;
    EXPECT_EQ(sent[i].packet.marker, i + 1 == sent.size()) << i;
  }
}

TEST(PacketPacer, KeyframeAt500kbpsLeavesSpreadOverItsBurstBudget) {
  PacketPacer pacer;
  pacer.set_target_bitrate(500'000);
  EXPECT_EQ(pacer.pacing_rate_bps(), 1'250'000);
  pacer.enqueue_frame(frame(30), true, kStart);
  const auto sent = drain(pacer, kStart);
  ASSERT_EQ(sent.size(), 30u);
  expect_in_order_with_marker_last(sent, 0);
  // 36 kB would take 230 ms at 2.5 x 500 kbit/s; the keyframe budget (4 x the pacing rate,
  // 5 Mbit/s) sends it in 29 x 1.92 ms = 55.7 ms, on the 1 ms grid: the last at 56 ms.
  EXPECT_EQ(sent.front().at, kStart);
  EXPECT_GE(sent.back().at - kStart, 55ms);
  EXPECT_LE(sent.back().at - kStart, 57ms);
  // Never two packets in the same millisecond (1.92 ms apart, rounded to the grid).
  EXPECT_GE(min_gap(sent), 1ms);
  EXPECT_EQ(pacer.stats().media_sent, 30u);
  EXPECT_EQ(pacer.stats().media_dropped, 0u);
}

TEST(PacketPacer, WithoutTheGridPacketsAreExactlySizeOverRateApart) {
  PacketPacer::Config config;
  config.granularity = std::chrono::microseconds(0);
  PacketPacer pacer(config);
  pacer.set_target_bitrate(500'000);
  pacer.enqueue_frame(frame(30), true, kStart);
  const auto sent = drain(pacer, kStart);
  ASSERT_EQ(sent.size(), 30u);
  EXPECT_GE(min_gap(sent), 1920us);  // 1200 octets at 5 Mbit/s
  EXPECT_EQ(sent.back().at - kStart, 29 * 1920us);
}

TEST(PacketPacer, ADeltaFrameTakesAFractionOfTheFrameInterval) {
  PacketPacer pacer;
  pacer.set_target_bitrate(800'000);
  pacer.enqueue_frame(frame(3), false, kStart);
  const auto sent = drain(pacer, kStart);
  ASSERT_EQ(sent.size(), 3u);
  expect_in_order_with_marker_last(sent, 0);
  // 1200 octets at 2 Mbit/s: 4.8 ms apart; the frame is out in 10 ms of its 33 ms.
  EXPECT_GE(min_gap(sent), 4ms);
  EXPECT_LE(sent.back().at - kStart, 10ms);
}

TEST(PacketPacer, WithoutTheBudgetAKeyframeGoesAtThePacingRate) {
  PacketPacer pacer;
  pacer.set_target_bitrate(500'000);
  pacer.enqueue_frame(frame(30), false, kStart);
  const auto sent = drain(pacer, kStart);
  ASSERT_EQ(sent.size(), 30u);
  // 29 x 7.68 ms (1200 octets at 1.25 Mbit/s) = 222.7 ms.
  EXPECT_GE(sent.back().at - kStart, 222ms);
  EXPECT_LE(sent.back().at - kStart, 224ms);
}

TEST(PacketPacer, RetransmissionsGoAheadOfQueuedMedia) {
  PacketPacer pacer;
  pacer.set_target_bitrate(500'000);
  pacer.enqueue_frame(frame(30), true, kStart);
  ASSERT_EQ(pacer.take_due(kStart).size(), 1u);
  pacer.enqueue_retransmission(frame(1, 900).front(), kStart + 1ms);
  const auto sent = drain(pacer, kStart + 1ms);
  ASSERT_EQ(sent.size(), 30u);
  EXPECT_EQ(sent.front().packet.sequence, 900);
  for (std::size_t i = 1; i < sent.size(); ++i) EXPECT_EQ(sent[i].packet.sequence, i) << i;
  EXPECT_EQ(pacer.stats().retransmissions_sent, 1u);
}

TEST(PacketPacer, AFullQueueDropsItsOldestMediaAndCountsThem) {
  PacketPacer::Config config;
  config.max_media_packets = 50;
  PacketPacer pacer(config);
  pacer.set_target_bitrate(500'000);
  pacer.enqueue_frame(frame(30, 0), false, kStart);
  pacer.enqueue_frame(frame(30, 30), false, kStart);
  pacer.enqueue_frame(frame(30, 60), true, kStart);
  EXPECT_EQ(pacer.queued_packets(), 50u);
  EXPECT_EQ(pacer.stats().media_dropped, 40u);
  EXPECT_EQ(pacer.stats().peak_queue_packets, 50u);
  const auto sent = drain(pacer, kStart);
  ASSERT_EQ(sent.size(), 50u);
  // The newest 50, in order: the second frame's tail (its marker at 59), then the keyframe.
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].packet.sequence, 40 + i) << i;
    EXPECT_EQ(sent[i].packet.marker, sent[i].packet.sequence == 59 || sent[i].packet.sequence == 89) << i;
  }
  // A frame larger than the whole queue keeps its last packets (the marker among them).
  pacer.enqueue_frame(frame(60, 200), true, kStart + 1s);
  EXPECT_EQ(pacer.stats().media_dropped, 50u);
  const auto big = drain(pacer, kStart + 1s);
  ASSERT_EQ(big.size(), 50u);
  EXPECT_EQ(big.front().packet.sequence, 210);
  EXPECT_TRUE(big.back().packet.marker);
}

TEST(PacketPacer, AFullRetransmissionQueueDropsTheNewOne) {
  PacketPacer::Config config;
  config.max_retransmissions = 2;
  PacketPacer pacer(config);
  pacer.enqueue_frame(frame(1, 0), false, kStart);
  for (uint16_t s = 1; s <= 3; ++s) pacer.enqueue_retransmission(frame(1, s).front(), kStart);
  EXPECT_EQ(pacer.stats().retransmissions_dropped, 1u);
  EXPECT_EQ(pacer.queued_packets(), 3u);
}

TEST(PacketPacer, APauseSavesNoCreditForABurst) {
  PacketPacer pacer;
  pacer.set_target_bitrate(800'000);
  pacer.enqueue_frame(frame(3), false, kStart);
  drain(pacer, kStart);
  pacer.enqueue_frame(frame(3, 3), false, kStart + 5s);
  const auto sent = drain(pacer, kStart + 5s, kStart + 20s);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent.front().at, kStart + 5s);
  EXPECT_GE(min_gap(sent), 4ms);
}

TEST(PacketPacer, ALateWakeUpCatchesUpOneStepNotTheWholeDelay) {
  PacketPacer pacer;
  pacer.set_target_bitrate(500'000);
  pacer.enqueue_frame(frame(30), true, kStart);
  ASSERT_EQ(pacer.take_due(kStart).size(), 1u);
  // The loop was busy for 40 ms: 20 packets were due, but only about a step's worth leaves.
  EXPECT_LE(pacer.take_due(kStart + 40ms).size(), 2u);
  const auto rest = drain(pacer, *pacer.next_send_time());
  EXPECT_GE(min_gap(rest), 1ms);
}

TEST(PacketPacer, ABacklogDrainsWithinTheQueueDelayLimitNotAtThePacingRate) {
  PacketPacer pacer;
  pacer.set_target_bitrate(40'000);  // pacing at the 200 kbit/s floor
  for (int f = 0; f < 10; ++f) pacer.enqueue_frame(frame(50, static_cast<uint16_t>(f * 50)), false, kStart);
  // 600 kB at 200 kbit/s would take 24 s.
  const auto sent = drain(pacer, kStart);
  ASSERT_EQ(sent.size(), 500u);
  EXPECT_LT(sent.back().at - kStart, 2s);
  expect_in_order_with_marker_last({sent.end() - 50, sent.end()}, 450);
}

TEST(PacketPacer, WakeUpsOfAllPacersFallOnOneGrid) {
  PacketPacer a, b;
  a.set_target_bitrate(700'000);
  b.set_target_bitrate(300'000);
  a.enqueue_frame(frame(5), false, kStart + 123us);
  b.enqueue_frame(frame(5), false, kStart + 457us);
  a.take_due(kStart + 123us);
  b.take_due(kStart + 457us);
  for (auto* pacer : {&a, &b}) {
    auto next = pacer->next_send_time();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->time_since_epoch() % 1ms, Clock::duration::zero());
  }
}

TEST(PacketPacer, AnHourAtTheTargetNeverBacksUp) {
  // 30 fps, a 40-packet keyframe every 3 s and 3-packet frames between (~1 Mbit/s against an
  // 800 kbit/s target, as an encoder overshoots): a keyframe (48 kB, 48 ms at its 8 Mbit/s
  // budget) overlaps the next frame or two, and every other frame is out before the next comes.
  PacketPacer pacer;
  pacer.set_target_bitrate(800'000);
  Clock::time_point now = kStart;
  uint64_t sent = 0, made = 0;
  for (int f = 0; f < 30 * 3600; ++f) {
    const auto due = kStart + std::chrono::microseconds(int64_t{f} * 1'000'000 / 30);
    while (auto next = pacer.next_send_time()) {
      if (*next > due) break;
      now = *next;
      sent += pacer.take_due(now).size();
    }
    if (f % 90 >= 3) ASSERT_EQ(pacer.queued_packets(), 0u) << "frame " << f << " came before the previous one was out";
    const bool key = f % 90 == 0;
    pacer.enqueue_frame(frame(key ? 40 : 3, static_cast<uint16_t>(made)), key, due);
    made += key ? 40 : 3;
    sent += pacer.take_due(due).size();
  }
  sent += drain(pacer, now, now + 1s).size();
  EXPECT_EQ(sent, made);
  EXPECT_EQ(pacer.stats().media_dropped, 0u);
  EXPECT_LE(pacer.stats().peak_queue_packets, 39u + 3u);  // a keyframe's rest and a frame, never more
  EXPECT_LT(pacer.stats().peak_queue_delay, 60ms);
}

TEST(PacketPacer, EmptyIsIdle) {
  PacketPacer pacer;
  EXPECT_FALSE(pacer.next_send_time());
  EXPECT_TRUE(pacer.take_due(kStart).empty());
  pacer.enqueue_frame({}, true, kStart);
  EXPECT_FALSE(pacer.next_send_time());
}

}  // namespace
}  // namespace roomcast::rtp
