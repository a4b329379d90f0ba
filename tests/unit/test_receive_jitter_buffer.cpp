// JitterBuffer: playout delay, reordering, FEC/PLC, duplicates, wrap, late, idle, long packets,
// bursts.
#include <gtest/gtest.h>

#include <opus.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <vector>

#include "receive/jitter_buffer.hpp"
#include "receive/opus_decoder.hpp"
#include "media/opus_encoder.hpp"
#include "test_media_signal.hpp"

namespace roomcast::receive {
using namespace roomcast::media;  // frames and test signals of the send side
namespace {

struct RtpOpus {
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  std::vector<uint8_t> payload;
};

constexpr double kToneHz = 440;

// A 440 Hz tone as consecutive Opus packets of samples_per_packet samples each.
std::vector<RtpOpus> tone_packets(int count, uint16_t first_sequence = 1000,
                                  uint32_t first_timestamp = 123456,
                                  int samples_per_packet = kFrameSamples) {
  const std::vector<int16_t> pcm = test::to_s16(
      test::sine(kToneHz, kSampleRateHz, static_cast<std::size_t>(count) * samples_per_packet));
  int rc = OPUS_OK;
  ::OpusEncoder *encoder = opus_encoder_create(kSampleRateHz, 1, OPUS_APPLICATION_VOIP, &rc);
  EXPECT_EQ(rc, OPUS_OK);
  opus_encoder_ctl(encoder, OPUS_SET_BITRATE(32000));
  opus_encoder_ctl(encoder, OPUS_SET_INBAND_FEC(1));
  opus_encoder_ctl(encoder, OPUS_SET_PACKET_LOSS_PERC(20));
  std::vector<RtpOpus> packets;
  for (int i = 0; i < count; ++i) {
    std::array<uint8_t, 1500> buffer{};
    const int size =
        opus_encode(encoder, pcm.data() + static_cast<std::size_t>(i) * samples_per_packet,
                    samples_per_packet, buffer.data(), static_cast<int>(buffer.size()));
    EXPECT_GT(size, 0);
    packets.push_back({static_cast<uint16_t>(first_sequence + i),
                       first_timestamp + static_cast<uint32_t>(i * samples_per_packet),
                       {buffer.begin(), buffer.begin() + std::max(size, 0)}});
  }
  opus_encoder_destroy(encoder);
  return packets;
}

// 20 ms packets through the project's own encoder (FEC on, Voip so SILK carries FEC).
std::vector<RtpOpus> encoder_packets(int count, uint16_t first_sequence = 1000,
                                     uint32_t first_timestamp = 123456) {
  media::OpusEncoder encoder(32000, true, media::OpusEncoder::Application::Voip);
  encoder.set_packet_loss_percent(20);
  const std::vector<int16_t> pcm = test::to_s16(
      test::sine(kToneHz, kSampleRateHz, static_cast<std::size_t>(count) * kFrameSamples));
  std::vector<RtpOpus> packets;
  for (int i = 0; i < count; ++i) {
    AudioFrame frame;
    std::copy_n(pcm.begin() + i * kFrameSamples, kFrameSamples, frame.samples.begin());
    packets.push_back({static_cast<uint16_t>(first_sequence + i),
                       first_timestamp + static_cast<uint32_t>(i * kFrameSamples),
                       encoder.encode(frame)});
  }
  return packets;
}

// What a fresh decoder makes of the packets in order: the reference output.
std::vector<int16_t> direct_decode(const std::vector<RtpOpus> &packets) {
  receive::OpusDecoder decoder;
  std::vector<int16_t> out;
  for (const RtpOpus &p : packets) {
    const auto pcm = decoder.decode(p.payload);
    EXPECT_TRUE(pcm);
    if (pcm) {
      out.insert(out.end(), pcm->begin(), pcm->end());
    }
  }
  return out;
}

void push(JitterBuffer &jb, const RtpOpus &p) { jb.push(p.sequence, p.timestamp, p.payload); }

void append(std::vector<int16_t> &out, const JitterBuffer::Output &frame) {
  out.insert(out.end(), frame.samples.begin(), frame.samples.end());
}

// Largest sample-to-sample step: a 440 Hz sine at half scale moves at most ~950 per sample,
// so a splice, a gap or a repeated frame shows up as a much larger jump.
int max_step(const std::vector<int16_t> &x) {
  int step = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    step = std::max(step, std::abs(x[i] - x[i - 1]));
  }
  return step;
}

TEST(ReceiveJitterBuffer, InOrderStartsAfterTargetDelayAndMatchesDirectDecode) {
  const auto packets = encoder_packets(100);
  JitterBuffer jb;
  std::vector<int16_t> out;
  for (int tick = 0; tick < 100; ++tick) {
    push(jb, packets[tick]);
    const auto frame = jb.pull();
    if (tick < 3) {
      EXPECT_FALSE(frame) << "tick " << tick;
      continue;
    }
    ASSERT_TRUE(frame) << "tick " << tick;
    EXPECT_FALSE(frame->concealed) << "tick " << tick;
    append(out, *frame);
  }
  const std::vector<int16_t> reference = direct_decode(packets);
  ASSERT_EQ(out.size(), 97u * kFrameSamples);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), reference.begin()));
  const std::span<const int16_t> settled(out.data() + 9600, 24000);
  EXPECT_NEAR(test::dominant_frequency(settled, kSampleRateHz), kToneHz, 1.0);
  EXPECT_LT(max_step(std::vector<int16_t>(out.begin() + 9600, out.end())), 2000);

  const auto stats = jb.stats();
  EXPECT_EQ(stats.packets_received, 100u);
  EXPECT_EQ(stats.packets_lost, 0u);
  EXPECT_EQ(stats.frames_played, 97u);
  EXPECT_EQ(stats.frames_concealed, 0u);
  EXPECT_EQ(stats.frames_dropped, 0u);
  EXPECT_EQ(stats.buffered_frames, 3);
}

