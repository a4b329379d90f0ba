// PacketPacer: a leaky bucket of send slots (next_slot_ advances by size / rate per packet),
// retransmissions ahead of media, wake-ups on a shared grid.
#include "rtp/packet_pacer.hpp"

#include <algorithm>

namespace roomcast::rtp {

PacketPacer::PacketPacer(Config config) : config_(config) {}

void PacketPacer::set_target_bitrate(int bitrate_bps) { target_bps_ = std::max(0, bitrate_bps); }

int PacketPacer::pacing_rate_bps() const {
  const double rate = target_bps_ * config_.pacing_factor;
  return std::max(config_.min_rate_bps, static_cast<int>(std::min(rate, 2e9)));
}

PacketPacer::Clock::duration PacketPacer::spacing(std::size_t bytes, int rate_bps) const {
  const int64_t ns = static_cast<int64_t>(bytes) * 8 * 1'000'000'000 / std::max(1, rate_bps);
  return std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns));
}

void PacketPacer::wake_from_idle(Clock::time_point now) {
  // An idle pacer saves no credit: the first packet after a pause goes now, not in a burst.
  if (queued_packets() == 0) next_slot_ = std::max(next_slot_, now);
}

void PacketPacer::enqueue_frame(std::vector<Packet> packets, bool keyframe, Clock::time_point now) {
  if (packets.empty()) return;
  wake_from_idle(now);
  int rate = pacing_rate_bps();
  if (keyframe) {
    std::size_t bytes = 0;
    for (const auto& p : packets) bytes += p.size();
    const double spread_s = std::chrono::duration<double>(config_.keyframe_spread).count();
    const double wanted = spread_s > 0 ? bytes * 8 / spread_s : 0;
    rate = static_cast<int>(std::clamp(wanted, static_cast<double>(rate), rate * config_.keyframe_burst_factor));
  }
  // Drop-oldest: make room for the new frame by pushing out what has waited longest.
  std::size_t skip = 0;
  if (packets.size() > config_.max_media_packets) skip = packets.size() - config_.max_media_packets;
  while (!media_.empty() && media_.size() + packets.size() - skip > config_.max_media_packets) {
    queued_bytes_ -= media_.front().packet.size();
    media_.pop_front();
    ++stats_.media_dropped;
  }
  stats_.media_dropped += skip;
  for (std::size_t i = skip; i < packets.size(); ++i) {
    queued_bytes_ += packets[i].size();
    media_.push_back({std::move(packets[i]), rate, now});
  }
  stats_.peak_queue_packets = std::max(stats_.peak_queue_packets, queued_packets());
}

void PacketPacer::enqueue_retransmission(Packet packet, Clock::time_point now) {
  if (retransmissions_.size() >= config_.max_retransmissions) {
    ++stats_.retransmissions_dropped;
    return;
  }
  wake_from_idle(now);
  queued_bytes_ += packet.size();
  retransmissions_.push_back({std::move(packet), pacing_rate_bps(), now});
  stats_.peak_queue_packets = std::max(stats_.peak_queue_packets, queued_packets());
}

std::vector<PacketPacer::Packet> PacketPacer::take_due(Clock::time_point now) {
  std::vector<Packet> out;
  // A wake-up later than one grid step (the loop was busy) catches up one step, not the whole
  // delay: a stalled loop must not turn into a burst.
  const auto earliest_slot = now - std::chrono::duration_cast<Clock::duration>(config_.granularity);
  if (queued_packets() > 0 && next_slot_ < earliest_slot) next_slot_ = earliest_slot;
  while (queued_packets() > 0 && next_slot_ <= now) {
    const bool retransmission = !retransmissions_.empty();
    auto& queue = retransmission ? retransmissions_ : media_;
    Entry entry = std::move(queue.front());
    queue.pop_front();
    queued_bytes_ -= entry.packet.size();
    // The queue-time limit: what is left must drain within max_queue_delay.
    const double delay_s = std::chrono::duration<double>(config_.max_queue_delay).count();
    const int drain_bps = delay_s > 0 ? static_cast<int>(std::min(queued_bytes_ * 8 / delay_s, 2e9)) : 0;
    next_slot_ += spacing(entry.packet.size(), std::max(entry.rate_bps, drain_bps));
    stats_.peak_queue_delay = std::max(stats_.peak_queue_delay,
                                       std::chrono::duration_cast<std::chrono::microseconds>(now - entry.queued_at));
    ++(retransmission ? stats_.retransmissions_sent : stats_.media_sent);
    out.push_back(std::move(entry.packet));
  }
  return out;
}

std::optional<PacketPacer::Clock::time_point> PacketPacer::next_send_time() const {
  if (queued_packets() == 0) return std::nullopt;
  const auto grid = std::chrono::duration_cast<Clock::duration>(config_.granularity).count();
  if (grid <= 1) return next_slot_;
  // Up to the grid, counted from the clock's epoch: every pacer of the process shares it.
  const auto ticks = next_slot_.time_since_epoch().count();
  const auto rounded = ticks >= 0 ? (ticks + grid - 1) / grid * grid : ticks / grid * grid;
  return Clock::time_point(Clock::duration(rounded));
}

}  // namespace roomcast::rtp
