// PushQueue and PushAudioTrack: back-pressure, barge-in and playout accounting.
#include "media/push_queue.hpp"

#include <algorithm>

#include "roomcast/error.hpp"

namespace roomcast {
namespace detail {

using media::kFrameSamples;
using media::kSampleRateHz;

PushQueue::PushQueue(std::chrono::milliseconds max_queue, int channels)
    : max_samples_(static_cast<uint64_t>(max_queue.count()) * kSampleRateHz / 1000),
      channels_(static_cast<std::size_t>(channels)),
      converter_(channels) {}

PushQueue::Duration PushQueue::to_duration(uint64_t samples) {
  return Duration(samples * 1000 / kSampleRateHz);
}

template <typename Pred>
bool PushQueue::wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                     std::optional<Duration> timeout, Pred pred) {
  if (!timeout) {
    cv.wait(lock, pred);
    return true;
  }
  return cv.wait_for(lock, *timeout, pred);
}

void PushQueue::append_locked(const std::vector<int16_t>& samples) {
  samples_.insert(samples_.end(), samples.begin(), samples.end());
  pushed_ += samples.size() / channels_;
  if (!samples.empty()) pushed_since_take_ = true;
}

bool PushQueue::push(const AudioChunk& chunk, std::optional<Duration> timeout) {
  media::PcmConverter::validate(chunk);  // throws on the caller's thread, saying what is wrong
  std::vector<int16_t> converted;
  uint64_t generation;
  {
    std::lock_guard convert_lock(convert_mutex_);
    {
      std::lock_guard lock(mutex_);
      if (ended_) return false;
      generation = generation_;
    }
    converter_.convert(chunk, converted);
  }
  std::unique_lock lock(mutex_);
  const auto fits = [&] {
    return ended_ || generation_ != generation || samples_.empty() ||
           (samples_.size() + converted.size()) / channels_ <= max_samples_;
  };
  ++pushes_waiting_;
  const bool fitted = wait(lock, room_, timeout, fits);
  --pushes_waiting_;
  if (!fitted) return false;
  if (ended_ || generation_ != generation) return false;
  append_locked(converted);
  return true;
}

void PushQueue::clear() {
  std::lock_guard convert_lock(convert_mutex_);
  std::lock_guard lock(mutex_);
  ++generation_;
  cleared_ += queued_locked();
  taken_ += queued_locked();
  samples_.clear();
  converter_.flush();  // drop what the resampler holds; the next push starts afresh
  flush_partial_ = false;
  // No audio on its way: the dropped audio is as gone as it will ever be.
  if (sent_ >= last_audio_end_) sent_ = taken_;
  room_.notify_all();
  sent_cv_.notify_all();
}

// The resampler holds a few samples of filter delay; they belong to what was pushed.
void PushQueue::flush_converter() {
  std::lock_guard convert_lock(convert_mutex_);
  std::vector<int16_t> tail = converter_.flush();
  std::lock_guard lock(mutex_);
  if (!ended_) append_locked(tail);
}

bool PushQueue::wait_for_playout(std::optional<Duration> timeout) {
  flush_converter();
  std::unique_lock lock(mutex_);
  const uint64_t target = pushed_;
  flush_partial_ = true;
  return wait(lock, sent_cv_, timeout, [&] { return sent_ >= target; });
}

std::chrono::milliseconds PushQueue::queued_duration() const {
  std::lock_guard lock(mutex_);
  return to_duration(queued_locked());
}

void PushQueue::end() {
  flush_converter();
  std::lock_guard lock(mutex_);
  ended_ = true;
  flush_partial_ = true;
  room_.notify_all();
  sent_cv_.notify_all();
}

PushAudioTrack::Stats PushQueue::stats() const {
  std::lock_guard lock(mutex_);
  PushAudioTrack::Stats s;
  s.pushed = to_duration(pushed_);
  s.cleared = to_duration(cleared_);
  s.sent = to_duration(sent_);
  s.underruns = underruns_;
  s.talkspurts = talkspurts_;
  return s;
}

PushQueue::Take PushQueue::take_frame(media::AudioFrame& frame) {
  std::lock_guard lock(mutex_);
  Take take;
  frame.channels = static_cast<int>(channels_);
  const uint64_t queued = queued_locked();
  // A partial frame waits for the rest while the producer is still pushing (silence now,
  // the audio whole a frame later) and goes out padded when it has stopped.
  const bool send_partial = queued > 0 && (ended_ || flush_partial_ || !pushed_since_take_);
  const auto pcm = frame.pcm();
  if (queued >= kFrameSamples || send_partial) {
    const uint64_t n = std::min<uint64_t>(queued, kFrameSamples);
    const auto values = static_cast<std::ptrdiff_t>(n * channels_);
    std::copy_n(samples_.begin(), values, pcm.begin());
    std::fill(pcm.begin() + values, pcm.end(), int16_t{0});
    frame.valid_samples = static_cast<int>(n);
    samples_.erase(samples_.begin(), samples_.begin() + values);
    taken_ += n;
    take.kind = Take::Kind::Audio;
    take.talkspurt_start = !in_talkspurt_;
    if (take.talkspurt_start) ++talkspurts_;
    in_talkspurt_ = true;
    room_.notify_all();
  } else {
    if (queued > 0) ++underruns_;
    take.kind = ended_ ? Take::Kind::Ended : Take::Kind::Dry;
    in_talkspurt_ = false;
    std::fill(pcm.begin(), pcm.end(), int16_t{0});
    frame.valid_samples = kFrameSamples;
  }
  if (samples_.empty()) flush_partial_ = false;
  pushed_since_take_ = false;
  take.source_end = taken_;
  if (take.kind == Take::Kind::Audio) last_audio_end_ = taken_;
  return take;
}

std::size_t PushQueue::pushes_waiting() const {
  std::lock_guard lock(mutex_);
  return pushes_waiting_;
}

void PushQueue::mark_sent(uint64_t source_end) {
  std::lock_guard lock(mutex_);
  sent_ = std::max(sent_, source_end);
  // Past the newest frame with audio, `taken` only grew by clear(): that audio is gone too.
  if (source_end >= last_audio_end_) sent_ = std::max(sent_, taken_);
  sent_cv_.notify_all();
}

std::optional<AudioChunk> PushQueue::pull_frame() {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return ended_ || queued_locked() >= kFrameSamples; });
  if (samples_.empty()) return std::nullopt;
  const uint64_t n = std::min<uint64_t>(queued_locked(), kFrameSamples);
  const auto values = static_cast<std::ptrdiff_t>(n * channels_);
  std::vector<int16_t> out(samples_.begin(), samples_.begin() + values);
  samples_.erase(samples_.begin(), samples_.begin() + values);
  taken_ += n;
  sent_ = std::max(sent_, taken_);  // handed to the caller: as far as we can tell, played
  room_.notify_all();
  sent_cv_.notify_all();
  return AudioChunk::from_s16(out, kSampleRateHz, static_cast<int>(channels_));
}

