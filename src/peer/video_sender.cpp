// VideoSender: the encode thread's frames, posted to the loop, out through the peer.
#include "peer/video_sender.hpp"

#include "core/callback_guard.hpp"

namespace roomcast::peer {

VideoSender::VideoSender(core::EventLoop& loop, std::shared_ptr<media::EncodedVideoTrack> track, Callbacks callbacks)
    : loop_(loop), track_(std::move(track)), callbacks_(std::move(callbacks)) {
  std::weak_ptr<int> alive = alive_;
  core::EventLoop* loop_ptr = &loop_;
  sink_ = track_->add_sink(
      [this, alive, loop_ptr](const std::shared_ptr<const media::EncodedVideoFrame>& frame) {
        loop_ptr->post([this, alive, frame] {
          if (alive.lock()) on_frame(frame);
        });
      },
      [this, alive, loop_ptr](const std::string& error) {
        loop_ptr->post([this, alive, error] {
          if (!alive.lock()) return;
          if (error.empty()) {
            if (callbacks_.on_end_of_stream) callbacks_.on_end_of_stream();
          } else if (callbacks_.on_failed) {
            callbacks_.on_failed(error);
          }
        });
      });
}

VideoSender::~VideoSender() {
  alive_.reset();
  track_->remove_sink(sink_);
}

void VideoSender::set_peer(PeerSession* peer, std::string mid, std::chrono::steady_clock::time_point anchor) {
  peer_ = peer;
  mid_ = std::move(mid);
  auto* rtp = peer_ ? peer_->video_sender(mid_) : nullptr;
  if (!rtp) return;
  track_->start(anchor);
  rtp->set_anchor(*track_->anchor());
  waiting_for_keyframe_ = true;
  track_->request_keyframe();
}

void VideoSender::on_frame(const std::shared_ptr<const media::EncodedVideoFrame>& frame) {
  auto* rtp = peer_ ? peer_->video_sender(mid_) : nullptr;
  if (!rtp) return;
  if (waiting_for_keyframe_ && !frame->keyframe) return;
  waiting_for_keyframe_ = false;
  // The pacer spreads the frame at a rate derived from what the encoder now aims at.
  rtp->set_target_bitrate(track_->stats().bitrate_bps);
  if (peer_->send_video(mid_, frame->data, frame->keyframe, frame->timestamp)) ++frames_sent_;
}

}  // namespace roomcast::peer
