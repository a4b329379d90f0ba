// ProcessUsage: CPU time and memory of this process (or another, e.g. Janus) from /proc.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace roomcast::cli {

struct CpuSample {
  std::chrono::steady_clock::time_point at;
  double cpu_seconds = 0;  // user + system
};

/// This process (getrusage) or `pid` (/proc/PID/stat); nullopt when it cannot be read.
std::optional<CpuSample> sample_cpu(std::optional<int> pid = std::nullopt);
/// Percent of one core used between two samples.
double cpu_percent(const CpuSample& from, const CpuSample& to);

/// VmRSS and VmHWM (peak) of this process, in bytes.
struct Memory {
  uint64_t rss_bytes = 0;
  uint64_t peak_rss_bytes = 0;
};
Memory sample_memory();

}  // namespace roomcast::cli
