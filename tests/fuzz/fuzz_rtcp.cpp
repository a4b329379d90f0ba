// Fuzz target: parse_rtcp never crashes; parsed reports rebuild into packets that parse the same.
#include "rtp/rtcp.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::rtp;
  const auto compound = parse_rtcp(std::span<const uint8_t>(data, size));
  if (!compound) return 0;
  for (const auto& sr : compound->sender_reports) {
    const auto rebuilt =
        parse_rtcp(build_sender_report(sr.ssrc, sr.sender_info, "c", sr.report_blocks));
    if (!rebuilt || rebuilt->sender_reports.size() != 1) __builtin_trap();
    // A parsed SR has at most 31 blocks (5-bit count), so nothing is dropped on rebuild.
    if (!(rebuilt->sender_reports[0] == sr)) __builtin_trap();
  }
  for (const auto& rr : compound->receiver_reports) {
    const auto rebuilt = parse_rtcp(build_receiver_report(rr.ssrc, rr.report_blocks, "c"));
    if (!rebuilt || rebuilt->receiver_reports.size() != 1) __builtin_trap();
    if (!(rebuilt->receiver_reports[0] == rr)) __builtin_trap();
  }
  for (const auto& rr : compound->receiver_reports) {
    for (const auto& block : rr.report_blocks) (void)round_trip_time(0x12345678, block);
  }
  return 0;
}
