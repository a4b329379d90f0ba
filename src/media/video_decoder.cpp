// VideoDecoder: libavformat demux and libavcodec decode of one video stream; seek.
#include "media/video_decoder.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>

#include "core/c_ptr.hpp"
#include "core/log.hpp"
#include "media/av_error.hpp"
#include "media/media_input.hpp"
#include "media/av_frame_converter.hpp"
#include "roomcast/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace roomcast::media {
namespace {

void close_format(AVFormatContext* c) { avformat_close_input(&c); }
void free_codec(AVCodecContext* c) { avcodec_free_context(&c); }
void free_packet(AVPacket* p) { av_packet_free(&p); }
void free_frame(AVFrame* f) { av_frame_free(&f); }

// Two decoder threads keep 1080p H.264 ahead of real time without a thread per core for
// each of the many files one process may play.
constexpr int kDecoderThreads = 2;
// A file that keeps failing gives up after this many read or decode errors in a row.
constexpr int kMaxConsecutiveErrors = 64;
// A frame rate outside this band is a container's time base, not a rate.
constexpr double kMinPlausibleFps = 1.0;
constexpr double kMaxPlausibleFps = 240.0;
constexpr AVRational kMicroseconds{1, 1000000};

[[noreturn]] void fail(const std::string& message) { throw Error(Error::Kind::Media, message); }

std::string count_text(std::size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::string seconds_text(int64_t us) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", static_cast<double>(us) / 1e6);
  return text;
}

bool is_cover_art(const AVStream& stream) {
  return (stream.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
}

// "2 audio streams, 1 cover picture": what a file without (that) video holds instead.
std::string stream_counts(const AVFormatContext& format) {
  std::map<std::string, std::size_t> counts;
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVStream& stream = *format.streams[i];
    const char* type = av_get_media_type_string(stream.codecpar->codec_type);
    ++counts[is_cover_art(stream) ? "cover picture"
                                  : std::string(type != nullptr ? type : "unknown") + " stream"];
  }
  std::string text;
  for (const auto& [what, n] : counts) {
    text += (text.empty() ? "" : ", ") + count_text(n, what);
  }
  return text.empty() ? "no streams" : text;
}

} // namespace

struct VideoDecoder::Impl {
  std::string path;
  std::string quoted;
  // Owned, or aliasing a SharedDemuxer's, which `reader` then reads.
  std::shared_ptr<AVFormatContext> format;
  PacketReader reader;
  std::shared_ptr<SharedDemuxer> shared;
  core::CPtr<AVCodecContext, free_codec> codec;
  core::CPtr<AVPacket, free_packet> packet;
  core::CPtr<AVFrame, free_frame> frame;
  AvFrameConverter converter;
  int stream_index = -1;
  AVRational time_base{1, 1};
  int64_t first_pts = 0; // stream time base
  std::optional<std::chrono::milliseconds> duration;
  double frame_rate = 0;

  bool demux_done = false;
  int consecutive_errors = 0;
  std::optional<int64_t> skip_until; // stream time base: pictures before a seek target
  uint64_t pictures = 0;
  int last_error = 0;
  std::atomic<std::size_t> skipped{0};

  Impl(const std::string& file_path, int video_stream)
      : path(file_path), quoted("'" + file_path + "'") {
    // FFmpeg logs warnings for every odd packet; our errors and counters carry them instead.
    static std::once_flag once;
    std::call_once(once, [] { av_log_set_level(AV_LOG_ERROR); });
    open(video_stream);
  }

  Impl(std::shared_ptr<SharedDemuxer> demuxer, int stream, PacketReader read)
      : path(demuxer->path()), quoted("'" + demuxer->path() + "'"), reader(std::move(read)),
        shared(std::move(demuxer)) {
    format = std::shared_ptr<AVFormatContext>(shared, const_cast<AVFormatContext*>(&shared->format()));
    stream_index = stream;
    open_codec();
  }

  void open_input() {
    format = std::shared_ptr<AVFormatContext>(open_media_input(path, "video", "MP4/H.264, WebM/VP8, MKV"),
                                              close_format);
  }