TEST(ReceiveJitterBuffer, TargetDelayIsAnOption) {
  const auto packets = encoder_packets(10);
  JitterBuffer jb(JitterBuffer::Options{.target_delay_frames = 1});
  push(jb, packets[0]);
  EXPECT_FALSE(jb.pull());
  push(jb, packets[1]);
  EXPECT_TRUE(jb.pull());
}

TEST(ReceiveJitterBuffer, SwappedPairsAreReorderedWithoutConcealment) {
  const auto packets = encoder_packets(60);
  JitterBuffer jb;
  std::vector<int16_t> out;
  for (int tick = 0; tick < 60; ++tick) {
    push(jb, packets[tick ^ 1]); // 1 0 3 2 5 4 ...
    if (const auto frame = jb.pull()) {
      EXPECT_FALSE(frame->concealed) << "tick " << tick;
      append(out, *frame);
    }
  }
  const std::vector<int16_t> reference = direct_decode(packets);
  ASSERT_EQ(out.size(), 57u * kFrameSamples);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), reference.begin()));
  EXPECT_EQ(jb.stats().frames_concealed, 0u);
  EXPECT_EQ(jb.stats().packets_late, 0u);
  EXPECT_EQ(jb.stats().packets_lost, 0u);
}

// Plays packets one per tick, leaving out those in `lost`; returns the frames in order.
std::vector<JitterBuffer::Output> play(JitterBuffer &jb, const std::vector<RtpOpus> &packets,
                                       const std::vector<int> &lost) {
  std::vector<JitterBuffer::Output> frames;
  for (std::size_t tick = 0; tick < packets.size(); ++tick) {
    if (std::find(lost.begin(), lost.end(), static_cast<int>(tick)) == lost.end()) {
      push(jb, packets[tick]);
    }
    if (auto frame = jb.pull()) {
      frames.push_back(*frame);
    }
  }
  return frames;
}

TEST(ReceiveJitterBuffer, OneLostPacketIsRecoveredFromTheNextPacketsFec) {
  const auto packets = encoder_packets(50);
  JitterBuffer jb;
  const auto frames = play(jb, packets, {20});
  ASSERT_EQ(frames.size(), 47u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].fec, i == 20) << "frame " << i;
    EXPECT_EQ(frames[i].concealed, i == 20) << "frame " << i;
  }
  // SILK's FEC copy is a coarser version of the tone, not silence.
  const double expected = 0.5 * (0.5 * 32767) * (0.5 * 32767) * kFrameSamples;
  EXPECT_GT(test::energy(frames[20].samples), 0.2 * expected);
  const auto stats = jb.stats();
  EXPECT_EQ(stats.frames_fec, 1u);
  EXPECT_EQ(stats.frames_concealed, 1u);
  EXPECT_EQ(stats.packets_lost, 1u);
  EXPECT_EQ(stats.packets_received, 49u);
}

