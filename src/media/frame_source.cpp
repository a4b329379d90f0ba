// FrameSource: pull, convert and frame a track's audio.
#include "media/frame_source.hpp"

#include <exception>
#include <utility>

#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

std::string describe(const CustomAudioTrack* track) {
  if (track == nullptr) {
    throw Error(Error::Kind::Config, "FrameSource needs a track; got a null pointer");
  }
  try {
    return track->description();
  } catch (...) {
    return "custom audio track"; // a description is for messages; not worth failing over
  }
}

} // namespace

FrameSource::FrameSource(std::shared_ptr<CustomAudioTrack> track, std::size_t target_frames, int channels)
    : track_(std::move(track)), target_frames_(target_frames == 0 ? 1 : target_frames),
      description_(describe(track_.get())), converter_(channels), framer_(channels), ring_(target_frames_) {}

FrameSource::~FrameSource() = default;

void FrameSource::push_locked(const AudioFrame& frame) {
  ring_[(head_ + count_) % ring_.size()] = frame;
  ++count_;
}

void FrameSource::fail(const std::string& what) {
  std::lock_guard lock(mutex_);
  state_ = State::Failed;
  error_ = "audio track '" + description_ + "' failed: " + what;
  finished_ = true;
}

FrameSource::PopResult FrameSource::pop() {
  PopResult result;
  std::lock_guard lock(mutex_);
  if (count_ > 0) {
    result.status = Status::Frame;
    result.frame = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    --count_;
    ++frames_delivered_;
    samples_delivered_ += static_cast<uint64_t>(result.frame.valid_samples);
    return result;
  }
  switch (state_) {
  case State::Failed:
    result.status = Status::Failed;
    result.error = error_;
    return result;
  case State::Ended:
    result.status = Status::Ended;
    return result;
  case State::Running:
    break;
  }
  ++underruns_;
  result.status = Status::Underrun;
  return result;
}

bool FrameSource::fill() {
  if (finished_) {
    return false;
  }
  for (std::size_t calls = 0;; ++calls) {
    {
      std::lock_guard lock(mutex_);
      while (count_ < ring_.size()) {
        std::optional<AudioFrame> frame = framer_.pop();
        if (!frame) {
          break;
        }
        push_locked(*frame);
      }
      if (count_ >= target_frames_) {
        return false; // full; the framer may hold more, the next pop() brings us back
      }
      if (track_done_) {
        if (std::optional<AudioFrame> last = framer_.flush()) {
          push_locked(*last);
        }
        state_ = State::Ended;
        finished_ = true;
        return false;
      }
    }
    if (calls == kMaxRecvPerFill) {
      return true;
    }
    // recv() runs unlocked: pop() keeps serving ready frames meanwhile.
    try {
      std::optional<AudioChunk> chunk = track_->recv();
      if (chunk) {
        converter_.convert(*chunk, converted_);
      } else {
        converter_.flush(converted_); // the resampler's delay: the stream's last samples
        track_done_ = true;
      }
    } catch (const std::exception& e) {
      fail(e.what());
      return false;
    } catch (...) {
      fail("recv() threw an exception that is not a std::exception");
      return false;
    }
    framer_.push(converted_);
    converted_.clear();
  }
}

uint64_t FrameSource::frames_delivered() const {
  std::lock_guard lock(mutex_);
  return frames_delivered_;
}

std::chrono::milliseconds FrameSource::position() const {
  std::lock_guard lock(mutex_);
  return std::chrono::milliseconds(samples_delivered_ * 1000 / kSampleRateHz);
}

uint64_t FrameSource::underruns() const {
  std::lock_guard lock(mutex_);
  return underruns_;
}

std::size_t FrameSource::frames_ready() const {
  std::lock_guard lock(mutex_);
  return count_;
}

} // namespace roomcast::media
