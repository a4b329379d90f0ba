// EncodedTrack: the producer job (pull, frame, encode ahead) and the readers' cursors.
#include "media/encoded_track.hpp"

#include <algorithm>
#include <cmath>

#include "roomcast/push_audio_track.hpp"
#include "rtp/audio_level.hpp"
#include "rtp/opus_lbrr.hpp"

namespace roomcast::media {
namespace {

std::shared_ptr<detail::PushQueue> live_queue_of(const CustomAudioTrack& track) {
  const auto* push = dynamic_cast<const PushAudioTrack*>(&track);
  return push ? detail::push_queue_of(*push) : nullptr;
}

}  // namespace

EncodedTrack::EncodedTrack(std::shared_ptr<CustomAudioTrack> track, EncoderSettings settings, RunJob run_job)
    : settings_(settings),
      run_job_(std::move(run_job)),
      source_(std::move(track), FrameSource::kDefaultTargetFrames, settings.channels),
      live_(live_queue_of(*source_.track())),
      encoder_(settings.bitrate_bps, settings.fec == OpusFec::On, OpusEncoder::Application::Audio,
               settings.channels) {
  encoder_.set_complexity(settings.complexity);
  if (settings.dtx) encoder_.set_dtx(true);
  encoder_fec_ = settings.fec == OpusFec::On;
  // Lead-in silence from an encoder of its own, so the track's encoder state stays untouched.
  OpusEncoder quiet(settings.bitrate_bps, false, OpusEncoder::Application::Audio, settings.channels);
  quiet.set_complexity(settings.complexity);
  AudioFrame nothing;
  nothing.channels = settings.channels;
  silence_ = quiet.encode(nothing);
  if (settings.fec == OpusFec::On) want_fec_ = true, want_loss_percent_ = OpusEncoder::kDefaultPacketLossPercent;
}

EncodedTrack::~EncodedTrack() {
  if (live_tracks_) --*live_tracks_;
}

void EncodedTrack::count_live_in(std::shared_ptr<std::atomic<int>> live_tracks) {
  if (!live_ || live_tracks_ || !live_tracks) return;
  live_tracks_ = std::move(live_tracks);
  ++*live_tracks_;
}

EncodedTrack::Reader::~Reader() {
  std::lock_guard lock(track_->mutex_);
  std::erase(track_->readers_, this);
  track_->update_loss_locked();
}

std::unique_ptr<EncodedTrack::Reader> EncodedTrack::open_reader() {
  std::unique_ptr<Reader> reader(new Reader(shared_from_this()));
  std::lock_guard lock(mutex_);
  readers_.push_back(reader.get());
  if (live_) {
    reader->position_ = head_locked();  // live audio starts now, never from history
    return reader;
  }
  reader->position_ = base_;
  request_fill_locked();
  return reader;
}

EncodedTrack::Status EncodedTrack::Reader::next(std::shared_ptr<const EncodedFrame>& frame) {
  EncodedTrack& t = *track_;
  std::unique_lock lock(t.mutex_);
  for (int attempt = 0;; ++attempt) {
    const uint64_t head = t.head_locked();
    if (t.live_ && head - std::min(position_, head) > kLiveMaxLagFrames) position_ = head - 1;
    if (position_ < head) {
      frame = t.frames_[position_ - t.base_];
      ++position_;
      ++read_;
      if (!t.live_ && head - position_ < kRefillBelow) t.request_fill_locked();
      return Status::Frame;
    }
    if (t.ended_) return t.error_.empty() ? Status::Ended : Status::Failed;
    if (!t.live_) {
      t.request_fill_locked();
      return Status::Underrun;
    }
    if (attempt == 0 && t.live_tracks_ && *t.live_tracks_ <= kInlineLiveTracks && !t.fill_pending_) {
      // Made here, on the caller's thread: no hand-off to a worker and back.
      t.fill_pending_ = true;
      ++t.fill_jobs_;
      lock.unlock();
      t.produce_live();
      lock.lock();
      continue;
    }
    waiting_ = true;
    t.request_live_frame_locked();
    return Status::Pending;
  }
}

void EncodedTrack::Reader::skip(uint64_t frames) {
  EncodedTrack& t = *track_;
  std::lock_guard lock(t.mutex_);
  if (t.live_ || frames == 0) return;
  position_ += frames;
  t.request_fill_locked();
}

void EncodedTrack::Reader::set_wakeup(std::function<void()> wakeup) {
  std::lock_guard lock(track_->mutex_);
  wakeup_ = std::move(wakeup);
}

void EncodedTrack::Reader::mark_sent(const EncodedFrame& frame) {
  if (track_->live_) track_->live_->mark_sent(frame.source_end);
}

void EncodedTrack::Reader::report_loss(double fraction) {
  std::lock_guard lock(track_->mutex_);
  loss_ = std::clamp(fraction, 0.0, 1.0);
  track_->update_loss_locked();
}

std::string EncodedTrack::Reader::error() const {
  std::lock_guard lock(track_->mutex_);
  return track_->error_;
}

// The worst path among the readers decides: one encode serves them all.
void EncodedTrack::update_loss_locked() {
  if (settings_.fec != OpusFec::Adaptive) return;
  double worst = 0;
  for (const Reader* r : readers_) worst = std::max(worst, r->loss_);
  want_fec_ = worst >= kFecOnLoss;
  want_loss_percent_ =
      want_fec_ ? std::clamp(static_cast<int>(std::ceil(worst * 100)), kMinExpectedLossPercent, 50) : 0;
}

void EncodedTrack::request_fill_locked() {
  if (fill_pending_ || ended_) return;
  fill_pending_ = true;
  ++fill_jobs_;
  run_job_([self = shared_from_this()] { self->fill(); });
}

void EncodedTrack::prune_locked() {
  uint64_t oldest_needed = head_locked() > kHistoryFrames ? head_locked() - kHistoryFrames : 0;
  for (const Reader* r : readers_) oldest_needed = std::min(oldest_needed, r->position_);
  while (!frames_.empty() && base_ < oldest_needed) {
    frames_.pop_front();
    ++base_;
  }
}

void EncodedTrack::fill() {
  for (;;) {
    bool fec;
    int loss_percent;
    {
      std::lock_guard lock(mutex_);
      uint64_t furthest = base_;
      for (const Reader* r : readers_) furthest = std::max(furthest, r->position_);
      if (ended_ || head_locked() >= furthest + kAheadFrames) {
        prune_locked();
        fill_pending_ = false;
        return;
      }
      fec = want_fec_;
      loss_percent = want_loss_percent_;
    }
    // Pull the next 20 ms frame; the track's recv() runs here, on a worker, unlocked.
    FrameSource::PopResult next = source_.pop();
    while (next.status == FrameSource::Status::Underrun) {
      source_.fill();
      next = source_.pop();
    }
    std::shared_ptr<EncodedFrame> frame;
    std::string failure;
    if (next.status == FrameSource::Status::Frame) {
      try {
        frame = encode_frame(next.frame, fec, loss_percent);
      } catch (const std::exception& e) {
        failure = std::string("encoding failed: ") + e.what();
      }
    } else if (next.status == FrameSource::Status::Failed) {
      failure = next.error;
    }
    std::lock_guard lock(mutex_);
    if (frame) {
      frame->index = head_locked();
      frames_.push_back(std::move(frame));
      continue;
    }
    ended_ = true;
    error_ = failure;
    if (error_.empty() && next.status == FrameSource::Status::Failed) error_ = "the audio track failed";
    fill_pending_ = false;
    return;
  }
}

std::shared_ptr<EncodedFrame> EncodedTrack::encode_frame(const AudioFrame& pcm, bool fec, int loss_percent) {
  if (fec != encoder_fec_) encoder_.set_fec(fec), encoder_fec_ = fec;
  if (loss_percent != encoder_loss_percent_)
    encoder_.set_packet_loss_percent(loss_percent), encoder_loss_percent_ = loss_percent;
  auto frame = std::make_shared<EncodedFrame>();
  frame->valid_samples = pcm.valid_samples;
  frame->audio_level = rtp::audio_level_from_samples(pcm.pcm());
  frame->opus = encoder_.encode(pcm);
  frame->fec = rtp::opus_packet_has_fec(frame->opus);  // what it holds, not what was asked
  frame->dtx = settings_.dtx && frame->opus.size() <= 2;
  return frame;
}

void EncodedTrack::request_live_frame_locked() {
  if (fill_pending_ || ended_) return;
  fill_pending_ = true;
  ++fill_jobs_;
  run_job_([self = shared_from_this()] { self->produce_live(); });
}

// One frame for the tick now current: taken from the push queue at the moment a reader
// needs it, so audio pushed a moment ago is in it.
void EncodedTrack::produce_live() {
  bool fec;
  int loss_percent;
  {
    std::lock_guard lock(mutex_);
    fec = want_fec_;
    loss_percent = want_loss_percent_;
  }
  AudioFrame pcm;
  const detail::PushQueue::Take take = live_->take_frame(pcm);
  set_channels(pcm, settings_.channels);  // the push track's own count may differ
  std::shared_ptr<EncodedFrame> frame;
  std::string failure;
  if (take.kind != detail::PushQueue::Take::Kind::Ended) {
    try {
      // Silence goes through the encoder too: a stock silence packet would leave the
      // encoder's prediction state at the last speech while the decoder's moved on, and
      // the next talkspurt's first frames would decode wrong.
      frame = encode_frame(pcm, fec, loss_percent);
      frame->dry = take.kind == detail::PushQueue::Take::Kind::Dry;
      frame->talkspurt_start = take.talkspurt_start;
      frame->source_end = take.source_end;
    } catch (const std::exception& e) {
      failure = std::string("encoding failed: ") + e.what();
      frame.reset();
    }
  }
  std::lock_guard lock(mutex_);
  if (frame) {
    frame->index = head_locked();
    frames_.push_back(std::move(frame));
    prune_locked();
  } else {
    ended_ = true;
    error_ = failure;
  }
  fill_pending_ = false;
  // Under the mutex: a reader being destroyed waits here, so its wake-up is still valid.
  for (Reader* r : readers_) {
    if (!r->waiting_) continue;
    r->waiting_ = false;
    if (r->wakeup_) r->wakeup_();
  }
}

EncodedTrack::Stats EncodedTrack::stats() const {
  std::lock_guard lock(mutex_);
  Stats s;
  s.frames_encoded = head_locked();
  s.readers = readers_.size();
  s.frames_held = frames_.size();
  s.fec = want_fec_;
  s.expected_loss_percent = want_loss_percent_;
  s.fill_jobs = fill_jobs_;
  return s;
}

}  // namespace roomcast::media
