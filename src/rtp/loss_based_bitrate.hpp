// LossBasedBitrate: the send rate a path carries, from the loss receivers report (RFC 3550
// receiver report blocks), after the loss-based half of Google Congestion Control
// (draft-ietf-rmcat-gcc-02 §6): above 10 % loss the rate drops by half the loss, below 2 % it
// grows by 8 % a second, in between it holds. REMB only says what the server estimates from
// delay; a lossy path with a generous REMB would otherwise keep the encoder at its maximum.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace roomcast::rtp {

class LossBasedBitrate {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kHighLoss = 0.10;
  static constexpr double kLowLoss = 0.02;
  static constexpr double kGrowthPerStep = 1.08;
  static constexpr Clock::duration kDecreaseInterval = std::chrono::milliseconds(300);
  static constexpr Clock::duration kIncreaseInterval = std::chrono::seconds(1);

  /// Estimates stay within [min_bps, max_bps]; the first is max_bps (no loss seen yet).
  LossBasedBitrate(int min_bps, int max_bps);

  /// One report's fraction lost (0..1) with the rate we were sending when it came. Returns
  /// the new estimate when it changed.
  std::optional<int> on_report(double fraction_lost, int sending_bps, Clock::time_point now);
  int estimate() const { return estimate_; }

 private:
  int min_bps_;
  int max_bps_;
  int estimate_;
  std::optional<Clock::time_point> last_change_;
};

}  // namespace roomcast::rtp
