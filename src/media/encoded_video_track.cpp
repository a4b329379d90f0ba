// EncodedVideoTrack: recv() -> clamp timestamps -> wait for the frame's time -> scale to
// I420 -> VP8 or H.264 -> every sink. Keyframe requests and bitrate limits arrive from any thread.
// A PushVideoTrack is live: its frames have no times of their own and go out when taken.
#include "media/encoded_video_track.hpp"

#include <pthread.h>

#include <algorithm>

#include "core/log.hpp"
#include "roomcast/error.hpp"
#include "roomcast/push_video_track.hpp"
#include "media/h264_encoder.hpp"
#include "media/video_copy.hpp"
#include "media/video_scaler.hpp"
#include "media/vp8_encoder.hpp"

namespace roomcast::media {

namespace {
// The two encoders share their shape (encode, set_bitrate) but no base class: the run loop
// needs only these two calls.
class CameraEncoder {
 public:
  explicit CameraEncoder(const VideoEncodeSettings& s) {
    if (s.codec == VideoCodec::h264)
      h264_.emplace(H264EncoderSettings{s.width, s.height, s.fps, s.bitrate_bps, s.keyframe_interval});
    else
      vp8_.emplace(Vp8EncoderSettings{s.width, s.height, s.fps, s.bitrate_bps, s.keyframe_interval});
  }
  std::optional<EncodedVideoFrame> encode(const I420Frame& frame, bool force_keyframe) {
    return h264_ ? h264_->encode(frame, force_keyframe) : vp8_->encode(frame, force_keyframe);
  }
  void set_bitrate(int bitrate_bps) { h264_ ? h264_->set_bitrate(bitrate_bps) : vp8_->set_bitrate(bitrate_bps); }

