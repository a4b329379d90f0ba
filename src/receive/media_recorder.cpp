// MediaRecorder: decoded audio and video re-encoded (Opus, VP8) into one live-written WebM file.
//
// Why re-encode rather than store the received bitstream: the recorder is a plain AudioSink +
// VideoSink, usable by any SDK user on any stream, and sinks see decoded frames only. The
// received VP8 or H.264 would need a hook inside the meeting's receive path, would change
// codec with the sender (H.264 is not WebM), and would start mid-GOP after a loss or a late
// join; decoded frames re-encoded as VP8 always give a WebM that starts on a keyframe. The
// price is one real-time VP8 encode per recorded camera (a few ms per 640x360 frame).
#include "roomcast/media_recorder.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "core/log.hpp"
#include "media/audio_frame.hpp"
#include "media/opus_encoder.hpp"
#include "media/video_scaler.hpp"
#include "media/vp8_encoder.hpp"
#include "receive/webm_muxer.hpp"
#include "roomcast/error.hpp"

namespace roomcast {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kFrameSamples = media::kFrameSamples;
// A pause longer than this is left as a gap in the file rather than filled with silence.
constexpr int64_t kMaxSilenceFillSamples = int64_t{60} * media::kSampleRateHz;
// A video timestamp this far behind the previous one means a new stream: anchor it again.
constexpr int64_t kVideoRestartUs = 1000000;

int64_t us_since(Clock::time_point epoch, Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - epoch).count();
}

int64_t samples_to_us(int64_t samples) { return samples * 1000000 / media::kSampleRateHz; }

}  // namespace

struct MediaRecorder::Impl {
  struct Pending {
    bool video = false;
    std::vector<uint8_t> data;
    bool keyframe = false;
    int64_t time_us = 0;
  };

  std::string path;
  Options options;

  // Audio thread state (audio_mutex).
  std::mutex audio_mutex;
  std::optional<media::OpusEncoder> opus;
  std::optional<int64_t> audio_offset_us;  // file time of the stream's sample 0
  uint64_t next_audio_sample = 0;

  // Video thread state (video_mutex).
  std::mutex video_mutex;
  std::optional<media::Vp8Encoder> vp8;
  std::optional<media::VideoScaler> scaler;  // made when the size changes
  std::optional<int64_t> video_offset_us;    // file time of the stream's time 0
  int64_t last_video_us = INT64_MIN;

  // The file (mux_mutex; taken after audio_mutex or video_mutex, never before).
  mutable std::mutex mux_mutex;
  std::optional<Clock::time_point> epoch;  // the first frame's arrival: file time 0
  bool audio_seen = false;
  std::optional<std::pair<int, int>> video_size;
  std::vector<Pending> pending;  // before the file exists
  std::unique_ptr<receive::WebmMuxer> muxer;
  int64_t shift_us = 0;  // subtracted from every time once the file exists (its first is 0)
  bool has_audio_track = false;
  bool has_video_track = false;
  bool stopped = false;  // closed, or failed
  uint64_t audio_written = 0;
  uint64_t video_written = 0;

  // Under mux_mutex. Now in file time (before the shift), starting the clock if needed.
  int64_t now_us() {
    const auto now = Clock::now();
    if (!epoch) epoch = now;
    return us_since(*epoch, now);
  }

  // Under mux_mutex: may the file be created now?
  bool ready(int64_t now) const {
    if ((!options.audio || audio_seen) && (!options.video || video_size)) return true;
    return now >= std::chrono::duration_cast<std::chrono::microseconds>(options.start_wait).count();
  }

