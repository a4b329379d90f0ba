// VideoSender: one meeting's camera stream: frames from a (maybe shared) EncodedVideoTrack
// handed to the loop thread and sent through the PeerSession; keyframe requests and the
// server's bandwidth estimate go back to the encoder.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/event_loop.hpp"
#include "media/encoded_video_track.hpp"
#include "peer/peer_session.hpp"

namespace roomcast::peer {

/// Loop thread, but for the encoder's sinks, which only post.
class VideoSender {
 public:
  struct Callbacks {
    std::function<void()> on_end_of_stream;
    std::function<void(const std::string& why)> on_failed;
  };

  VideoSender(core::EventLoop& loop, std::shared_ptr<media::EncodedVideoTrack> track, Callbacks callbacks);
  ~VideoSender();
  VideoSender(const VideoSender&) = delete;
  VideoSender& operator=(const VideoSender&) = delete;

  /// Starts sending in the video section `mid` of `peer` (nullptr: pause, e.g. while rejoining). The track's
  /// timeline starts at `anchor` unless the track already runs (shared by another meeting).
  void set_peer(PeerSession* peer, std::string mid, std::chrono::steady_clock::time_point anchor);
  /// The server asks for a keyframe (PLI/FIR on our stream).
  void request_keyframe() { track_->request_keyframe(); }
  /// The server's estimate of our path (REMB): the encoder stays below it.
  void limit_bitrate(int bitrate_bps) { track_->set_bitrate_limit(sink_, bitrate_bps); }
  const media::EncodedVideoTrack& track() const { return *track_; }
  uint64_t frames_sent() const { return frames_sent_; }

 private:
  void on_frame(const std::shared_ptr<const media::EncodedVideoFrame>& frame);

  core::EventLoop& loop_;
  std::shared_ptr<media::EncodedVideoTrack> track_;
  Callbacks callbacks_;
  PeerSession* peer_ = nullptr;
  std::string mid_;  // our video section in peer_
  uint64_t sink_ = 0;
  uint64_t frames_sent_ = 0;
  bool waiting_for_keyframe_ = true;  // a new peer starts at a keyframe, never mid-GOP
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // posted tasks check it
};

}  // namespace roomcast::peer
