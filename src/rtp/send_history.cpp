// SendHistory: bounded by count and by age, oldest forgotten first.
#include "rtp/send_history.hpp"

#include <algorithm>

namespace roomcast::rtp {

SendHistory::SendHistory(std::size_t capacity, Clock::duration max_age)
    : capacity_(std::max<std::size_t>(capacity, 1)), max_age_(max_age) {}

void SendHistory::remember(uint16_t sequence, std::vector<uint8_t> packet, Clock::time_point now) {
  const uint64_t serial = next_serial_++;
  auto& entry = by_sequence_[sequence];
  bytes_ -= entry.packet.size();
  bytes_ += packet.size();
  entry = Entry{std::move(packet), now, serial};
  order_.emplace_back(sequence, serial);

  while (order_.size() > capacity_) forget_oldest();
  while (!order_.empty()) {
    const auto it = by_sequence_.find(order_.front().first);
    const bool stale = it == by_sequence_.end() || it->second.serial != order_.front().second;
    if (!stale && now - it->second.sent_at <= max_age_) break;
    forget_oldest();
  }
}

// Drops the oldest record; the packet goes too unless its sequence number was reused since.
void SendHistory::forget_oldest() {
  const auto [sequence, serial] = order_.front();
  order_.pop_front();
  const auto it = by_sequence_.find(sequence);
  if (it != by_sequence_.end() && it->second.serial == serial) {
    bytes_ -= it->second.packet.size();
    by_sequence_.erase(it);
  }
}

const std::vector<uint8_t>* SendHistory::find(uint16_t sequence, Clock::time_point now) {
  const auto it = by_sequence_.find(sequence);
  if (it == by_sequence_.end()) {
    ++misses_;
    return nullptr;
  }
  if (now - it->second.sent_at > max_age_) {
    ++misses_;
    ++misses_too_old_;
    return nullptr;
  }
  ++hits_;
  return &it->second.packet;
}

void SendHistory::clear() {
  by_sequence_.clear();
  order_.clear();
  bytes_ = 0;
}

} // namespace roomcast::rtp