std::shared_ptr<PushQueue> push_queue_of(const PushAudioTrack& track) { return track.queue_; }

}  // namespace detail

PushAudioTrack::PushAudioTrack(Options options) {
  using std::chrono::milliseconds;
  if (options.max_queue < milliseconds(20) || options.max_queue > milliseconds(60000)) {
    throw Error(Error::Kind::Config, "PushAudioTrack: Options::max_queue is " +
                                         std::to_string(options.max_queue.count()) +
                                         " ms; use 20 ms to 60 s (default 200 ms)");
  }
  if (options.channels != 1 && options.channels != 2) {
    throw Error(Error::Kind::Config, "PushAudioTrack: Options::channels is " + std::to_string(options.channels) +
                                         "; use 1 (mono) or 2 (stereo)");
  }
  queue_ = std::make_shared<detail::PushQueue>(options.max_queue, options.channels);
}

PushAudioTrack::~PushAudioTrack() = default;

bool PushAudioTrack::push(const AudioChunk& chunk, std::optional<std::chrono::milliseconds> timeout) {
  return queue_->push(chunk, timeout);
}
void PushAudioTrack::clear() { queue_->clear(); }
bool PushAudioTrack::wait_for_playout(std::optional<std::chrono::milliseconds> timeout) {
  return queue_->wait_for_playout(timeout);
}
std::chrono::milliseconds PushAudioTrack::queued_duration() const { return queue_->queued_duration(); }
void PushAudioTrack::end() { queue_->end(); }
PushAudioTrack::Stats PushAudioTrack::stats() const { return queue_->stats(); }
std::optional<AudioChunk> PushAudioTrack::recv() { return queue_->pull_frame(); }

}  // namespace roomcast
