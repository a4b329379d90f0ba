// publish's progress line and level meter.
#include "cli/progress_line.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace roomcast::cli {
namespace {

constexpr int kBarWidth = 20;
constexpr int kMeterWidth = 12;
constexpr double kMeterFloorDb = -60;

std::string clock_text(std::chrono::milliseconds t) {
  char text[32];
  const long long ms = std::max<long long>(t.count(), 0);
  std::snprintf(text, sizeof text, "%lld:%04.1f", ms / 60000, (ms % 60000) / 1000.0);
  return text;
}

std::string seconds_text(std::chrono::milliseconds t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", t.count() / 1000.0);
  return text;
}

template <typename T> double sum_squares(const AudioChunk& chunk, double scale) {
  double sum = 0;
  for (std::size_t at = 0; at + sizeof(T) <= chunk.data.size(); at += sizeof(T)) {
    T v;
    std::memcpy(&v, chunk.data.data() + at, sizeof(T));
    const double x = static_cast<double>(v) / scale;
    sum += x * x;
  }
  return sum;
}

}  // namespace

double chunk_level_dbfs(const AudioChunk& chunk) {
  double sum = 0;
  std::size_t samples = 0;
  switch (chunk.format) {
    case SampleFormat::S16:
      sum = sum_squares<int16_t>(chunk, 32768.0);
      samples = chunk.data.size() / 2;
      break;
    case SampleFormat::S32:
      sum = sum_squares<int32_t>(chunk, 2147483648.0);
      samples = chunk.data.size() / 4;
      break;
    case SampleFormat::Float32:
      sum = sum_squares<float>(chunk, 1.0);
      samples = chunk.data.size() / 4;
      break;
  }
  if (samples == 0 || sum <= 0) return -99;
  return std::max(-99.0, 10 * std::log10(sum / static_cast<double>(samples)));
}

std::string progress_line(const ProgressState& s, bool bar) {
  std::string line;
  if (s.files > 1) line += "[" + std::to_string(s.file + 1) + "/" + std::to_string(s.files) + "] ";
  if (!bar) {
    line += "playing " + seconds_text(s.position) + (s.length ? " / " + seconds_text(*s.length) : "");
  } else {
    line += clock_text(s.position) + (s.length ? " / " + clock_text(*s.length) : "");
    if (s.length && s.length->count() > 0) {
      const double done = std::clamp(static_cast<double>(s.position.count()) / s.length->count(), 0.0, 1.0);
      const int filled = static_cast<int>(std::lround(done * kBarWidth));
      line += " [" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "]";
    }
  }
  if (s.plays != std::optional<int>(1)) {
    line += bar ? " loop " : ", play ";
    line += std::to_string(s.play) + (s.plays ? "/" + std::to_string(*s.plays) : "/inf");
  }
  if (s.level_dbfs) {
    char level[32];
    std::snprintf(level, sizeof level, "%s%.0f dBFS", bar ? " " : ", level ", *s.level_dbfs);
    line += level;
    if (bar) {
      const double fraction = std::clamp((*s.level_dbfs - kMeterFloorDb) / -kMeterFloorDb, 0.0, 1.0);
      const int lit = static_cast<int>(std::lround(fraction * kMeterWidth));
      line += " " + std::string(lit, '|') + std::string(kMeterWidth - lit, ' ');
    }
  }
  return line;
}

std::optional<AudioChunk> MeteredTrack::recv() {
  std::optional<AudioChunk> chunk = track_->recv();
  if (chunk) level_ = chunk_level_dbfs(*chunk);
  return chunk;
}

std::optional<double> MeteredTrack::level_dbfs() const {
  const double level = level_.load();
  if (level < -999) return std::nullopt;
  return level;
}

}  // namespace roomcast::cli