TEST(ReceiveJitterBuffer, TwoLostInARowArePlcThenFec) {
  const auto packets = encoder_packets(50);
  JitterBuffer jb;
  const auto frames = play(jb, packets, {20, 21});
  ASSERT_EQ(frames.size(), 47u);
  EXPECT_TRUE(frames[20].concealed);
  EXPECT_FALSE(frames[20].fec); // nothing after it has arrived to recover from
  EXPECT_TRUE(frames[21].concealed);
  EXPECT_TRUE(frames[21].fec);
  EXPECT_FALSE(frames[22].concealed);
  const auto stats = jb.stats();
  EXPECT_EQ(stats.frames_concealed, 2u);
  EXPECT_EQ(stats.frames_fec, 1u);
  EXPECT_EQ(stats.packets_lost, 2u);
}

TEST(ReceiveJitterBuffer, DuplicatesAreIgnored) {
  const auto packets = encoder_packets(40);
  JitterBuffer jb;
  std::vector<int16_t> out;
  for (int tick = 0; tick < 40; ++tick) {
    push(jb, packets[tick]);
    push(jb, packets[tick]);
    if (tick >= 5) {
      push(jb, packets[tick - 5]); // again after it was played: a duplicate, not late
    }
    if (const auto frame = jb.pull()) {
      EXPECT_FALSE(frame->concealed);
      append(out, *frame);
    }
  }
  const std::vector<int16_t> reference = direct_decode(packets);
  ASSERT_EQ(out.size(), 37u * kFrameSamples);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), reference.begin()));
  const auto stats = jb.stats();
  EXPECT_EQ(stats.packets_duplicate, 40u + 35u);
  EXPECT_EQ(stats.packets_received, 40u);
  EXPECT_EQ(stats.packets_late, 0u);
}

TEST(ReceiveJitterBuffer, SequenceAndTimestampWrapLoseNothing) {
  const auto packets = encoder_packets(40, 65530, 0xFFFFFFFFu - 5 * kFrameSamples);
  JitterBuffer jb;
  const auto frames = play(jb, packets, {});
  ASSERT_EQ(frames.size(), 37u);
  for (const auto &frame : frames) {
    EXPECT_FALSE(frame.concealed);
  }
  const auto stats = jb.stats();
  EXPECT_EQ(stats.packets_lost, 0u);
  EXPECT_EQ(stats.packets_received, 40u);
  EXPECT_EQ(stats.restarts, 0u);
}

TEST(ReceiveJitterBuffer, LatePacketIsCountedAndNotPlayed) {
  const auto packets = encoder_packets(40);
  JitterBuffer jb;
  std::vector<JitterBuffer::Output> frames;
  for (int tick = 0; tick < 40; ++tick) {
    if (tick != 20) {
      push(jb, packets[tick]);
    }
    if (tick == 26) {
      push(jb, packets[20]); // its slot was played at tick 23
    }
    if (auto frame = jb.pull()) {
      frames.push_back(*frame);
    }
  }
  ASSERT_EQ(frames.size(), 37u);
  EXPECT_TRUE(frames[20].concealed);
  const auto stats = jb.stats();
  EXPECT_EQ(stats.packets_late, 1u);
  EXPECT_EQ(stats.frames_concealed, 1u);
  EXPECT_EQ(stats.packets_received, 40u);
  EXPECT_EQ(stats.packets_lost, 0u); // it did arrive (RFC 3550 A.3 counts it received)
}

