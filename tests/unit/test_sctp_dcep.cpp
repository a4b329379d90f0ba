// DCEP (RFC 8832 §5): annotated OPEN / ACK bytes parsed, checked and rebuilt; hostile input
// refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sctp/dcep.hpp"

using namespace roomcast::sctp;

namespace {

// An OPEN for an unordered channel, maxRetransmits 3, label "chat", protocol "json".
const std::vector<uint8_t> kOpenRexmit = {
    0x03,                    // message type: DATA_CHANNEL_OPEN
    0x81,                    // channel type: PARTIAL_RELIABLE_REXMIT_UNORDERED
    0x01, 0x00,              // priority 256
    0x00, 0x00, 0x00, 0x03,  // reliability parameter: 3 retransmissions
    0x00, 0x04,              // label length
    0x00, 0x04,              // protocol length
    'c',  'h',  'a',  't',   // label
    'j',  's',  'o',  'n',   // protocol
};

// An OPEN for an ordered channel with a 1500 ms lifetime, empty label and protocol.
const std::vector<uint8_t> kOpenTimed = {
    0x03, 0x02,              // OPEN, PARTIAL_RELIABLE_TIMED
    0x00, 0x80,              // priority 128
    0x00, 0x00, 0x05, 0xdc,  // 1500 ms
    0x00, 0x00, 0x00, 0x00,  // no label, no protocol
};

DcepOpen open_of(const std::vector<uint8_t>& bytes) {
  const auto parsed = parse_dcep(bytes);
  EXPECT_TRUE(parsed.message) << parsed.error;
  EXPECT_TRUE(parsed.error.empty());
  if (!parsed.message || !std::holds_alternative<DcepOpen>(*parsed.message)) return {};
  return std::get<DcepOpen>(*parsed.message);
}

}  // namespace

TEST(Dcep, OpenWithRetransmitLimitParsesAndRebuildsTheSameBytes) {
  const DcepOpen open = open_of(kOpenRexmit);
  EXPECT_EQ(open.label, "chat");
  EXPECT_EQ(open.protocol, "json");
  EXPECT_EQ(open.priority, 256);
  EXPECT_FALSE(open.reliability.ordered);
  EXPECT_EQ(open.reliability.max_retransmits, std::optional<uint16_t>(3));
  EXPECT_FALSE(open.reliability.max_packet_lifetime_ms);
  EXPECT_EQ(serialize_dcep_open(open), kOpenRexmit);
}

TEST(Dcep, OpenWithLifetimeParsesAndRebuildsTheSameBytes) {
  const DcepOpen open = open_of(kOpenTimed);
  EXPECT_TRUE(open.reliability.ordered);
  EXPECT_EQ(open.reliability.max_packet_lifetime_ms, std::optional<uint32_t>(1500));
  EXPECT_FALSE(open.reliability.max_retransmits);
  EXPECT_EQ(open.priority, 128);
  EXPECT_TRUE(open.label.empty());
  EXPECT_EQ(serialize_dcep_open(open), kOpenTimed);
}

TEST(Dcep, ReliableOpenIgnoresItsParameter) {
  std::vector<uint8_t> bytes = kOpenTimed;
  bytes[1] = 0x80;  // RELIABLE_UNORDERED
  const DcepOpen open = open_of(bytes);
  EXPECT_TRUE(open.reliability.reliable());
  EXPECT_FALSE(open.reliability.ordered);
  // Rebuilt with parameter 0 (RFC 8832 §5.1: ignored for reliable channels).
  const auto rebuilt = serialize_dcep_open(open);
  EXPECT_EQ(rebuilt[1], 0x80);
  EXPECT_EQ(std::vector<uint8_t>(rebuilt.begin() + 4, rebuilt.begin() + 8),
            std::vector<uint8_t>(4, 0));
}

TEST(Dcep, AckIsOneByte) {
  EXPECT_EQ(serialize_dcep_ack(), std::vector<uint8_t>{0x02});
  const auto parsed = parse_dcep(std::vector<uint8_t>{0x02});
  ASSERT_TRUE(parsed.message) << parsed.error;
  EXPECT_TRUE(std::holds_alternative<DcepAck>(*parsed.message));
}

TEST(Dcep, HostileInputIsRefusedWithAReason) {
  struct Case {
    std::vector<uint8_t> bytes;
    const char* error;
  };
  std::vector<uint8_t> long_label = kOpenRexmit;
  long_label[9] = 0x40;  // label length 64, only 8 bytes follow
  std::vector<uint8_t> trailing = kOpenRexmit;
  trailing.push_back(0);
  std::vector<uint8_t> bad_type = kOpenRexmit;
  bad_type[1] = 0x03;
  std::vector<uint8_t> huge_rexmit = kOpenRexmit;
  huge_rexmit[5] = 0x01;  // 65539 retransmissions
  const std::vector<Case> cases = {
      {{}, "DCEP: empty message"},
      {{0x07}, "DCEP: unknown message type 7"},
      {{0x02, 0x00}, "DCEP: DATA_CHANNEL_ACK of 2 bytes (it has 1)"},
      {{0x03, 0x00, 0x01}, "DCEP: DATA_CHANNEL_OPEN of 3 bytes is shorter than its 12-byte header"},
      {long_label,
       "DCEP: DATA_CHANNEL_OPEN announces a 64-byte label and a "
       "4-byte protocol but carries "
       "only 8 bytes after its header"},
      {trailing, "DCEP: DATA_CHANNEL_OPEN has 1 bytes after its label and protocol"},
      {bad_type, "DCEP: unknown channel type 3"},
      {huge_rexmit, "DCEP: maxRetransmits 65539 is above 65535"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_dcep(c.bytes);
    EXPECT_FALSE(parsed.message);
    EXPECT_EQ(parsed.error, c.error);
  }
}

TEST(Dcep, EveryTruncationOfAnOpenIsRefused) {
  for (size_t size = 0; size < kOpenRexmit.size(); ++size) {
    const auto parsed = parse_dcep(std::span<const uint8_t>(kOpenRexmit.data(), size));
    EXPECT_FALSE(parsed.message) << "accepted " << size << " bytes";
    EXPECT_FALSE(parsed.error.empty());
  }
}