 private:
  std::optional<Vp8Encoder> vp8_;
  std::optional<H264Encoder> h264_;
};
}  // namespace

VideoEncodeSettings video_encode_settings(const VideoSettings& v) {
  return {v.width, v.height, v.frame_rate, v.max_bitrate_bps, v.keyframe_interval, v.codec};
}

EncodedVideoTrack::EncodedVideoTrack(std::shared_ptr<CustomVideoTrack> track, VideoEncodeSettings settings)
    : track_(std::move(track)), settings_(settings), bitrate_target_(settings.bitrate_bps) {
  if (const auto* push = dynamic_cast<const PushVideoTrack*>(track_.get())) live_ = detail::push_video_slot_of(*push);
  copy_ = detail::encoded_source_of(*track_);
  if (copy_ && copy_->codec() != settings.codec)
    throw Error(Error::Kind::Config, copy_codec_mismatch("the video of '" + copy_->description() + "'",
                                                         copy_->codec(), settings.codec));
  stats_.bitrate_bps = settings.bitrate_bps;
}

EncodedVideoTrack::~EncodedVideoTrack() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EncodedVideoTrack::start(Clock::time_point anchor) {
  std::lock_guard lock(mutex_);
  if (anchor_) return;
  anchor_ = anchor;
  thread_ = std::thread([this] { run(); });
}

std::optional<EncodedVideoTrack::Clock::time_point> EncodedVideoTrack::anchor() const {
  std::lock_guard lock(mutex_);
  return anchor_;
}

uint64_t EncodedVideoTrack::add_sink(FrameSink on_frame, EndSink on_end) {
  std::unique_lock lock(mutex_);
  const uint64_t id = next_sink_++;
  if (ended_) {
    // Joined after the end: tell it at once (outside the lock: it may call back in).
    const std::string error = end_error_;
    lock.unlock();
    if (on_end) on_end(error);
    return id;
  }
  sinks_[id] = Sink{std::move(on_frame), std::move(on_end), std::nullopt};
  keyframe_wanted_ = true;  // a new receiver needs a picture to start from
  return id;
}

void EncodedVideoTrack::remove_sink(uint64_t id) {
  {
    std::lock_guard lock(mutex_);
    sinks_.erase(id);
  }
  apply_bitrate();
}

void EncodedVideoTrack::request_keyframe() {
  {
    std::lock_guard lock(mutex_);
    ++stats_.keyframe_requests;
  }
  keyframe_wanted_ = true;
}

void EncodedVideoTrack::set_bitrate_limit(uint64_t id, int bitrate_bps) {
  {
    std::lock_guard lock(mutex_);
    auto it = sinks_.find(id);
    if (it == sinks_.end()) return;
    it->second.bitrate_limit = bitrate_bps;
  }
  apply_bitrate();
}

void EncodedVideoTrack::apply_bitrate() {
  std::lock_guard lock(mutex_);
  int target = settings_.bitrate_bps;
  for (const auto& [id, sink] : sinks_)
    if (sink.bitrate_limit) target = std::min(target, *sink.bitrate_limit);
  // Below ~50 kbit/s VP8 or H.264 at this size is mush; the floor keeps a picture.
  bitrate_target_ = std::max(target, 50'000);
}

VideoEncodeStats EncodedVideoTrack::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

bool EncodedVideoTrack::wait_until(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_until(lock, deadline, [this] { return stopping_; });
}

bool EncodedVideoTrack::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

detail::PushVideoSlot::Take EncodedVideoTrack::take_live() {
  using Take = detail::PushVideoSlot::Take;
  // In short waits: nobody may push for minutes, and the destructor must not wait for them.
  while (!stopping()) {
    Take take = live_->wait_take(Clock::now() + kLiveStopCheck);
    if (take.kind != Take::Kind::Nothing) return take;
  }
  return {};
}

void EncodedVideoTrack::deliver(std::shared_ptr<const EncodedVideoFrame> shared) {
  std::vector<FrameSink> sinks;
  {
    std::lock_guard lock(mutex_);
    ++stats_.frames_encoded;
    if (shared->keyframe) ++stats_.keyframes;
    for (const auto& [id, sink] : sinks_) sinks.push_back(sink.on_frame);
  }
  for (const auto& sink : sinks) sink(shared);
}

// Copied frames cannot be left out (the ones after need them) nor made keyframes: each goes out
// at its time, late ones as soon as they come; a keyframe request waits for the file's next.
bool EncodedVideoTrack::run_copy(Clock::time_point anchor) {
  using Kind = detail::EncodedVideoSource::Next::Kind;
  constexpr auto kPausedPoll = std::chrono::milliseconds(20);
  bool told_unanswerable = false;
  std::optional<std::chrono::microseconds> last_timestamp;
  while (!stopping()) {
    auto next = copy_->next();
    if (next.kind == Kind::End) return true;
    if (next.kind == Kind::Wait) {
      if (!wait_until(Clock::now() + kPausedPoll)) return false;
      continue;
    }
    auto& frame = next.frame;
    {
      std::lock_guard lock(mutex_);
      ++stats_.frames_read;
      if (last_timestamp && frame.timestamp < *last_timestamp) {
        ++stats_.timestamps_clamped;
        frame.timestamp = *last_timestamp;
      }
    }
    last_timestamp = frame.timestamp;
    if (!wait_until(anchor + frame.timestamp)) return false;
    if (keyframe_wanted_.exchange(false) && !frame.keyframe) {
      std::lock_guard lock(mutex_);
      ++stats_.keyframe_requests_unanswered;
      if (!told_unanswerable) {
        told_unanswerable = true;
        core::log_info("video of '", copy_->description(), "' is copied as it is: a keyframe request (PLI/FIR) ",
                       "waits for the file's next keyframe (counted in keyframe_requests_unanswered)");
      }
    }
    deliver(std::make_shared<const EncodedVideoFrame>(std::move(frame)));
  }
  return false;
}

void EncodedVideoTrack::run() {
  pthread_setname_np(pthread_self(), "roomcast-video");  // named in top, perf and gdb
  std::string error;
  try {
    if (copy_) {
      if (run_copy(*this->anchor())) finish(error);
      return;
    }
    CameraEncoder encoder(settings_);
    VideoScaler scaler(settings_.width, settings_.height);
    const Clock::time_point anchor = *this->anchor();
    const auto frame_interval = std::chrono::microseconds(1'000'000 / std::max(settings_.fps, 1));
    std::optional<std::chrono::microseconds> last_timestamp, last_encoded;
    auto last_keyframe = Clock::time_point{};
    int encoder_bitrate = settings_.bitrate_bps;
    const auto min_gap = frame_interval - frame_interval / 4;
    while (true) {
      if (stopping()) return;
      std::shared_ptr<const VideoFrame> frame;
      std::chrono::microseconds timestamp{0};
      if (live_) {
        // Taken only once the rate allows another frame, so faster pushes replace each other
        // in the slot (latest wins) instead of being dropped as over-rate below. Stamped with
        // the time pushed, so the encoder's own delay adds no jitter, but never closer to the
        // previous frame than the rate allows, nor before the anchor (an early frame waits).
        const auto earliest = last_encoded ? *last_encoded + min_gap : std::chrono::microseconds(0);
        if (last_encoded && !wait_until(anchor + earliest)) return;
        const auto take = take_live();
        if (!take.frame) {
          if (stopping()) return;
          break;
        }
        frame = take.frame;
        timestamp = std::max(earliest, std::chrono::duration_cast<std::chrono::microseconds>(take.at - anchor));
      } else {
        auto next = track_->recv();
        if (!next) break;
        timestamp = next->timestamp;
        frame = std::make_shared<const VideoFrame>(std::move(*next));
      }
      {
        std::lock_guard lock(mutex_);
        ++stats_.frames_read;
        if (last_timestamp && timestamp < *last_timestamp) {
          ++stats_.timestamps_clamped;
          timestamp = *last_timestamp;
        }
      }
      last_timestamp = timestamp;
      // A source faster than the configured rate: keep the frames that fit it. (A live frame
      // passed the rate before it was taken, and the slot dropped it if stale.)
      if (!live_ && last_encoded && timestamp - *last_encoded < min_gap) {
        std::lock_guard lock(mutex_);
        ++stats_.frames_over_rate;
        continue;
      }
      const Clock::time_point due = anchor + timestamp;
      if (!wait_until(due)) return;
      if (!live_ && Clock::now() - due > kMaxLateness) {
        std::lock_guard lock(mutex_);
        ++stats_.frames_late;
        continue;
      }
      last_encoded = timestamp;
      I420Frame picture = scaler.scale(*frame);
      picture.timestamp = timestamp;  // clamped, or the live frame's: the encoder's pts and RTP time
      const int target = bitrate_target_;
      if (target != encoder_bitrate) {
        encoder.set_bitrate(target);
        encoder_bitrate = target;
      }
      const auto now = Clock::now();
      bool force = false;
      if (keyframe_wanted_ && now - last_keyframe >= kKeyframeRequestInterval) {
        keyframe_wanted_ = false;
        force = true;
      }
      auto encoded = encoder.encode(picture, force);
      if (!encoded) continue;  // the encoder dropped the frame (rate control)
      if (encoded->keyframe) last_keyframe = now;
      {
        std::lock_guard lock(mutex_);
        stats_.bitrate_bps = encoder_bitrate;
      }
      deliver(std::make_shared<const EncodedVideoFrame>(std::move(*encoded)));
    }
  } catch (const std::exception& e) {
    error = std::string(track_->description()) + ": " + e.what();
    core::log_warn("video: ", error);
  }
  finish(error);
}

void EncodedVideoTrack::finish(const std::string& error) {
  std::vector<EndSink> ends;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    end_error_ = error;
    for (const auto& [id, sink] : sinks_) ends.push_back(sink.on_end);
  }
  for (const auto& end : ends)
    if (end) end(error);
}

}  // namespace roomcast::media
