// Pacer schedule arithmetic; deadlines are computed from the frame index, never accumulated.
#include "media/pacer.hpp"

#include <algorithm>

namespace roomcast::media {

Pacer::Pacer(Clock::time_point start) : start_(start) {}

Pacer::Clock::time_point Pacer::deadline(uint64_t frame) const {
  // start + n * 20 ms from the index, so rounding never accumulates into drift.
  return start_ + static_cast<int64_t>(frame) * Duration(kFrameDuration);
}

Pacer::Clock::time_point Pacer::next_deadline() const { return deadline(sent_); }

int Pacer::frames_due(Clock::time_point now) {
  if (now < deadline(sent_)) {
    return 0;
  }
  const Duration lag = now - deadline(sent_);
  if (lag > Duration(kMaxLag)) {
    // Move the schedule so the oldest unsent frame is due now; later frames keep their
    // 20 ms spacing from it.
    start_ += lag;
    reanchor_delay_ += lag;
    ++reanchors_;
  }
  const uint64_t due_total =
      static_cast<uint64_t>((now - start_) / Duration(kFrameDuration)) + 1 - sent_;
  const int due = static_cast<int>(std::min<uint64_t>(due_total, kMaxBurst));
  // Judge lateness once per frame, on the call that first hands it out.
  for (uint64_t frame = std::max(sent_, counted_late_until_); frame < sent_ + due; ++frame) {
    if (now - deadline(frame) >= Duration(kFrameDuration)) {
      ++late_frames_;
    }
  }
  counted_late_until_ = std::max(counted_late_until_, sent_ + due);
  return due;
}

void Pacer::on_sent(int count) {
  if (count > 0) {
    sent_ += static_cast<uint64_t>(count);
  }
}

} // namespace roomcast::media