  void choose_stream(int video_stream) {
    int video_count = 0;
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      const AVStream& stream = *format->streams[i];
      // An MP3's or M4A's cover art is a one-picture "video" stream, not video to send.
      if (stream.codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !is_cover_art(stream)) {
        if (video_count == video_stream) {
          stream_index = static_cast<int>(i);
        }
        ++video_count;
      }
    }
    if (video_count == 0) {
      fail(quoted + " has no video stream (it has " + stream_counts(*format) +
           "); choose a file with video");
    }
    if (stream_index < 0) {
      fail(quoted + " has " + count_text(static_cast<std::size_t>(video_count), "video stream") +
           "; video stream " + std::to_string(video_stream) + " does not exist");
    }
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      // The demuxer can skip packets of streams we do not decode.
      format->streams[i]->discard =
          static_cast<int>(i) == stream_index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    }
  }

  void open(int video_stream) {
    open_input();
    choose_stream(video_stream);
    open_codec();
  }

  void open_codec() {
    AVStream* stream = format->streams[stream_index];
    const AVCodecParameters* par = stream->codecpar;
    const std::string codec_name = avcodec_get_name(par->codec_id);
    const AVCodec* decoder = avcodec_find_decoder(par->codec_id);
    if (decoder == nullptr) {
      fail("cannot decode " + quoted + ": this FFmpeg has no decoder for video codec '" +
           codec_name + "'; convert the file to H.264 or VP8");
    }
    codec.reset(avcodec_alloc_context3(decoder));
    if (!codec) {
      fail("cannot decode " + quoted + ": out of memory allocating the decoder");
    }
    int rc = avcodec_parameters_to_context(codec.get(), par);
    if (rc < 0) {
      fail("cannot decode " + quoted + ": bad parameters for the " + codec_name + " decoder (" +
           av_error_text(rc) + ")");
    }
    codec->pkt_timebase = stream->time_base;
    codec->thread_count = kDecoderThreads;
    rc = avcodec_open2(codec.get(), decoder, nullptr);
    if (rc < 0) {
      fail("cannot decode " + quoted + ": cannot open the " + codec_name + " decoder (" +
           av_error_text(rc) + ")");
    }
    packet.reset(av_packet_alloc());
    frame.reset(av_frame_alloc());
    if (!packet || !frame) {
      fail("cannot decode " + quoted + ": out of memory allocating packet buffers");
    }

    time_base = stream->time_base;
    first_pts = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
    if (format->duration != AV_NOPTS_VALUE && format->duration > 0) {
      duration = std::chrono::milliseconds(av_rescale(format->duration, 1000, AV_TIME_BASE));
    } else if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0) {
      duration = std::chrono::milliseconds(av_rescale_q(stream->duration, time_base, {1, 1000}));
    }
    const AVRational rate = av_guess_frame_rate(format.get(), stream, nullptr);
    if (rate.num > 0 && rate.den > 0 && av_q2d(rate) >= kMinPlausibleFps &&
        av_q2d(rate) <= kMaxPlausibleFps) {
      frame_rate = av_q2d(rate);
    }
  }

  void note_bad_packet(int rc) {
    ++skipped;
    last_error = rc;
  }

  // Fills `frame` with the next picture to hand out; false once the decoder drained.
  bool receive() {
    for (;;) {
      int rc = avcodec_receive_frame(codec.get(), frame.get());
      if (rc == 0) {
        ++pictures;
        consecutive_errors = 0;
        const int64_t pts = frame->best_effort_timestamp;
        if (skip_until && pts == AV_NOPTS_VALUE) {
          core::log_warn(quoted, ": no timestamps after seeking; playing from the picture found");
          skip_until.reset();
        }
        if (frame->width <= 0 || frame->height <= 0 || (skip_until && pts < *skip_until)) {
          av_frame_unref(frame.get());
          continue;
        }
        skip_until.reset();
        return true;
      }
      if (rc == AVERROR_EOF) {
        return false;
      }
      if (rc != AVERROR(EAGAIN)) {
        // A decode error: this picture is lost, the decoder carries on.
        note_bad_packet(rc);
        if (++consecutive_errors >= kMaxConsecutiveErrors) {
          return false;
        }
        if (demux_done) {
          continue; // still draining
        }
      }
      if (demux_done) {
        return false; // wants input after draining: nothing more will come
      }
      rc = reader ? reader(packet.get()) : av_read_frame(format.get(), packet.get());
      if (rc < 0) {
        if (rc != AVERROR_EOF && ++consecutive_errors < kMaxConsecutiveErrors &&
            !(format->pb != nullptr && avio_feof(format->pb))) {
          note_bad_packet(rc);
          continue;
        }
        demux_done = true;
        rc = avcodec_send_packet(codec.get(), nullptr); // drain: the pictures it holds
        if (rc < 0 && rc != AVERROR_EOF) {
          return false;
        }
        continue;
      }
      if (packet->stream_index == stream_index) {
        rc = avcodec_send_packet(codec.get(), packet.get());
        if (rc < 0) {
          note_bad_packet(rc);
        }
      }
      av_packet_unref(packet.get());
    }
  }

  std::optional<DecodedPicture> next() {
    if (!receive()) {
      if (pictures == 0 && skipped > 0) {
        fail("cannot decode " + quoted + ": no video could be decoded (" +
             count_text(skipped, "bad packet") + ", last error: " + av_error_text(last_error) +
             "); the file may be corrupt");
      }
      return std::nullopt;
    }
    DecodedPicture picture{converter.to_i420(*frame, quoted), std::nullopt};
    if (frame->best_effort_timestamp != AV_NOPTS_VALUE) {
      picture.pts = std::chrono::microseconds(
          av_rescale_q(frame->best_effort_timestamp - first_pts, time_base, kMicroseconds));
    }
    av_frame_unref(frame.get());
    return picture;
  }

  void seek(std::chrono::microseconds offset) {
    const int64_t target = first_pts + av_rescale_q(offset.count(), kMicroseconds, time_base);
    // Backward: the keyframe at or before the target, from which its picture is built.
    const int rc = av_seek_frame(format.get(), stream_index, target, AVSEEK_FLAG_BACKWARD);
    if (rc < 0) {
      fail("cannot seek in " + quoted + " to " + seconds_text(offset.count()) + " (" +
           av_error_text(rc) + ")");
    }
    restart(offset, target);
  }

  // After the demuxer moved to the keyframe before `target` (stream time base).
  void restart(std::chrono::microseconds offset, int64_t target) {
    // Leaves the drained state of a decoder that reached the end: what follows decodes as
    // a fresh stream.
    avcodec_flush_buffers(codec.get());
    av_packet_unref(packet.get());
    demux_done = false;
    consecutive_errors = 0;
    skip_until = offset.count() > 0 ? std::optional<int64_t>(target) : std::nullopt;
  }
};