  // Under mux_mutex. Throws Error.
  void open() {
    receive::WebmLayout layout;
    layout.audio = audio_seen;
    layout.video_size = video_size;
    muxer = std::make_unique<receive::WebmMuxer>(path, layout);
    has_audio_track = layout.audio;
    has_video_track = layout.video_size.has_value();
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Pending& a, const Pending& b) { return a.time_us < b.time_us; });
    shift_us = pending.empty() ? 0 : pending.front().time_us;
    std::vector<Pending> queued = std::move(pending);
    pending.clear();
    for (auto& p : queued) write_now(p.video, p.data, p.keyframe, p.time_us);
  }

  // Under mux_mutex, file open. Throws Error.
  void write_now(bool video, std::span<const uint8_t> data, bool keyframe, int64_t time_us) {
    const int64_t t = std::max<int64_t>(0, time_us - shift_us);
    if (video) {
      if (!has_video_track) return;
      muxer->write_video(data, keyframe, t);
      video_written = muxer->video_frames();
    } else {
      if (!has_audio_track) return;
      muxer->write_audio(data, t);
      audio_written = muxer->audio_packets();
    }
  }

  // Under mux_mutex: queue or write one packet; the failure text if writing failed.
  std::string add(bool video, std::vector<uint8_t> data, bool keyframe, int64_t time_us) {
    if (stopped) return {};
    try {
      if (!muxer) {
        pending.push_back(Pending{video, std::move(data), keyframe, time_us});
        if (ready(now_us())) open();
        return {};
      }
      write_now(video, data, keyframe, time_us);
    } catch (const Error& e) {
      return stop_on_failure(e.what());
    }
    return {};
  }

  // Under mux_mutex.
  std::string stop_on_failure(std::string why) {
    stopped = true;
    pending.clear();
    if (muxer) {
      try {
        muxer->close();  // keeps what reached the file
      } catch (const Error&) {
      }
      muxer.reset();
    }
    return why;
  }

  void report(const std::string& why) const {
    if (why.empty()) return;
    core::log_warn(why);
    if (options.on_failed) options.on_failed(why);
  }
};

MediaRecorder::MediaRecorder(std::string path) : MediaRecorder(std::move(path), Options{}) {}

MediaRecorder::MediaRecorder(std::string path, Options options) : impl_(std::make_unique<Impl>()) {
  if (!options.audio && !options.video)
    throw Error(Error::Kind::Config, "MediaRecorder '" + path + "': neither audio nor video to record");
  if (options.video_bitrate_bps < 10000)
    throw Error(Error::Kind::Config, "MediaRecorder '" + path + "': video_bitrate_bps must be 10000 or more");
  if (options.keyframe_interval < std::chrono::milliseconds(100) || options.start_wait.count() < 0 ||
      options.audio_latency.count() < 0)
    throw Error(Error::Kind::Config, "MediaRecorder '" + path +
                                         "': keyframe_interval must be 100 ms or more, start_wait and "
                                         "audio_latency not negative");
  impl_->path = std::move(path);
  impl_->options = std::move(options);
}

MediaRecorder::~MediaRecorder() {
  try {
    close();
  } catch (const std::exception& e) {
    core::log_warn(e.what());
  }
}

void MediaRecorder::on_audio_frame(const ReceivedAudioFrame& frame) {
  Impl& m = *impl_;
  std::lock_guard audio_lock(m.audio_mutex);
  std::string failure;
  std::vector<std::pair<std::vector<uint8_t>, int64_t>> packets;  // (Opus, file time)
  {
    std::lock_guard lock(m.mux_mutex);
    if (m.stopped || (m.muxer && !m.has_audio_track)) return;
    const int64_t now = m.now_us();
    const auto ts = static_cast<int64_t>(frame.timestamp_samples);
    if (!m.audio_offset_us || ts < static_cast<int64_t>(m.next_audio_sample)) {
      // First frame, or the stream started again: anchor its time 0 to this arrival.
      const int64_t latency = std::chrono::duration_cast<std::chrono::microseconds>(m.options.audio_latency).count();
      int64_t offset = now - latency - samples_to_us(ts);
      if (m.audio_offset_us) offset = std::max(offset, *m.audio_offset_us + samples_to_us(m.next_audio_sample) - samples_to_us(ts));
      m.audio_offset_us = offset;
      m.next_audio_sample = frame.timestamp_samples;
      m.audio_seen = true;
    }
  }
  try {
    if (!m.opus) m.opus.emplace(32000, false, media::OpusEncoder::Application::Audio, 1);
    media::AudioFrame pcm;
    pcm.channels = 1;
    const auto ts = static_cast<int64_t>(frame.timestamp_samples);
    int64_t gap = ts - static_cast<int64_t>(m.next_audio_sample);
    if (gap > kMaxSilenceFillSamples) gap = 0;  // a long pause stays a gap
    // The stream paused (nothing to play): silence keeps the audio continuous.
    for (int64_t s = ts - gap; s + kFrameSamples <= ts; s += kFrameSamples)
      packets.emplace_back(m.opus->encode(pcm), *m.audio_offset_us + samples_to_us(s));
    const size_t n = std::min<size_t>(frame.samples.size(), kFrameSamples);
    std::copy_n(frame.samples.begin(), n, pcm.samples.begin());
    packets.emplace_back(m.opus->encode(pcm), *m.audio_offset_us + samples_to_us(ts));
    m.next_audio_sample = frame.timestamp_samples + kFrameSamples;
  } catch (const Error& e) {
    core::log_warn("MediaRecorder '", m.path, "': audio frame not encoded: ", e.what());
    return;
  }
  {
    std::lock_guard lock(m.mux_mutex);
    for (auto& [data, t] : packets) {
      failure = m.add(false, std::move(data), true, t);
      if (!failure.empty()) break;
    }
  }
  m.report(failure);  // unlocked: it may print or call us
}

