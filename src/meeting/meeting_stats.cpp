// Meeting::stats(): what we send and receive, with the RTCP figures, snapshotted on the loop.
#include "meeting/meeting_impl.hpp"

namespace roomcast {

void Meeting::Impl::fill_rtcp_receive_stats(const RemoteFeed& feed, AudioReceiveStats& stats) const {
  if (!subscription_peer || feed.slot_mid.empty()) return;
  const auto* rtcp = subscription_peer->receive_statistics(feed.slot_mid);
  if (!rtcp) return;
  stats.bytes_received = rtcp->bytes_received();
  stats.fraction_lost = rtcp->last_fraction_lost().value_or(0);
  stats.cumulative_lost = rtcp->cumulative_lost();
  stats.jitter_ms = rtcp->jitter_ms();
}

MeetingStats Meeting::Impl::collect_meeting_stats() {
  MeetingStats out;
  out.publishing = config.mic_enabled;
  out.sending = collect_stats();
  for (const auto& [id, feed] : feeds) {
    if (!feed.audio_stream || !(feed.subscribing || feed.draining)) continue;
    RemoteAudioStats remote;
    remote.participant_id = id;
    remote.display_name = feed.participant ? feed.participant->display_name : std::string();
    remote.stream_id = feed.audio_stream->id;
    {
      std::lock_guard lock(feed.audio_stream->mutex);
      remote.audio = feed.audio_stream->stats;
    }
    fill_rtcp_receive_stats(feed, remote.audio);  // fresher than the last receive tick's copy
    out.receiving.push_back(std::move(remote));
  }
  return out;
}

MeetingStats Meeting::stats() const {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->state == Impl::State::Left) {
      MeetingStats out;
      out.publishing = impl_->config.mic_enabled;
      out.sending = impl_->final_stats;
      return out;
    }
  }
  return impl_->loop->call([this] { return impl_->collect_meeting_stats(); });
}

}  // namespace roomcast
