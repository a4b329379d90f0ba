// Meeting::stats(): what we send and receive, with the RTCP figures, snapshotted on the loop.
#include "meeting/meeting_impl.hpp"

namespace roomcast {

MeetingStats Meeting::Impl::collect_meeting_stats() {
  MeetingStats out;
  out.publishing = config.mic_enabled;
  out.sending = publication->stats(join_started);
  out.receiving = subscription->stats();
  out.receiving_candidate_pair = subscription->selected_candidate_pair();
  out.messages = pubsub->stats();
  return out;
}

MeetingStats Meeting::stats() const {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->state == Impl::State::Left) {
      MeetingStats out;
      out.publishing = impl_->config.mic_enabled;
      out.sending = impl_->final_stats;
      out.messages = impl_->pubsub->stats();
      return out;
    }
  }
  return impl_->loop->call([this] { return impl_->collect_meeting_stats(); });
}

}  // namespace roomcast
