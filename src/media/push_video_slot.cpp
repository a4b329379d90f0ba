// PushVideoSlot and PushVideoTrack: latest wins, stale frames dropped, idle repeats.
#include "media/push_video_slot.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "roomcast/error.hpp"

namespace roomcast {
namespace detail {

PushVideoSlot::PushVideoSlot(PushVideoTrack::Options options) : options_(options) {}

bool PushVideoSlot::push(VideoFrame frame, Clock::time_point now) {
  auto shared = std::make_shared<const VideoFrame>(std::move(frame));
  {
    std::lock_guard lock(mutex_);
    if (ended_) return false;
    ++stats_.pushed;
    if (pending_) ++stats_.replaced;
    pending_ = shared;
    pending_at_ = now;
    last_ = std::move(shared);
    active_at_ = now;
  }
  changed_.notify_all();
  return true;
}

void PushVideoSlot::end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  changed_.notify_all();
}

PushVideoTrack::Stats PushVideoSlot::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

PushVideoSlot::Take PushVideoSlot::take(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return take_locked(now);
}

PushVideoSlot::Take PushVideoSlot::take_locked(Clock::time_point now) {
  Take take;
  // A frame pushed before the encoder first came waited for the meeting, not for a busy
  // encoder: it is never stale.
  const bool encoder_was_here = std::exchange(taking_, true);
  if (pending_) {
    auto frame = std::move(pending_);
    pending_.reset();
    if (encoder_was_here && now - pending_at_ > options_.max_age) {
      ++stats_.stale;  // the repeat (or the next push) shows it, at a time that is true
    } else {
      ++stats_.sent;
      active_at_ = now;
      take.kind = Take::Kind::Frame;
      take.frame = std::move(frame);
      take.at = encoder_was_here ? pending_at_ : now;
      return take;
    }
  }
  if (ended_) {
    take.kind = Take::Kind::Ended;
    return take;
  }
  if (last_ && options_.repeat_interval > std::chrono::milliseconds(0)) {
    const auto due = active_at_ + options_.repeat_interval;
    if (now >= due) {
      ++stats_.repeated;
      active_at_ = now;
      take.kind = Take::Kind::Frame;
      take.frame = last_;
      take.repeat = true;
      take.at = now;
      return take;
    }
    take.wake_at = due;
  }
  return take;
}

PushVideoSlot::Take PushVideoSlot::wait_take(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  while (true) {
    const auto now = Clock::now();
    Take take = take_locked(now);
    if (take.kind != Take::Kind::Nothing || now >= until) return take;
    changed_.wait_until(lock, std::min(until, take.wake_at));
  }
}

std::shared_ptr<PushVideoSlot> push_video_slot_of(const PushVideoTrack& track) { return track.slot_; }

}  // namespace detail

namespace {

PushVideoTrack::Options checked(PushVideoTrack::Options options) {
  if (options.repeat_interval < std::chrono::milliseconds(0))
    throw Error(Error::Kind::Config, "PushVideoTrack: repeat_interval is " +
                                         std::to_string(options.repeat_interval.count()) +
                                         " ms; use 0 (never repeat) or more");
  if (options.max_age <= std::chrono::milliseconds(0))
    throw Error(Error::Kind::Config, "PushVideoTrack: max_age is " + std::to_string(options.max_age.count()) +
                                         " ms; it must be positive (default 100 ms)");
  return options;
}

}  // namespace

PushVideoTrack::PushVideoTrack(Options options)
    : slot_(std::make_shared<detail::PushVideoSlot>(checked(options))), created_(std::chrono::steady_clock::now()) {}

PushVideoTrack::~PushVideoTrack() = default;

bool PushVideoTrack::push(VideoFrame frame) {
  // Checked here so a bad frame is reported to the caller, not later on the encoder thread.
  const std::size_t expected = VideoFrame::size_for(frame.format, frame.width, frame.height);
  if (expected == 0 || frame.data.size() != expected)
    throw Error(Error::Kind::Media, "PushVideoTrack::push: " + std::to_string(frame.data.size()) + " bytes for a " +
                                        std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                        " frame, which takes " + std::to_string(expected) +
                                        " in its format; the size must be positive (see VideoFrame::from_pixels)");
  return slot_->push(std::move(frame), std::chrono::steady_clock::now());
}

void PushVideoTrack::end() { slot_->end(); }

PushVideoTrack::Stats PushVideoTrack::stats() const { return slot_->stats(); }

std::optional<VideoFrame> PushVideoTrack::recv() {
  using Take = detail::PushVideoSlot::Take;
  while (true) {
    const Take take = slot_->wait_take(std::chrono::steady_clock::now() + std::chrono::hours(1));
    if (take.kind == Take::Kind::Ended) return std::nullopt;
    if (take.kind != Take::Kind::Frame) continue;
    VideoFrame frame = *take.frame;
    frame.timestamp = std::chrono::duration_cast<std::chrono::microseconds>(take.at - created_);
    return frame;
  }
}

}  // namespace roomcast
