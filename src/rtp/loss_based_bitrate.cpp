#include "rtp/loss_based_bitrate.hpp"

#include <algorithm>

namespace roomcast::rtp {

LossBasedBitrate::LossBasedBitrate(int min_bps, int max_bps)
    : min_bps_(min_bps), max_bps_(std::max(min_bps, max_bps)), estimate_(max_bps_) {}

std::optional<int> LossBasedBitrate::on_report(double fraction_lost, int sending_bps, Clock::time_point now) {
  const auto since = last_change_ ? now - *last_change_ : Clock::duration::max();
  double next = estimate_;
  if (fraction_lost > kHighLoss) {
    // Once per interval: a burst of reports about the same loss must not compound.
    if (since < kDecreaseInterval) return std::nullopt;
    // From what we actually sent: an estimate far above it would take many steps to bite.
    next = std::min<double>(estimate_, sending_bps) * (1.0 - 0.5 * fraction_lost);
  } else if (fraction_lost < kLowLoss) {
    if (since < kIncreaseInterval || estimate_ >= max_bps_) return std::nullopt;
    next = estimate_ * kGrowthPerStep;
  } else {
    return std::nullopt;
  }
  const int bounded = static_cast<int>(std::clamp<double>(next, min_bps_, max_bps_));
  last_change_ = now;
  if (bounded == estimate_) return std::nullopt;
  estimate_ = bounded;
  return estimate_;
}

}  // namespace roomcast::rtp
