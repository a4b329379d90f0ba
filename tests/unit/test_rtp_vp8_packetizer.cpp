// Vp8Packetizer and the VP8 payload descriptor: bytes, even split, marker, picture id wrap,
// and a packetize -> depacketize round trip with reordering and a lost packet.
#include "rtp/vp8_depacketizer.hpp"
#include "rtp/vp8_descriptor.hpp"
#include "rtp/vp8_packetizer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace roomcast::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

// A VP8 frame: RFC 6386 §9.1 frame tag (P bit 0 = key frame), then a counting pattern.
Bytes make_frame(std::size_t size, bool key) {
  Bytes frame(size);
  for (std::size_t i = 0; i < size; ++i) frame[i] = static_cast<uint8_t>(i * 7 + 3);
  frame[0] = key ? 0x10 : 0x11;
  return frame;
}

Bytes data_of(const RtpPacket& p) { return {p.payload.begin() + 4, p.payload.end()}; }

TEST(Vp8Packetizer, DescriptorBytesOfFirstAndLaterPackets) {
  Vp8Packetizer pk(0x11223344, 96, 1000, 0x1234, 20);
  const Bytes frame = make_frame(30, true);
  const auto packets = pk.packetize(frame, 90000);
  ASSERT_EQ(packets.size(), 2u); // 30 octets, 16 per packet at most
  const Bytes first_descriptor = {
      0x90,       // X=1 R=0 N=0 S=1 R=0 PID=0
      0x80,       // I=1 L=0 T=0 K=0 RSV=0
      0x92, 0x34, // M=1, 15-bit picture id 0x1234
  };
  const Bytes later_descriptor = {0x80, 0x80, 0x92, 0x34}; // S=0, same picture id
  EXPECT_EQ(Bytes(packets[0].payload.begin(), packets[0].payload.begin() + 4), first_descriptor);
  EXPECT_EQ(Bytes(packets[1].payload.begin(), packets[1].payload.begin() + 4), later_descriptor);
  EXPECT_EQ(packets[0].payload.size(), 4u + 15u);
  EXPECT_EQ(packets[1].payload.size(), 4u + 15u);

  // The whole first packet on the wire, header included.
  const Bytes wire = packets[0].serialize();
  const Bytes header = {
      0x80, 0x60,             // V=2 | M=0 PT=96
      0x03, 0xE8,             // sequence 1000
      0x00, 0x01, 0x5F, 0x90, // timestamp 90000
      0x11, 0x22, 0x33, 0x44, // SSRC
      0x90, 0x80, 0x92, 0x34, // VP8 payload descriptor
      0x10, 0x0A, 0x11,       // frame tag (key frame), then the pattern 7i+3
  };
  EXPECT_EQ(Bytes(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(header.size())), header);
  EXPECT_EQ(packets[1].serialize()[1], 0xE0); // M=1 PT=96 on the last packet
}

TEST(Vp8Packetizer, SplitsThreeThousandOctetsIntoThreeEvenPackets) {
  Vp8Packetizer pk(7, 96, 500, 0);
  const Bytes frame = make_frame(3000, true);
  const auto packets = pk.packetize(frame, 1234);
  ASSERT_EQ(packets.size(), 3u);
  Bytes joined;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(packets[i].payload.size(), 1004u) << i; // 1000 data + 4 descriptor
    EXPECT_EQ(packets[i].sequence, 500 + i);
    EXPECT_EQ(packets[i].timestamp, 1234u);
    EXPECT_EQ(packets[i].ssrc, 7u);
    EXPECT_EQ(packets[i].marker, i == 2) << i;
    const auto d = data_of(packets[i]);
    joined.insert(joined.end(), d.begin(), d.end());
  }
  EXPECT_EQ(joined, frame);
  EXPECT_EQ(pk.packets_sent(), 3u);
  EXPECT_EQ(pk.octets_sent(), 3012u);
  EXPECT_EQ(pk.last_timestamp(), 1234u);
  EXPECT_EQ(pk.next_sequence(), 503);
  EXPECT_EQ(pk.next_picture_id(), 1);
}

