// FrameSchedule: due frames from tick indices, so rounding never accumulates into drift.
#include "media/frame_schedule.hpp"

#include <algorithm>

namespace roomcast::media {

int FrameSchedule::frames_due(uint64_t tick) {
  tick_ = tick;
  if (tick < due_tick(sent_)) return 0;
  const uint64_t lag = tick - due_tick(sent_);
  if (lag > kMaxLagTicks) {
    // The oldest unsent frame becomes due now; later ones keep their spacing from it.
    first_tick_ += lag;
    reanchor_ticks_ += lag;
    ++reanchors_;
  }
  const uint64_t due = tick - due_tick(sent_) + 1;
  return static_cast<int>(std::min<uint64_t>(due, kMaxBurst));
}

void FrameSchedule::on_sent(int count) {
  for (int i = 0; i < count; ++i, ++sent_)
    if (tick_ > due_tick(sent_)) ++late_frames_;
}

}  // namespace roomcast::media
