// RTCP compound packets (RFC 3550 §6): build SR/RR + SDES CNAME (+ BYE), parse what peers send.
#pragma once

#include "rtp/ntp_time.hpp"
#include "rtp/rtcp_feedback.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace roomcast::rtp {

enum class RtcpPacketType : uint8_t {
  SenderReport = 200,
  ReceiverReport = 201,
  SourceDescription = 202,
  Goodbye = 203,
  Application = 204,
  TransportFeedback = 205, // RFC 4585 §6.1 RTPFB
  PayloadFeedback = 206,   // RFC 4585 §6.1 PSFB
};

inline constexpr std::size_t kMaxReportBlocks = 31; // 5-bit count

// RFC 3550 §6.4.1 report block.
struct ReportBlock {
  uint32_t ssrc = 0;           // source this block reports on
  uint8_t fraction_lost = 0;   // 8.8 fixed point fraction since the previous report
  int32_t cumulative_lost = 0; // 24-bit signed on the wire
  uint32_t extended_highest_sequence = 0;
  uint32_t jitter = 0;              // RTP timestamp units
  uint32_t last_sr = 0;             // compact NTP of the last SR received from ssrc, 0 if none
  uint32_t delay_since_last_sr = 0; // 1/65536 s

  bool operator==(const ReportBlock&) const = default;
};

// RFC 3550 §6.4.1 sender info.
struct SenderInfo {
  uint64_t ntp_timestamp = 0; // wall clock of the same instant as rtp_timestamp
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0; // modulo 2^32
  uint32_t octet_count = 0;  // payload octets, modulo 2^32

  bool operator==(const SenderInfo&) const = default;
};

struct SenderReport {
  uint32_t ssrc = 0;
  SenderInfo sender_info;
  std::vector<ReportBlock> report_blocks;

  bool operator==(const SenderReport&) const = default;
};

struct ReceiverReport {
  uint32_t ssrc = 0;
  std::vector<ReportBlock> report_blocks;

  bool operator==(const ReceiverReport&) const = default;
};

// One SDES chunk (RFC 3550 §6.5); only CNAME is kept, other items are skipped.
struct SourceDescription {
  uint32_t ssrc = 0;
  std::string cname;

  bool operator==(const SourceDescription&) const = default;
};

// RFC 3550 §6.6.
struct Goodbye {
  std::vector<uint32_t> ssrcs;
  std::string reason;

  bool operator==(const Goodbye&) const = default;
};

struct RtcpCompound {
  std::vector<SenderReport> sender_reports;
  std::vector<ReceiverReport> receiver_reports;
  std::vector<SourceDescription> source_descriptions;
  std::vector<Goodbye> goodbyes;
  std::vector<Feedback> feedback; // RTPFB and PSFB, FCI decoded (rtcp_feedback.hpp)
  std::size_t other_packets = 0;  // APP, XR and unknown types, counted and skipped
};

// Parses a compound packet (or one reduced-size packet, RFC 5506). Returns nullopt when it
// is empty, a packet's version is not 2, a length runs past the datagram, a count does not fit
// its packet's length, padding is malformed, or a feedback FCI is malformed (parse_feedback).
// Profile-specific extensions are ignored.
std::optional<RtcpCompound> parse_rtcp(std::span<const uint8_t> data);

// SR + SDES(CNAME) compound for a sender (RFC 3550 §6.1, §6.4.1, §6.5). Blocks past 31 and
// CNAME octets past 255 are dropped.
std::vector<uint8_t> build_sender_report(uint32_t ssrc, const SenderInfo& info,
                                         std::string_view cname,
                                         std::span<const ReportBlock> report_blocks = {});

// RR + SDES(CNAME) compound for a receiver (RFC 3550 §6.4.2). With no blocks the RR is empty.
std::vector<uint8_t> build_receiver_report(uint32_t ssrc,
                                           std::span<const ReportBlock> report_blocks,
                                           std::string_view cname);

// A BYE packet (RFC 3550 §6.6) to append to an SR or RR compound when leaving.
std::vector<uint8_t> build_goodbye(std::span<const uint32_t> ssrcs, std::string_view reason = {});

// Round-trip time from a report block about our stream, given the compact NTP time at which
// it arrived (RFC 3550 §6.4.1: A - LSR - DLSR). nullopt when the peer has no SR from us yet.
std::optional<std::chrono::microseconds> round_trip_time(uint32_t arrival_compact_ntp,
                                                         const ReportBlock& block);

} // namespace roomcast::rtp