TEST(Vp8Packetizer, UnevenRemainderGoesToTheFirstPackets) {
  Vp8Packetizer pk(7, 96, 0, 0);
  const auto packets = pk.packetize(make_frame(3002, false), 0);
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].payload.size(), 1005u);
  EXPECT_EQ(packets[1].payload.size(), 1005u);
  EXPECT_EQ(packets[2].payload.size(), 1004u);
  // Exactly full packets: 1196 data octets each fit the 1200 limit.
  EXPECT_EQ(pk.packetize(make_frame(1196 * 2, false), 0).size(), 2u);
  EXPECT_EQ(pk.packetize(make_frame(1196 * 2 + 1, false), 0).size(), 3u);
}

TEST(Vp8Packetizer, PictureIdWrapsAt15BitsAndSequenceAt16) {
  Vp8Packetizer pk(1, 96, 65535, 0x7FFF);
  const Bytes frame = make_frame(10, false);
  auto a = pk.packetize(frame, 0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].sequence, 65535);
  EXPECT_TRUE(a[0].marker);
  EXPECT_EQ(a[0].payload[2], 0xFF); // M=1, id 0x7FFF
  EXPECT_EQ(a[0].payload[3], 0xFF);
  auto b = pk.packetize(frame, 3000);
  EXPECT_EQ(b[0].sequence, 0);
  EXPECT_EQ(b[0].payload[2], 0x80); // M=1, id 0
  EXPECT_EQ(b[0].payload[3], 0x00);
  EXPECT_EQ(pk.next_picture_id(), 1);
  EXPECT_EQ(Vp8Packetizer(1, 96, 0, 0xFFFF).next_picture_id(), 0x7FFF); // masked
}

TEST(Vp8Packetizer, EmptyFrameAndTinyLimit) {
  Vp8Packetizer pk(1, 96, 10, 5, 2); // raised to 5: one data octet per packet
  EXPECT_TRUE(pk.packetize({}, 0).empty());
  EXPECT_EQ(pk.next_sequence(), 10);
  EXPECT_EQ(pk.next_picture_id(), 5);
  EXPECT_FALSE(pk.last_timestamp());
  EXPECT_EQ(pk.max_payload_size(), 5u);
  const auto packets = pk.packetize(make_frame(3, true), 0);
  ASSERT_EQ(packets.size(), 3u);
  for (const auto& p : packets) EXPECT_EQ(p.payload.size(), 5u);
}

TEST(Vp8Packetizer, KeyframeFromFrameTag) {
  EXPECT_TRUE(Vp8Packetizer::is_keyframe(Bytes{0x50, 0x2A, 0x00, 0x9D, 0x01, 0x2A}));
  EXPECT_FALSE(Vp8Packetizer::is_keyframe(Bytes{0x51, 0x2A, 0x00}));
  EXPECT_FALSE(Vp8Packetizer::is_keyframe(Bytes{0x50, 0x2A})); // shorter than the frame tag
  EXPECT_FALSE(Vp8Packetizer::is_keyframe({}));
}

TEST(Vp8Descriptor, ParsesEveryVariant) {
  const Bytes minimal = {0x10, 0xAA}; // X=0 S=1 PID=0, then data
  auto p = Vp8Descriptor::parse(minimal);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->second, 1u);
  EXPECT_TRUE(p->first.starts_frame());
  EXPECT_FALSE(p->first.picture_id);

  const Bytes short_id = {0x90, 0x80, 0x11, 0xAA}; // I=1, M=0: 7-bit picture id 17
  p = Vp8Descriptor::parse(short_id);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->second, 3u);
  EXPECT_EQ(p->first.picture_id, 17);
  EXPECT_FALSE(p->first.long_picture_id);

  const Bytes full = {
      0xA3,       // X=1 N=1 S=0 PID=3
      0xF0,       // I=1 L=1 T=1 K=1
      0x92, 0x34, // M=1 picture id 0x1234
      0x05,       // TL0PICIDX 5
      0xA7,       // TID=2 Y=1 KEYIDX=7
      0xAA,       // data
  };
  p = Vp8Descriptor::parse(full);
  ASSERT_TRUE(p);
  const Vp8Descriptor& d = p->first;
  EXPECT_EQ(p->second, 6u);
  EXPECT_TRUE(d.non_reference);
  EXPECT_FALSE(d.start_of_partition);
  EXPECT_EQ(d.partition_index, 3);
  EXPECT_FALSE(d.starts_frame());
  EXPECT_EQ(d.picture_id, 0x1234);
  EXPECT_TRUE(d.long_picture_id);
  EXPECT_EQ(d.tl0_pic_idx, 5);
  EXPECT_EQ(d.temporal_layer, 2);
  EXPECT_TRUE(d.layer_sync);
  EXPECT_EQ(d.key_index, 7);
  Bytes again;
  d.serialize_into(again);
  EXPECT_EQ(again, Bytes(full.begin(), full.end() - 1));
  EXPECT_EQ(d.size(), 6u);

  const Bytes k_only = {0x90, 0x10, 0xDF, 0xAA}; // K=1: TID/Y bits ignored, KEYIDX 31
  p = Vp8Descriptor::parse(k_only);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->first.temporal_layer);
  EXPECT_FALSE(p->first.layer_sync);
  EXPECT_EQ(p->first.key_index, 31);
  again.clear();
  p->first.serialize_into(again);
  EXPECT_EQ(again, (Bytes{0x90, 0x10, 0x1F})); // the ignored bits go out as zero
}

