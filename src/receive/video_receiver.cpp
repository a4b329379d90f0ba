// VideoReceiver: frames, generic NACKs and PLIs for one received VP8 or H.264 stream (RFC 4585 §6).
#include "receive/video_receiver.hpp"

#include <algorithm>
#include <type_traits>

#include "rtp/rtcp_feedback.hpp"

namespace roomcast::receive {

namespace {
constexpr int64_t kVideoClockHz = 90000;  // RFC 7741 §4.1, RFC 6184 §5.1
}

VideoReceiver::VideoReceiver(uint32_t local_ssrc, VideoCodec codec) : local_ssrc_(local_ssrc), codec_(codec) {
  reset_depacketizer();
}

void VideoReceiver::reset_depacketizer() {
  if (codec_ == VideoCodec::h264)
    depacketizer_ = rtp::H264Depacketizer();
  else
    depacketizer_ = rtp::Vp8Depacketizer();
}

VideoReceiver::Output VideoReceiver::on_packet(const rtp::RtpPacket& packet, Clock::time_point now,
                                               Clock::duration rtt) {
  Output out;
  if (remote_ssrc_ && *remote_ssrc_ != packet.ssrc) {
    // A new source in the slot (the server switched feeds): start over.
    reset_depacketizer();
    keyframe_seen_ = false;
    dropped_seen_ = 0;
    nacked_.clear();
    pli_limiter_.reset();
  }
  remote_ssrc_ = packet.ssrc;
  // H.264 may complete more than one access unit with one packet; VP8 at most one frame.
  std::vector<Frame> completed;
  uint64_t dropped_now = 0;
  std::visit(
      [&](auto& depacketizer) {
        auto take = [&](auto&& frame) {
          completed.push_back(Frame{std::move(frame.payload), frame.keyframe, frame.rtp_timestamp, {}});
        };
        auto result = depacketizer.push(packet);
        if constexpr (std::is_same_v<decltype(result), std::optional<rtp::Vp8Frame>>) {
          if (result) take(std::move(*result));
        } else {
          for (auto& frame : result) take(std::move(frame));
        }
        dropped_now = depacketizer.frames_dropped();
      },
      depacketizer_);
  const bool dropped = dropped_now > dropped_seen_;
  dropped_seen_ = dropped_now;
  // After a dropped frame the next ones refer to what is lost: decoding them would show a
  // corrupt picture, so they wait for a keyframe as at the start.
  if (dropped) keyframe_seen_ = false;
  for (auto& frame : completed) {
    if (frame.keyframe) keyframe_seen_ = true;
    if (!keyframe_seen_) continue;
    frame.timestamp = media_time(frame.rtp_timestamp);
    out.frames.push_back(std::move(frame));
  }
  if (!keyframe_seen_) {
    auto pli = request_keyframe(now);
    if (!pli.empty()) out.rtcp.push_back(std::move(pli));
  }
  add_nack(out, now, rtt);
  return out;
}

uint64_t VideoReceiver::frames_dropped() const {
  return std::visit([](const auto& d) { return d.frames_dropped(); }, depacketizer_);
}

std::vector<uint8_t> VideoReceiver::request_keyframe(Clock::time_point now) {
  if (!remote_ssrc_ || !pli_limiter_.allow(now)) return {};
  ++plis_sent_;
  return rtp::build_picture_loss(local_ssrc_, *remote_ssrc_);
}

void VideoReceiver::add_nack(Output& out, Clock::time_point now, Clock::duration rtt) {
  const auto missing = std::visit([](const auto& d) { return d.missing(); }, depacketizer_);
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
