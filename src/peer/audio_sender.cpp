// AudioSender: the per-participant pacing client of the loop's DeadlineScheduler.
#include "peer/audio_sender.hpp"

#include "core/log.hpp"
#include "rtp/audio_level.hpp"

namespace roomcast::peer {

using Clock = core::DeadlineScheduler::Clock;

AudioSender::AudioSender(core::EventLoop& loop, PeerSession& peer,
                         std::shared_ptr<media::FrameSource> source, int bitrate_bps,
                         std::chrono::milliseconds lead_in, Callbacks callbacks)
    : loop_(loop),
      peer_(peer),
      source_(std::move(source)),
      encoder_(bitrate_bps, true),
      callbacks_(std::move(callbacks)),
      lead_in_frames_(static_cast<uint64_t>(lead_in / media::Pacer::kFrameDuration)) {}

AudioSender::~AudioSender() { stop(); }

void AudioSender::start() {
  if (scheduled_ || finished_) return;
  auto now = Clock::now();
  pacer_.emplace(now);
  scheduled_ = loop_.scheduler().add({[this](Clock::time_point t) { return on_due(t); }}, now);
}

void AudioSender::stop() {
  if (!scheduled_) return;
  loop_.scheduler().remove(*scheduled_);
  scheduled_.reset();
}

SenderStats AudioSender::stats() const {
  SenderStats stats = stats_;
  if (pacer_) {
    stats.late_frames = pacer_->late_frames();
    stats.reanchors = pacer_->reanchors();
  }
  return stats;
}

// Encodes and sends one frame; RTP time counts the lead-in's samples too.
void AudioSender::send_frame(const media::AudioFrame& frame) {
  auto payload = encoder_.encode(frame);
  uint8_t level = rtp::audio_level_from_samples(frame.samples);
  peer_.send_audio(payload, lead_in_frames_ * media::kFrameSamples + frame.first_sample, level);
}

// Sends one frame if one is ready; false when nothing was sent.
bool AudioSender::send_one(bool& keep_going) {
  if (lead_in_sent_ < lead_in_frames_) {
    media::AudioFrame silence{};
    silence.first_sample = lead_in_sent_ * media::kFrameSamples;
    peer_.send_audio(encoder_.encode(silence), silence.first_sample, rtp::kSilentAudioLevel);
    ++lead_in_sent_;
    return true;
  }
  auto result = source_->pop();
  switch (result.status) {
    case media::FrameSource::Status::Frame:
      send_frame(result.frame);
      ++stats_.frames_sent;
      return true;
    case media::FrameSource::Status::Underrun:
      ++stats_.underruns;
      return false;
    case media::FrameSource::Status::Ended:
      finished_ = true;
      keep_going = false;
      if (callbacks_.on_end_of_stream) callbacks_.on_end_of_stream();
      return false;
    case media::FrameSource::Status::Failed:
      finished_ = true;
      keep_going = false;
      if (callbacks_.on_failed) callbacks_.on_failed(result.error);
      return false;
  }
  return false;
}

std::optional<Clock::time_point> AudioSender::on_due(Clock::time_point now) {
  bool keep_going = true;
  int due = pacer_->frames_due(now);
  int sent = 0;
  // An underrun leaves the frame due: it goes out late, it is never skipped.
  while (sent < due && keep_going && send_one(keep_going)) ++sent;
  pacer_->on_sent(sent);
  peer_.maybe_send_sender_report(now);
  if (!keep_going) {
    scheduled_.reset();
    return std::nullopt;
  }
  // After an underrun, look again soon rather than at the next frame boundary.
  if (sent < due) return now + std::chrono::milliseconds(2);
  return pacer_->next_deadline();
}

}  // namespace roomcast::peer
