// RTCP codec: RFC 3550 §6.4-§6.6 (SR, RR, SDES, BYE); feedback bodies go to rtcp_feedback.
#include "rtp/rtcp.hpp"

#include "rtp/byte_io.hpp"

#include <algorithm>

namespace roomcast::rtp {
namespace {

using detail::put_u16;
using detail::put_u24;
using detail::put_u32;
using detail::put_u64;
using detail::put_u8;
using detail::read_u16;
using detail::read_u24;
using detail::read_u32;
using detail::read_u64;
using detail::set_u16;

constexpr uint8_t kVersion = 2;
constexpr std::size_t kHeaderSize = 4;
constexpr std::size_t kReportBlockSize = 24;
constexpr std::size_t kSenderInfoSize = 20;
constexpr uint8_t kSdesEnd = 0;
constexpr uint8_t kSdesCname = 1;

// Writes a header whose length field is patched by finish_packet().
std::size_t begin_packet(std::vector<uint8_t>& out, uint8_t count, RtcpPacketType type) {
  const std::size_t start = out.size();
  put_u8(out, static_cast<uint8_t>((kVersion << 6) | (count & 0x1F)));
  put_u8(out, static_cast<uint8_t>(type));
  put_u16(out, 0);
  return start;
}

// Length in 32-bit words minus one (RFC 3550 §6.4.1); the packet is already word aligned.
void finish_packet(std::vector<uint8_t>& out, std::size_t start) {
  set_u16(out, start + 2, static_cast<uint16_t>((out.size() - start) / 4 - 1));
}

void put_report_block(std::vector<uint8_t>& out, const ReportBlock& b) {
  put_u32(out, b.ssrc);
  put_u8(out, b.fraction_lost);
  const int32_t lost = std::clamp(b.cumulative_lost, -0x800000, 0x7FFFFF);
  put_u24(out, static_cast<uint32_t>(lost) & 0xFFFFFF);
  put_u32(out, b.extended_highest_sequence);
  put_u32(out, b.jitter);
  put_u32(out, b.last_sr);
  put_u32(out, b.delay_since_last_sr);
}

void put_report_blocks(std::vector<uint8_t>& out, std::span<const ReportBlock> blocks) {
  for (const auto& b : blocks.first(std::min(blocks.size(), kMaxReportBlocks))) {
    put_report_block(out, b);
  }
}

uint8_t block_count(std::span<const ReportBlock> blocks) {
  return static_cast<uint8_t>(std::min(blocks.size(), kMaxReportBlocks));
}

// RFC 3550 §6.5: one chunk, CNAME item, then 1..4 null octets ending on a word boundary.
void put_sdes_cname(std::vector<uint8_t>& out, uint32_t ssrc, std::string_view cname) {
  const std::size_t start = begin_packet(out, 1, RtcpPacketType::SourceDescription);
  put_u32(out, ssrc);
  const std::string_view text = cname.substr(0, std::min<std::size_t>(cname.size(), 255));
  put_u8(out, kSdesCname);
  put_u8(out, static_cast<uint8_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
  do {
    put_u8(out, kSdesEnd);
  } while ((out.size() - start) % 4 != 0);
  finish_packet(out, start);
}

ReportBlock read_report_block(std::span<const uint8_t> d, std::size_t at) {
  ReportBlock b;
  b.ssrc = read_u32(d, at);
  b.fraction_lost = d[at + 4];
  const uint32_t lost = read_u24(d, at + 5);
  b.cumulative_lost =
      (lost & 0x800000) ? static_cast<int32_t>(lost) - 0x1000000 : static_cast<int32_t>(lost);
  b.extended_highest_sequence = read_u32(d, at + 8);
  b.jitter = read_u32(d, at + 12);
  b.last_sr = read_u32(d, at + 16);
  b.delay_since_last_sr = read_u32(d, at + 20);
  return b;
}

bool parse_report_blocks(std::span<const uint8_t> body, std::size_t at, std::size_t count,
                         std::vector<ReportBlock>& out) {
  if (body.size() < at + count * kReportBlockSize) return false;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(read_report_block(body, at + i * kReportBlockSize));
  }
  return true;
}

bool parse_sdes(std::span<const uint8_t> body, std::size_t chunks,
                std::vector<SourceDescription>& out) {
  std::size_t at = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    if (body.size() < at + 4) return false;
    SourceDescription sd;
    sd.ssrc = read_u32(body, at);
    at += 4;
    for (;;) {
      if (at >= body.size()) return false;
      const uint8_t type = body[at];
      if (type == kSdesEnd) break;
      if (at + 2 > body.size()) return false;
      const std::size_t len = body[at + 1];
      if (at + 2 + len > body.size()) return false;
      if (type == kSdesCname) {
        sd.cname.assign(reinterpret_cast<const char*>(body.data() + at + 2), len);
      }
      at += 2 + len;
    }
    at = (at + 4) / 4 * 4; // the null octet(s) up to the next word boundary
    out.push_back(std::move(sd));
  }
  return true;
}

bool parse_goodbye(std::span<const uint8_t> body, std::size_t count, std::vector<Goodbye>& out) {
  if (body.size() < count * 4) return false;
  Goodbye bye;
  for (std::size_t i = 0; i < count; ++i) bye.ssrcs.push_back(read_u32(body, i * 4));
  const std::size_t at = count * 4;
  if (at < body.size()) {
    const std::size_t len = body[at];
    if (at + 1 + len > body.size()) return false;
    bye.reason.assign(reinterpret_cast<const char*>(body.data() + at + 1), len);
  }
  out.push_back(std::move(bye));
  return true;
}

} // namespace

