// Dominant-speaker choice: smoothed levels plus hold times, so short sounds and two
// similar voices do not make the active speaker flap.
#include "receive/speaker_detector.hpp"

#include <algorithm>
#include <cmath>

namespace roomcast::receive {

SpeakerDetector::SpeakerDetector(Options options)
    : options_(options), smoothing_(1.0 - std::exp(-1.0 / std::max(1, options.smoothing_ticks))) {}

double SpeakerDetector::frame_dbfs(std::span<const int16_t> samples) {
  if (samples.empty()) {
    return kFloorDbfs;
  }
  double sum = 0;
  for (int16_t v : samples) {
    sum += static_cast<double>(v) * v;
  }
  const double mean_square = sum / static_cast<double>(samples.size());
  if (mean_square <= 0) {
    return kFloorDbfs;
  }
  return std::max(kFloorDbfs, 10.0 * std::log10(mean_square / (32768.0 * 32768.0)));
}

void SpeakerDetector::feed(std::string_view id, std::span<const int16_t> samples) {
  feed_level(id, frame_dbfs(samples));
}

void SpeakerDetector::feed_level(std::string_view id, double level_dbfs) {
  const double level = std::max(kFloorDbfs, level_dbfs);
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    streams_.emplace(std::string(id), Stream{level, true});
    return;
  }
  if (!it->second.fed) { // smoothing in dB: a fall of N dB takes the same time at any level
    it->second.level_dbfs += smoothing_ * (level - it->second.level_dbfs);
    it->second.fed = true;
  }
}

void SpeakerDetector::remove(std::string_view id) {
  const auto it = streams_.find(id);
  if (it != streams_.end()) {
    streams_.erase(it);
  }
  if (dominant_ && *dominant_ == id) {
    dominant_removed_ = true;
  }
}

std::optional<double> SpeakerDetector::level_dbfs(std::string_view id) const {
  const auto it = streams_.find(id);
  if (it == streams_.end()) {
    return std::nullopt;
  }
  return it->second.level_dbfs;
}

std::optional<std::optional<std::string>> SpeakerDetector::end_tick() {
  // Loudest active stream fed this tick; the dominant one wins ties.
  const std::string *loudest = nullptr;
  double loudest_dbfs = options_.active_threshold_dbfs;
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (!it->second.fed) {
      it = streams_.erase(it);
      continue;
    }
    it->second.fed = false;
    const double level = it->second.level_dbfs;
    if (level > loudest_dbfs || (level == loudest_dbfs && level > options_.active_threshold_dbfs &&
                                 dominant_ && *dominant_ == it->first)) {
      loudest = &it->first;
      loudest_dbfs = level;
    }
    ++it;
  }

  if (loudest != nullptr) {
    ++active_ticks_;
    silent_ticks_ = 0;
  } else {
    active_ticks_ = 0;
    ++silent_ticks_;
  }
  if (loudest != nullptr && (!dominant_ || *loudest != *dominant_)) {
    if (*loudest == challenger_) {
      ++challenger_ticks_;
    } else {
      challenger_ = *loudest;
      challenger_ticks_ = 1;
    }
  } else {
    challenger_.clear();
    challenger_ticks_ = 0;
  }

  std::optional<std::string> next = dominant_;
  if (dominant_removed_) {
    next.reset();
    dominant_removed_ = false;
  } else if (!dominant_) {
    if (loudest != nullptr && active_ticks_ >= options_.switch_ticks) {
      next = *loudest;
    }
  } else if (loudest != nullptr) {
    if (*loudest != *dominant_ && challenger_ticks_ >= options_.switch_ticks) {
      next = *loudest;
    }
  } else if (silent_ticks_ >= options_.silence_ticks) {
    next.reset();
  }
  if (next == dominant_) {
    return std::nullopt;
  }
  dominant_ = std::move(next);
  challenger_.clear();
  challenger_ticks_ = 0;
  return dominant_;
}

} // namespace roomcast::receive