TEST(ReceiveJitterBuffer, StoppedStreamGoesIdleThenRestartsCleanly) {
  const auto packets = encoder_packets(80);
  JitterBuffer jb;
  for (int tick = 0; tick < 30; ++tick) {
    push(jb, packets[tick]);
    jb.pull();
  }
  // The sender stops: 3 buffered frames, then max_conceal_frames concealed, then idle.
  for (int i = 0; i < 3; ++i) {
    const auto frame = jb.pull();
    ASSERT_TRUE(frame);
    EXPECT_FALSE(frame->concealed);
  }
  for (int i = 0; i < 5; ++i) {
    const auto frame = jb.pull();
    ASSERT_TRUE(frame) << "concealed frame " << i;
    EXPECT_TRUE(frame->concealed);
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(jb.pull());
  }
  EXPECT_FALSE(jb.playing());
  EXPECT_EQ(jb.stats().buffered_frames, 0);
  EXPECT_EQ(jb.stats().frames_concealed, 5u);

  // It resumes where it left off, a second later in RTP time: buffer again, then play.
  const uint32_t pause = 58 * kFrameSamples;
  for (int tick = 30; tick < 80; ++tick) {
    jb.push(packets[tick].sequence, packets[tick].timestamp + pause, packets[tick].payload);
    const auto frame = jb.pull();
    if (tick < 33) {
      EXPECT_FALSE(frame) << "tick " << tick;
    } else {
      ASSERT_TRUE(frame) << "tick " << tick;
      EXPECT_FALSE(frame->concealed) << "tick " << tick;
    }
  }
  const auto stats = jb.stats();
  EXPECT_EQ(stats.frames_concealed, 5u);
  EXPECT_EQ(stats.packets_lost, 0u);
  EXPECT_EQ(stats.packets_late, 0u);
  EXPECT_EQ(stats.restarts, 0u);
}

TEST(ReceiveJitterBuffer, SenderRestartResynchronises) {
  const auto first = encoder_packets(30, 100, 5000);
  const auto second = encoder_packets(40, 40000, 900000000);
  JitterBuffer jb;
  for (const auto &p : first) {
    push(jb, p);
    jb.pull();
  }
  // A new sequence space mid-stream: the first new packet waits for the second to confirm.
  std::vector<JitterBuffer::Output> frames;
  int buffering = 0;
  for (const auto &p : second) {
    push(jb, p);
    if (auto frame = jb.pull()) {
      frames.push_back(*frame);
    } else {
      ++buffering;
    }
  }
  EXPECT_EQ(buffering, 3); // from the confirming packet, the target delay
  for (const auto &frame : frames) {
    EXPECT_FALSE(frame.concealed);
  }
  const auto stats = jb.stats();
  EXPECT_EQ(stats.restarts, 1u);
  EXPECT_EQ(stats.packets_lost, 0u);
  EXPECT_EQ(stats.packets_received, 70u);
}

TEST(ReceiveJitterBuffer, OneStrayPacketDoesNotRestart) {
  const auto packets = encoder_packets(50);
  JitterBuffer jb;
  std::vector<int16_t> out;
  for (int tick = 0; tick < 50; ++tick) {
    push(jb, packets[tick]);
    if (tick == 25) {
      jb.push(static_cast<uint16_t>(packets[tick].sequence + 20000), 7, packets[tick].payload);
    }
    if (const auto frame = jb.pull()) {
      EXPECT_FALSE(frame->concealed) << "tick " << tick;
      append(out, *frame);
    }
  }
  const std::vector<int16_t> reference = direct_decode(packets);
  ASSERT_EQ(out.size(), 47u * kFrameSamples);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), reference.begin()));
  EXPECT_EQ(jb.stats().restarts, 0u);
}

TEST(ReceiveJitterBuffer, SixtyMillisecondPacketsPlayAsThreeFrames) {
  const auto packets = tone_packets(20, 7, 0, 3 * kFrameSamples);
  JitterBuffer jb;
  std::vector<int16_t> out;
  int frames = 0;
  for (int tick = 0; tick < 60; ++tick) {
    if (tick % 3 == 0) {
      push(jb, packets[tick / 3]);
    }
    const auto frame = jb.pull();
    if (tick < 3) {
      EXPECT_FALSE(frame);
      continue;
    }
    ASSERT_TRUE(frame) << "tick " << tick;
    EXPECT_FALSE(frame->concealed) << "tick " << tick;
    append(out, *frame);
    ++frames;
  }
  EXPECT_EQ(frames, 57);
  const std::vector<int16_t> reference = direct_decode(packets);
  ASSERT_EQ(reference.size(), 20u * 3 * kFrameSamples);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), reference.begin()));
  EXPECT_NEAR(
      test::dominant_frequency(std::span<const int16_t>(out).subspan(9600, 24000), kSampleRateHz),
      kToneHz, 1.0);
  EXPECT_EQ(jb.stats().frames_played, 57u);
}