void MediaRecorder::on_video_frame(const ReceivedVideoFrame& frame) {
  Impl& m = *impl_;
  if (frame.width <= 0 || frame.height <= 0) return;
  std::lock_guard video_lock(m.video_mutex);
  int64_t time_us = 0;
  {
    std::lock_guard lock(m.mux_mutex);
    if (m.stopped || (m.muxer && !m.has_video_track)) return;
    const int64_t now = m.now_us();
    const int64_t ts = frame.timestamp.count();
    if (!m.video_offset_us || (m.last_video_us != INT64_MIN && *m.video_offset_us + ts + kVideoRestartUs < m.last_video_us))
      m.video_offset_us = std::max(now - ts, m.last_video_us == INT64_MIN ? INT64_MIN : m.last_video_us + 1000 - ts);
    time_us = *m.video_offset_us + ts;
    if (!m.video_size) m.video_size = std::make_pair(frame.width & ~1, frame.height & ~1);
  }
  // No two pictures in one millisecond: the file counts in milliseconds, and players (and
  // ffmpeg) refuse timestamps that do not increase.
  if (m.last_video_us != INT64_MIN && time_us / 1000 <= m.last_video_us / 1000) return;
  std::optional<media::EncodedVideoFrame> encoded;
  try {
    const auto [width, height] = *m.video_size;
    if (!m.vp8) {
      media::Vp8EncoderSettings settings;
      settings.width = width;
      settings.height = height;
      settings.bitrate_bps = m.options.video_bitrate_bps;
      settings.keyframe_interval = m.options.keyframe_interval;
      m.vp8.emplace(settings);
    }
    media::I420Frame picture;
    if (frame.width == width && frame.height == height) {
      picture.width = width;
      picture.height = height;
      picture.y.assign(frame.y().begin(), frame.y().end());
      picture.u.assign(frame.u().begin(), frame.u().end());
      picture.v.assign(frame.v().begin(), frame.v().end());
    } else {
      // The sender changed size (or an odd one): the file's track keeps its first size.
      if (!m.scaler) m.scaler.emplace(width, height);
      const auto bytes = std::as_bytes(frame.data);
      picture = m.scaler->scale(VideoFrame::from_pixels(bytes, PixelFormat::I420, frame.width, frame.height,
                                                        frame.timestamp));
    }
    picture.timestamp = std::chrono::microseconds(time_us);
    encoded = m.vp8->encode(picture, false);
  } catch (const Error& e) {
    core::log_warn("MediaRecorder '", m.path, "': picture not encoded: ", e.what());
    return;
  }
  m.last_video_us = time_us;
  if (!encoded) return;  // rate control dropped it
  std::string failure;
  {
    std::lock_guard lock(m.mux_mutex);
    failure = m.add(true, std::move(encoded->data), encoded->keyframe, time_us);
  }
  m.report(failure);
}

void MediaRecorder::close() {
  Impl& m = *impl_;
  std::string failure;
  {
    std::lock_guard lock(m.mux_mutex);
    if (m.stopped) return;
    try {
      if (!m.muxer && !m.pending.empty()) m.open();
      m.stopped = true;
      if (m.muxer) m.muxer->close();
      m.muxer.reset();
    } catch (const Error& e) {
      failure = m.stop_on_failure(e.what());
    }
  }
  if (!failure.empty()) throw Error(Error::Kind::Media, failure);
}

const std::string& MediaRecorder::path() const { return impl_->path; }

bool MediaRecorder::recording() const {
  std::lock_guard lock(impl_->mux_mutex);
  return !impl_->stopped;
}

uint64_t MediaRecorder::audio_packets() const {
  std::lock_guard lock(impl_->mux_mutex);
  return impl_->audio_written;
}

uint64_t MediaRecorder::video_frames() const {
  std::lock_guard lock(impl_->mux_mutex);
  return impl_->video_written;
}

}  // namespace roomcast