VideoDecoder::VideoDecoder(const std::string& path, int video_stream)
    : impl_(std::make_unique<Impl>(path, video_stream)) {}
VideoDecoder::~VideoDecoder() = default;
std::optional<DecodedPicture> VideoDecoder::next() { return impl_->next(); }
VideoDecoder::VideoDecoder(std::shared_ptr<SharedDemuxer> demuxer, int stream_index, PacketReader read)
    : impl_(std::make_unique<Impl>(std::move(demuxer), stream_index, std::move(read))) {}
void VideoDecoder::seek(std::chrono::microseconds offset) { impl_->seek(offset); }
void VideoDecoder::restart(std::chrono::microseconds offset) {
  const AVRational time_base = impl_->time_base;
  impl_->restart(offset, impl_->first_pts + av_rescale_q(offset.count(), kMicroseconds, time_base));
}
const std::string& VideoDecoder::path() const { return impl_->path; }
std::optional<std::chrono::milliseconds> VideoDecoder::duration() const { return impl_->duration; }
int VideoDecoder::width() const { return impl_->codec->width; }
int VideoDecoder::height() const { return impl_->codec->height; }
double VideoDecoder::frame_rate() const { return impl_->frame_rate; }
std::string VideoDecoder::codec_name() const { return avcodec_get_name(impl_->codec->codec_id); }
std::size_t VideoDecoder::skipped_packets() const { return impl_->skipped; }

} // namespace roomcast::media
