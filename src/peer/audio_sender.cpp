// AudioSender: due frames on each media-clock tick, out through the peer's packetizer.
#include "peer/audio_sender.hpp"

#include "core/callback_guard.hpp"
#include "media/audio_frame.hpp"
#include "rtp/audio_level.hpp"

namespace roomcast::peer {

using Clock = core::MediaClock::Clock;

AudioSender::AudioSender(engine::Engine& engine, PeerSession& peer, std::string mid,
                         std::unique_ptr<media::EncodedTrack::Reader> reader, std::chrono::milliseconds lead_in,
                         Callbacks callbacks)
    : engine_(engine),
      peer_(&peer),
      mid_(std::move(mid)),
      reader_(std::move(reader)),
      callbacks_(std::move(callbacks)),
      lead_in_frames_(static_cast<uint64_t>(lead_in / core::MediaClock::kTickDuration)),
      silence_until_(lead_in_frames_) {
  watch_live_reader();
}

void AudioSender::watch_live_reader() {
  if (!reader_->track().live()) return;
  // A live frame is made when we ask for it; send it as soon as it is ready, not a tick later.
  core::EventLoop* loop = &engine_.loop();
  reader_->set_wakeup([loop, this, alive = std::weak_ptr<int>(alive_)] {
    loop->post([this, alive] {
      if (alive.lock()) on_frame_ready();
    });
  });
}

void AudioSender::replace_reader(std::unique_ptr<media::EncodedTrack::Reader> reader) {
  reader_ = std::move(reader);
  watch_live_reader();
  talkspurt_pending_ = true;
  mark_talkspurt();
  finished_ = false;  // a new track after the last one ended
  if (peer_) start();
}

AudioSender::~AudioSender() { stop(); }

void AudioSender::mark_talkspurt() {
  if (!peer_) return;
  if (auto* rtp = peer_->audio_sender(mid_)) rtp->mark_talkspurt();
}

void AudioSender::start(std::optional<uint64_t> first_tick) {
  if (first_tick) first_tick_ = first_tick;
  if (ticking_ || finished_ || !peer_) return;
  ticking_ = true;
  engine_.add_ticker(this);
}

void AudioSender::stop() {
  if (!ticking_) return;
  ticking_ = false;
  engine_.remove_ticker(this);
}

void AudioSender::set_peer(PeerSession* peer, std::string mid, std::optional<uint64_t> first_tick,
                           bool keep_time) {
  peer_ = peer;
  mid_ = std::move(mid);
  const auto& clock = engine_.clock();
  if (!peer_) {
    if (ticking_) paused_at_ = clock.tick_at(Clock::now());
    return stop();
  }
  if (keep_time && paused_at_) {
    // The track resumes after the lead-in, where it would be without the pause: the frames
    // that fell due since are skipped, not sent late (nobody was there to hear them).
    const uint64_t resume_tick = first_tick.value_or(clock.tick_at(Clock::now())) + lead_in_frames_;
    if (resume_tick > *paused_at_) reader_->skip(resume_tick - *paused_at_);
  }
  paused_at_.reset();
  silence_until_ = packets_sent_ + lead_in_frames_;
  reports_seen_ = 0;  // the new session counts its reports from 0
  if (schedule_) {
    stats_.late_frames += schedule_->late_frames();
    stats_.reanchors += schedule_->reanchors();
  }
  schedule_.reset();  // anchor anew: no catch-up burst for the paused time
  start(first_tick);
}

void AudioSender::set_muted(bool muted) {
  if (muted_ && !muted) talkspurt_pending_ = true;
  muted_ = muted;
}

SenderStats AudioSender::stats() const {
  SenderStats stats = stats_;
  if (schedule_) {
    stats.late_frames += schedule_->late_frames();
    stats.reanchors += schedule_->reanchors();
  }
  return stats;
}

void AudioSender::finish() {
  finished_ = true;
  stop();  // safe inside a tick: the clock skips removed clients
}

// Sends one frame if one is ready; false when nothing was sent.
bool AudioSender::send_one(Clock::time_point now, bool& keep_going) {
  // RTP time counts every 20 ms we sent (lead-in included), so timestamps stay contiguous
  // whatever the reader's position in the shared log.
  const uint64_t first_sample = packets_sent_ * media::kFrameSamples;
  if (packets_sent_ < silence_until_) {
    if (!muted_) peer_->send_audio(mid_, reader_->track().silence(), first_sample, rtp::kSilentAudioLevel);
  } else {
    std::shared_ptr<const media::EncodedFrame> frame;
    switch (reader_->next(frame)) {
      case media::EncodedTrack::Status::Frame:
        if (muted_) {
          // Played, not sent: the server has our audio section inactive meanwhile.
          reader_->mark_sent(*frame);
          ++packets_sent_;
          return true;
        }
        if (frame->dtx) {
          // Not sent; the timestamps still count it, and speech after the gap is marked.
          ++stats_.dtx_frames;
          talkspurt_pending_ = true;
          ++packets_sent_;
          return true;
        }
        // A live track's refresh packets in a DTX gap are not speech: only audio is marked.
        if (frame->talkspurt_start || (talkspurt_pending_ && !frame->dry)) {
          mark_talkspurt();
          talkspurt_pending_ = false;
        }
        peer_->send_audio(mid_, frame->opus, first_sample, frame->audio_level);
        reader_->mark_sent(*frame);
        ++stats_.frames_sent;
        if (frame->fec) ++stats_.fec_frames;
        break;
      case media::EncodedTrack::Status::Underrun:
        ++stats_.underruns;
        return false;
      case media::EncodedTrack::Status::Pending:
        return false;  // on_frame_ready() follows
      case media::EncodedTrack::Status::Ended:
        keep_going = false;
        finish();
        if (callbacks_.on_end_of_stream) callbacks_.on_end_of_stream();
        return false;
      case media::EncodedTrack::Status::Failed:
        keep_going = false;
        finish();
        if (callbacks_.on_failed) callbacks_.on_failed(reader_->error());
        return false;
    }
  }
  if (!stats_.first_packet_at) stats_.first_packet_at = now;
  ++packets_sent_;
  return true;
}

void AudioSender::on_tick(uint64_t tick, Clock::time_point now) {
  // Called from the media clock's GLib source: a failure ends this sender, not the process.
  core::guard_callback("audio sender", [&] { send_due(tick, now); }, [this](const std::string& why) {
    finish();
    if (callbacks_.on_failed) callbacks_.on_failed(why);
  });
}

void AudioSender::on_frame_ready() {
  if (!ticking_ || finished_) return;
  const Clock::time_point now = Clock::now();
  on_tick(engine_.clock().tick_at(now), now);
}

void AudioSender::send_due(uint64_t tick, Clock::time_point now) {
  if (finished_) return;
  if (!schedule_) {
    // Our next frame is due at the tick the caller gave (the video's anchor is on it too, so
    // a first tick that runs late cannot put the two 20 ms apart), else the first we see.
    const uint64_t first = first_tick_.value_or(tick);
    first_tick_.reset();
    schedule_.emplace(first);
    // Sender reports pair the wall clock with the RTP time of now on this timeline, as the
    // video's do with its anchor (Publication::start_video: the same tick), not with the last
    // frame sent: audio sent late (a late tick, an underrun, a re-anchored schedule) then shows
    // as late, and the receiver lines up what was due together, not what went out together.
    peer_->set_audio_timeline(mid_, engine_.clock().tick_start(first), packets_sent_ * media::kFrameSamples);
  }
  const int due = schedule_->frames_due(tick);
  int sent = 0;
  bool keep_going = true;
  // An underrun leaves the frame due: it goes out late, it is never skipped.
  while (sent < due && keep_going && send_one(now, keep_going)) ++sent;
  schedule_->on_sent(sent);
  if (finished_) return;
  // Loss the server reports on our path steers the shared encoder's FEC.
  const auto* rtp = peer_->audio_sender(mid_);
  if (rtp && rtp->stats().receiver_reports != reports_seen_) {
    reports_seen_ = rtp->stats().receiver_reports;
    reader_->report_loss(rtp->stats().remote_fraction_lost);
  }
}

}  // namespace roomcast::peer
