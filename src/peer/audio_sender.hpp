// AudioSender: takes 20 ms frames from a FrameSource on the pacing deadlines, encodes and sends.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/deadline_scheduler.hpp"
#include "media/frame_source.hpp"
#include "media/opus_encoder.hpp"
#include "media/pacer.hpp"
#include "peer/peer_session.hpp"

namespace roomcast::peer {

struct SenderStats {
  uint64_t frames_sent = 0;
  uint64_t late_frames = 0;
  uint64_t underruns = 0;
  uint64_t reanchors = 0;
};

/// The SDK owns pacing (not user tracks): absolute deadlines start + n * 20 ms from
/// media::Pacer, RTP timestamps from sample counts. Loop thread only.
class AudioSender {
 public:
  struct Callbacks {
    std::function<void()> on_end_of_stream;
    std::function<void(const std::string& why)> on_failed;
  };

  /// `lead_in`: silence sent before the track's first frame (see MeetingConfig::lead_in).
  AudioSender(core::EventLoop& loop, PeerSession& peer, std::shared_ptr<media::FrameSource> source,
              int bitrate_bps, std::chrono::milliseconds lead_in, Callbacks callbacks);
  ~AudioSender();
  AudioSender(const AudioSender&) = delete;
  AudioSender& operator=(const AudioSender&) = delete;

  void start();
  void stop();
  SenderStats stats() const;

 private:
  std::optional<core::DeadlineScheduler::Clock::time_point> on_due(
      core::DeadlineScheduler::Clock::time_point now);
  bool send_one(bool& keep_going);
  void send_frame(const media::AudioFrame& frame);

  core::EventLoop& loop_;
  PeerSession& peer_;
  std::shared_ptr<media::FrameSource> source_;
  media::OpusEncoder encoder_;
  std::optional<media::Pacer> pacer_;
  Callbacks callbacks_;
  std::optional<core::DeadlineScheduler::Id> scheduled_;
  SenderStats stats_;
  uint64_t lead_in_frames_;
  uint64_t lead_in_sent_ = 0;
  bool finished_ = false;
};

}  // namespace roomcast::peer
