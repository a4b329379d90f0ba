// VideoReceiver: frames, generic NACKs and PLIs for one received VP8 stream (RFC 4585 §6).
#include "receive/video_receiver.hpp"

#include <algorithm>

#include "rtp/rtcp_feedback.hpp"

namespace roomcast::receive {

namespace {
constexpr int64_t kVideoClockHz = 90000;  // RFC 7741 §4.1
}

VideoReceiver::Output VideoReceiver::on_packet(const rtp::RtpPacket& packet, Clock::time_point now,
                                               Clock::duration rtt) {
  Output out;
  if (remote_ssrc_ && *remote_ssrc_ != packet.ssrc) {
    // A new source in the slot (the server switched feeds): start over.
    depacketizer_ = rtp::Vp8Depacketizer();
    keyframe_seen_ = false;
    dropped_seen_ = 0;
    nacked_.clear();
    pli_limiter_.reset();
  }
  remote_ssrc_ = packet.ssrc;
  auto frame = depacketizer_.push(packet);
  const bool dropped = depacketizer_.frames_dropped() > dropped_seen_;
  dropped_seen_ = depacketizer_.frames_dropped();
  // After a dropped frame the next ones refer to what is lost: decoding them would show a
  // corrupt picture, so they wait for a keyframe as at the start.
  if (dropped) keyframe_seen_ = false;
  if (frame && frame->keyframe) keyframe_seen_ = true;
  if (!keyframe_seen_) {
    auto pli = request_keyframe(now);
    if (!pli.empty()) out.rtcp.push_back(std::move(pli));
  }
  add_nack(out, now, rtt);
  if (frame && keyframe_seen_) {
    out.timestamp = media_time(frame->rtp_timestamp);
    out.frame = std::move(frame);
  }
  return out;
}

std::vector<uint8_t> VideoReceiver::request_keyframe(Clock::time_point now) {
  if (!remote_ssrc_ || !pli_limiter_.allow(now)) return {};
  ++plis_sent_;
  return rtp::build_picture_loss(local_ssrc_, *remote_ssrc_);
}

void VideoReceiver::add_nack(Output& out, Clock::time_point now, Clock::duration rtt) {
  const auto missing = depacketizer_.missing();
  // Forget what is no longer missing (arrived, or given up on).
  for (auto it = nacked_.begin(); it != nacked_.end();)
    it = std::find(missing.begin(), missing.end(), it->first) == missing.end() ? nacked_.erase(it) : std::next(it);
  const auto spacing = std::max<Clock::duration>(rtt, kMinNackInterval);
  std::vector<uint16_t> ask;
  for (uint16_t sequence : missing) {
    auto [it, fresh] = nacked_.try_emplace(sequence);
    if (!fresh && (it->second.count >= kMaxNacks || now - it->second.last < spacing)) continue;
    it->second.last = now;
    ++it->second.count;
    ask.push_back(sequence);
  }
  if (ask.empty() || !remote_ssrc_) return;
  out.rtcp.push_back(rtp::build_generic_nack(local_ssrc_, *remote_ssrc_, ask));
  ++nacks_sent_;
}

std::chrono::microseconds VideoReceiver::media_time(uint32_t rtp_timestamp) {
  if (last_rtp_) extended_rtp_ += static_cast<int32_t>(rtp_timestamp - *last_rtp_);
  last_rtp_ = rtp_timestamp;
  return std::chrono::microseconds(extended_rtp_ * 1000000 / kVideoClockHz);
}

}  // namespace roomcast::receive