TEST(Vp8Descriptor, RejectsTruncationAndEmptyData) {
  const Bytes full = {0xA3, 0xF0, 0x92, 0x34, 0x05, 0xA7, 0xAA};
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(Vp8Descriptor::parse(std::span(full).first(n))) << n;
  }
  EXPECT_TRUE(Vp8Descriptor::parse(full));
}

TEST(Vp8Descriptor, SerializesShortIdAndPromotesLargeOnes) {
  Vp8Descriptor d;
  d.start_of_partition = true;
  d.picture_id = 0x45;
  Bytes out;
  d.serialize_into(out);
  EXPECT_EQ(out, (Bytes{0x90, 0x80, 0x45}));
  d.picture_id = 0x80; // does not fit 7 bits
  out.clear();
  d.serialize_into(out);
  EXPECT_EQ(out, (Bytes{0x90, 0x80, 0x80, 0x80}));
  EXPECT_EQ(d.size(), 4u);
}

TEST(Vp8RoundTrip, ShuffledPacketsAndOneLostThenRetransmitted) {
  Vp8Packetizer pk(0xABCD, 96, 65533, 300); // frames straddle the sequence wrap
  const Bytes key = make_frame(3000, true);
  const Bytes delta = make_frame(2500, false);
  auto first = pk.packetize(key, 90000);
  auto second = pk.packetize(delta, 93000);
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), 3u);
  std::mt19937 rng(7);
  std::shuffle(first.begin(), first.end(), rng);
  std::shuffle(second.begin(), second.end(), rng);

  Vp8Depacketizer depack;
  std::vector<Vp8Frame> frames;
  for (const auto& p : first) {
    if (auto f = depack.push(p)) frames.push_back(std::move(*f));
  }
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, key);
  EXPECT_TRUE(frames[0].keyframe);
  EXPECT_EQ(frames[0].rtp_timestamp, 90000u);
  EXPECT_EQ(frames[0].first_sequence, 65533);
  EXPECT_EQ(frames[0].last_sequence, 65535);
  EXPECT_EQ(frames[0].picture_id, 300);

  // The second frame's middle packet (sequence 1) is lost.
  const auto lost = std::find_if(second.begin(), second.end(),
                                 [](const RtpPacket& p) { return p.sequence == 1; });
  ASSERT_NE(lost, second.end());
  const RtpPacket retransmission = *lost;
  second.erase(lost);
  for (const auto& p : second) EXPECT_FALSE(depack.push(p));
  EXPECT_EQ(depack.missing(), (std::vector<uint16_t>{1}));

  const auto late = depack.push(retransmission);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->payload, delta);
  EXPECT_FALSE(late->keyframe);
  EXPECT_EQ(late->first_sequence, 0);
  EXPECT_EQ(late->last_sequence, 2);
  EXPECT_EQ(late->picture_id, 301);
  EXPECT_TRUE(depack.missing().empty());
  EXPECT_EQ(depack.frames_completed(), 2u);
  EXPECT_EQ(depack.frames_dropped(), 0u);
  EXPECT_EQ(depack.buffered_packets(), 0u);
}

} // namespace
} // namespace roomcast::rtp