std::optional<RtcpCompound> parse_rtcp(std::span<const uint8_t> data) {
  if (data.empty()) return std::nullopt;
  RtcpCompound result;
  std::size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < kHeaderSize) return std::nullopt;
    if ((data[at] >> 6) != kVersion) return std::nullopt;
    const bool has_padding = (data[at] & 0x20) != 0;
    const std::size_t count = data[at] & 0x1F;
    const uint8_t type = data[at + 1];
    const std::size_t length = (std::size_t{read_u16(data, at + 2)} + 1) * 4;
    if (data.size() - at < length) return std::nullopt;

    auto body = data.subspan(at + kHeaderSize, length - kHeaderSize);
    if (has_padding) {
      if (body.empty()) return std::nullopt;
      const std::size_t pad = body.back();
      if (pad == 0 || pad > body.size()) return std::nullopt;
      body = body.first(body.size() - pad);
    }

    switch (static_cast<RtcpPacketType>(type)) {
    case RtcpPacketType::SenderReport: {
      if (body.size() < 4 + kSenderInfoSize) return std::nullopt;
      SenderReport sr;
      sr.ssrc = read_u32(body, 0);
      sr.sender_info.ntp_timestamp = read_u64(body, 4);
      sr.sender_info.rtp_timestamp = read_u32(body, 12);
      sr.sender_info.packet_count = read_u32(body, 16);
      sr.sender_info.octet_count = read_u32(body, 20);
      if (!parse_report_blocks(body, 4 + kSenderInfoSize, count, sr.report_blocks)) {
        return std::nullopt;
      }
      result.sender_reports.push_back(std::move(sr));
      break;
    }
    case RtcpPacketType::ReceiverReport: {
      if (body.size() < 4) return std::nullopt;
      ReceiverReport rr;
      rr.ssrc = read_u32(body, 0);
      if (!parse_report_blocks(body, 4, count, rr.report_blocks)) return std::nullopt;
      result.receiver_reports.push_back(std::move(rr));
      break;
    }
    case RtcpPacketType::SourceDescription:
      if (!parse_sdes(body, count, result.source_descriptions)) return std::nullopt;
      break;
    case RtcpPacketType::Goodbye:
      if (!parse_goodbye(body, count, result.goodbyes)) return std::nullopt;
      break;
    case RtcpPacketType::TransportFeedback:
    case RtcpPacketType::PayloadFeedback: {
      const bool payload_specific =
          static_cast<RtcpPacketType>(type) == RtcpPacketType::PayloadFeedback;
      auto fb = parse_feedback(payload_specific, static_cast<uint8_t>(count), body);
      if (!fb) return std::nullopt;
      result.feedback.push_back(std::move(*fb));
      break;
    }
    default:
      ++result.other_packets;
      break;
    }
    at += length;
  }
  return result;
}

std::vector<uint8_t> build_sender_report(uint32_t ssrc, const SenderInfo& info,
                                         std::string_view cname,
                                         std::span<const ReportBlock> report_blocks) {
  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + 4 + kSenderInfoSize + kReportBlockSize * report_blocks.size() + 12 +
              cname.size());
  const std::size_t start =
      begin_packet(out, block_count(report_blocks), RtcpPacketType::SenderReport);
  put_u32(out, ssrc);
  put_u64(out, info.ntp_timestamp);
  put_u32(out, info.rtp_timestamp);
  put_u32(out, info.packet_count);
  put_u32(out, info.octet_count);
  put_report_blocks(out, report_blocks);
  finish_packet(out, start);
  put_sdes_cname(out, ssrc, cname);
  return out;
}

std::vector<uint8_t> build_receiver_report(uint32_t ssrc,
                                           std::span<const ReportBlock> report_blocks,
                                           std::string_view cname) {
  std::vector<uint8_t> out;
  const std::size_t start =
      begin_packet(out, block_count(report_blocks), RtcpPacketType::ReceiverReport);
  put_u32(out, ssrc);
  put_report_blocks(out, report_blocks);
  finish_packet(out, start);
  put_sdes_cname(out, ssrc, cname);
  return out;
}

std::vector<uint8_t> build_goodbye(std::span<const uint32_t> ssrcs, std::string_view reason) {
  std::vector<uint8_t> out;
  const auto count = std::min<std::size_t>(ssrcs.size(), 31);
  const std::size_t start = begin_packet(out, static_cast<uint8_t>(count), RtcpPacketType::Goodbye);
  for (std::size_t i = 0; i < count; ++i) put_u32(out, ssrcs[i]);
  if (!reason.empty()) {
    const std::string_view text = reason.substr(0, std::min<std::size_t>(reason.size(), 255));
    put_u8(out, static_cast<uint8_t>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
    while ((out.size() - start) % 4 != 0) put_u8(out, 0);
  }
  finish_packet(out, start);
  return out;
}

std::optional<std::chrono::microseconds> round_trip_time(uint32_t arrival_compact_ntp,
                                                         const ReportBlock& block) {
  if (block.last_sr == 0) return std::nullopt;
  const uint32_t rtt = arrival_compact_ntp - block.last_sr - block.delay_since_last_sr;
  if (rtt >= 0x80000000U) return std::chrono::microseconds{0}; // clocks disagree: clamp
  return compact_ntp_to_duration(rtt);
}

} // namespace roomcast::rtp