TEST(ReceiveJitterBuffer, LostSixtyMillisecondPacketIsConcealedForThreeFrames) {
  const auto packets = tone_packets(20, 7, 0, 3 * kFrameSamples);
  JitterBuffer jb;
  std::vector<JitterBuffer::Output> frames;
  for (int tick = 0; tick < 60; ++tick) {
    if (tick % 3 == 0 && tick / 3 != 10) {
      push(jb, packets[tick / 3]);
    }
    if (auto frame = jb.pull()) {
      frames.push_back(*frame);
    }
  }
  ASSERT_EQ(frames.size(), 57u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].concealed, i >= 30 && i < 33) << "frame " << i;
  }
  EXPECT_EQ(jb.stats().frames_concealed, 3u);
  EXPECT_EQ(jb.stats().packets_lost, 1u);
}

TEST(ReceiveJitterBuffer, TenMillisecondPacketsMakeWholeFrames) {
  const auto packets = tone_packets(80, 1, 0, kFrameSamples / 2);
  JitterBuffer jb;
  std::vector<int16_t> out;
  for (int tick = 0; tick < 40; ++tick) {
    push(jb, packets[2 * tick]);
    push(jb, packets[2 * tick + 1]);
    if (const auto frame = jb.pull()) {
      EXPECT_FALSE(frame->concealed) << "tick " << tick;
      append(out, *frame);
    }
  }
  const std::vector<int16_t> reference = direct_decode(packets);
  ASSERT_EQ(out.size(), 37u * kFrameSamples);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), reference.begin()));
}

TEST(ReceiveJitterBuffer, BurstIsTrimmedToBoundTheDelay) {
  const auto packets = encoder_packets(140);
  JitterBuffer jb;
  for (int i = 0; i < 40; ++i) { // 800 ms arriving at once, e.g. after a network stall
    push(jb, packets[i]);
  }
  EXPECT_EQ(jb.stats().buffered_frames, 40);
  std::vector<int16_t> out;
  for (int tick = 0; tick < 100; ++tick) {
    if (tick > 0) {
      push(jb, packets[39 + tick]);
    }
    const auto frame = jb.pull();
    EXPECT_LE(jb.stats().buffered_frames, 15) << "tick " << tick;
    if (frame) {
      EXPECT_FALSE(frame->concealed) << "tick " << tick;
      append(out, *frame);
    }
  }
  const auto stats = jb.stats();
  EXPECT_GE(stats.frames_dropped, 25u);
  EXPECT_LE(stats.buffered_frames, 15);
  EXPECT_EQ(stats.packets_lost, 0u);
  EXPECT_NEAR(
      test::dominant_frequency(std::span<const int16_t>(out).subspan(9600, 24000), kSampleRateHz),
      kToneHz, 1.0);
}

TEST(ReceiveJitterBuffer, CorruptPacketIsConcealedAndCounted) {
  auto packets = encoder_packets(30);
  packets[10].payload = {0x03, 0x00}; // code 3 with zero frames: invalid (RFC 6716 3.2.5)
  JitterBuffer jb;
  const auto frames = play(jb, packets, {});
  ASSERT_EQ(frames.size(), 27u);
  EXPECT_TRUE(frames[10].concealed);
  EXPECT_FALSE(frames[11].concealed);
  EXPECT_EQ(jb.stats().decode_errors, 1u);
  EXPECT_EQ(jb.stats().frames_concealed, 1u);
}

TEST(ReceiveJitterBuffer, NothingBeforeTheFirstPacket) {
  JitterBuffer jb;
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(jb.pull());
  }
  const auto stats = jb.stats();
  EXPECT_EQ(stats.frames_played, 0u);
  EXPECT_EQ(stats.packets_lost, 0u);
  EXPECT_EQ(stats.buffered_frames, 0);
}

} // namespace
} // namespace roomcast::receive
