// ProcessUsage: getrusage for ourselves, /proc/PID/stat fields 14-15 for others.
#include "cli/process_usage.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace roomcast::cli {

std::optional<CpuSample> sample_cpu(std::optional<int> pid) {
  CpuSample sample{std::chrono::steady_clock::now(), 0};
  if (!pid) {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0) return std::nullopt;
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    sample.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    return sample;
  }
  std::ifstream stat("/proc/" + std::to_string(*pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  sample.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return sample;
}

double cpu_percent(const CpuSample& from, const CpuSample& to) {
  const double wall = std::chrono::duration<double>(to.at - from.at).count();
  return wall > 0 ? 100.0 * (to.cpu_seconds - from.cpu_seconds) / wall : 0.0;
}

Memory sample_memory() {
  Memory memory;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    auto kb = [&] { return std::stoull(line.substr(line.find(':') + 1)) * 1024; };
    if (line.rfind("VmRSS:", 0) == 0) memory.rss_bytes = kb();
    if (line.rfind("VmHWM:", 0) == 0) memory.peak_rss_bytes = kb();
  }
  return memory;
}

}  // namespace roomcast::cli
