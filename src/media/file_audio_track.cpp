// FileAudioTrack: demux and decode one audio stream with libavformat/libavcodec.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "core/c_ptr.hpp"
#include "core/log.hpp"
#include "media/av_error.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

namespace roomcast {
namespace {

using core::CPtr;
using FormatPtr = CPtr<AVFormatContext, [](AVFormatContext* c) { avformat_close_input(&c); }>;
using CodecPtr = CPtr<AVCodecContext, [](AVCodecContext* c) { avcodec_free_context(&c); }>;
using PacketPtr = CPtr<AVPacket, [](AVPacket* p) { av_packet_free(&p); }>;
using FramePtr = CPtr<AVFrame, [](AVFrame* f) { av_frame_free(&f); }>;
using SwrPtr = CPtr<SwrContext, [](SwrContext* s) { swr_free(&s); }>;

// A file that keeps failing to read gives up after this many errors in a row.
constexpr int kMaxConsecutiveReadErrors = 64;
// PcmConverter's accepted input; anything outside is converted here first.
constexpr int kMaxChunkChannels = 8;
constexpr int kMinChunkRateHz = 8000;
constexpr int kMaxChunkRateHz = 192000;
// Out-of-range source rates are resampled here to Opus' rate.
constexpr int kFallbackRateHz = 48000;
// A hole in the decoded timeline longer than this (damaged packets the demuxer or decoder
// dropped) is filled with silence, so what follows plays at its own time. Shorter ones are
// timestamp rounding (Matroska's 1 ms) and left alone.
constexpr double kMinGapSeconds = 0.010;
// A damaged timestamp must not turn into hours of silence.
constexpr double kMaxGapSeconds = 10.0;
// A file whose audio ends this much before the duration its header announces is truncated.
constexpr double kTruncatedSeconds = 0.5;

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", seconds);
  return text;
}

[[noreturn]] void fail(const std::string& message) { throw Error(Error::Kind::Media, message); }

void quiet_ffmpeg_logging() {
  // FFmpeg logs warnings for every odd packet to stderr; our errors carry the text instead.
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_ERROR); });
}

std::string stream_summary(const AVFormatContext& format) {
  std::string summary;
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVCodecParameters* par = format.streams[i]->codecpar;
    const char* type = av_get_media_type_string(par->codec_type);
    if (!summary.empty()) {
      summary += ", ";
    }
    summary +=
        std::string(type != nullptr ? type : "unknown") + " " + avcodec_get_name(par->codec_id);
  }
  return summary.empty() ? "no streams" : summary;
}

std::optional<SampleFormat> packed_format(AVSampleFormat format) {
  switch (av_get_packed_sample_fmt(format)) {
  case AV_SAMPLE_FMT_S16:
    return SampleFormat::S16;
  case AV_SAMPLE_FMT_S32:
    return SampleFormat::S32;
  case AV_SAMPLE_FMT_FLT:
    return SampleFormat::Float32;
  default:
    return std::nullopt;
  }
}

} // namespace

struct FileAudioTrack::Impl {
  std::string path;
  FormatPtr format;
  CodecPtr codec;
  PacketPtr packet;
  FramePtr frame;
  int stream_index = -1;
  std::optional<std::chrono::milliseconds> duration;
  std::optional<int64_t> end_pts; // stream time base; audio past it is encoder padding

  // Fallback conversion for sample formats, layouts or rates a chunk cannot carry.
  SwrPtr swr;
  AVSampleFormat swr_in_format = AV_SAMPLE_FMT_NONE;
  int swr_in_rate = 0;
  AVChannelLayout swr_in_layout{};
  int swr_out_rate = 0;
  int swr_out_channels = 0;

  bool demux_done = false;
  bool finished = false;
  int consecutive_read_errors = 0;
  uint64_t frames_decoded = 0;
  std::size_t skipped_packets = 0;
  int last_error = 0;

  // The decoded timeline, in the stream's time base: where the next decoded audio should
  // start, and where the file's audio starts. Holes in it are damaged spans.
  std::optional<int64_t> next_pts;
  int64_t first_pts = 0;
  // A damaged span not reported yet: where it starts and how many packets it cost.
  std::optional<double> damage_at_seconds;
  std::size_t damage_packets = 0;
  std::optional<AudioChunk> held; // decoded audio waiting behind the silence of a hole
  // What the header says the audio stream lasts (seconds), for spotting truncation.
  std::optional<double> announced_seconds;
  // Raw streams (MP3, ADTS AAC): the demuxer counts time one frame per packet it cuts, and
  // damaged bytes come out as a few large packets, so the timestamps show no hole where the
  // damage was. A packet the decoder rejects stood for as much time as its bytes at the
  // bitrate of the good packets so far; the difference is added to later timestamps.
  bool raw_stream = false;
  int64_t good_bytes = 0;
  int64_t good_duration = 0;     // stream time base
  int64_t skipped_duration = 0;  // stream time base

  Impl(const std::string& file_path, Options options);
  ~Impl() { av_channel_layout_uninit(&swr_in_layout); }

  void open(Options options);
  std::optional<AudioChunk> next_chunk();
  std::optional<AudioChunk> to_chunk(const AVFrame& decoded);
  AudioChunk convert_with_swr(const AVFrame& decoded);
  std::optional<AudioChunk> drain_swr();
  bool trim_to_end(AVFrame& decoded) const;
  std::optional<AudioChunk> follow_timeline(const AVFrame& decoded, const AudioChunk& chunk);
  void report_damage(const std::string& what);
  void check_truncated();
  void shift_raw_timestamps(AVPacket& read) const;
  void account_raw_packet(const AVPacket& sent, bool good);
  double seconds_at(int64_t pts) const;
  double timeline_seconds() const { return next_pts ? seconds_at(*next_pts) : 0.0; }
  void note_bad_packet(int rc, std::optional<int64_t> pts = std::nullopt) {
    ++skipped_packets;
    last_error = rc;
    if (!damage_at_seconds) {
      damage_at_seconds = pts && *pts != AV_NOPTS_VALUE ? seconds_at(*pts) : timeline_seconds();
    }
    ++damage_packets;
  }
};

FileAudioTrack::Impl::Impl(const std::string& file_path, Options options) : path(file_path) {
  quiet_ffmpeg_logging();
  open(options);
}

void FileAudioTrack::Impl::open(Options options) {
  const std::string quoted = "'" + path + "'";
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  const bool looks_like_url = path.find("://") != std::string::npos;
  if (!looks_like_url && status.type() == std::filesystem::file_type::not_found) {
    fail("cannot open " + quoted + ": no such file; check the path");
  }
  if (status.type() == std::filesystem::file_type::directory) {
    fail("cannot open " + quoted + ": it is a directory; give the path of a media file");
  }

  AVFormatContext* raw_format = nullptr;
  // "file:" keeps a local path with ':' in it from being taken for a protocol.
  const std::string url = looks_like_url ? path : "file:" + path;
  int rc = avformat_open_input(&raw_format, url.c_str(), nullptr, nullptr);
  if (rc < 0) {
    if (rc == AVERROR(ENOENT)) {
      fail("cannot open " + quoted + ": no such file; check the path");
    }
    if (rc == AVERROR(EACCES) || rc == AVERROR(EPERM)) {
      fail("cannot open " + quoted + ": permission denied; check the file's permissions");
    }
    fail("cannot read " + quoted + ": not a media file FFmpeg recognises (" +
         media::av_error_text(rc) +
         "); use an audio or video file such as MP3, MP4/AAC, WAV, OGG, FLAC");
  }
  format.reset(raw_format);
  rc = avformat_find_stream_info(format.get(), nullptr);
  if (rc < 0) {
    fail("cannot read " + quoted + ": not a media file FFmpeg recognises (" +
         media::av_error_text(rc) +
         "); use an audio or video file such as MP3, MP4/AAC, WAV, OGG, FLAC");
  }

  int audio_count = 0;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    AVStream* stream = format->streams[i];
    if (stream->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      if (audio_count == options.audio_stream) {
        stream_index = static_cast<int>(i);
      }
      ++audio_count;
    }
  }
  if (audio_count == 0) {
    fail(quoted + " has no audio stream (it has: " + stream_summary(*format) +
         "); choose a file with audio");
  }
  if (stream_index < 0) {
    fail(quoted + " has " + std::to_string(audio_count) + " audio stream(s); audio stream " +
         std::to_string(options.audio_stream) + " does not exist");
  }
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    // The demuxer can skip packets of streams we do not decode.
    format->streams[i]->discard =
        static_cast<int>(i) == stream_index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  }

  AVStream* stream = format->streams[stream_index];
  const AVCodecParameters* par = stream->codecpar;
  const AVCodec* decoder = avcodec_find_decoder(par->codec_id);
  if (decoder == nullptr) {
    fail("cannot decode " + quoted + ": this FFmpeg has no decoder for audio codec '" +
         avcodec_get_name(par->codec_id) + "'; convert the file to MP3, AAC, Opus or FLAC");
  }
  codec.reset(avcodec_alloc_context3(decoder));
  if (!codec) {
    fail("cannot decode " + quoted + ": out of memory allocating the decoder");
  }
  rc = avcodec_parameters_to_context(codec.get(), par);
  if (rc < 0) {
    fail("cannot decode " + quoted + ": bad parameters for the " + avcodec_get_name(par->codec_id) +
         " decoder (" + media::av_error_text(rc) + ")");
  }
  codec->pkt_timebase = stream->time_base;
  codec->thread_count = 1; // one process may decode hundreds of files; no thread per file
  rc = avcodec_open2(codec.get(), decoder, nullptr);
  if (rc < 0) {
    fail("cannot decode " + quoted + ": cannot open the " + avcodec_get_name(par->codec_id) +
         " decoder (" + media::av_error_text(rc) + ")");
  }
  packet.reset(av_packet_alloc());
  frame.reset(av_frame_alloc());
  if (!packet || !frame) {
    fail("cannot decode " + quoted + ": out of memory allocating packet buffers");
  }

  // MP4's edit list says where the audio ends; FFmpeg drops the encoder's priming at the
  // start but still decodes the padding of the last AAC frame (up to 1023 samples).
  if (std::string_view(format->iformat->name).find("mp4") != std::string_view::npos &&
      stream->duration != AV_NOPTS_VALUE && stream->duration > 0) {
    end_pts = (stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0) + stream->duration;
  }
  if (format->duration != AV_NOPTS_VALUE && format->duration > 0) {
    duration = std::chrono::milliseconds(av_rescale(format->duration, 1000, AV_TIME_BASE));
  } else if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0) {
    duration =
        std::chrono::milliseconds(av_rescale_q(stream->duration, stream->time_base, {1, 1000}));
  }
  // The audio stream's own duration; the file's only when the audio is all there is (a
  // video may well outlast its audio).
  if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0) {
    announced_seconds = static_cast<double>(stream->duration) * av_q2d(stream->time_base);
  } else if (format->nb_streams == 1 && format->duration != AV_NOPTS_VALUE && format->duration > 0) {
    announced_seconds = static_cast<double>(format->duration) / AV_TIME_BASE;
  }
  first_pts = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
  const std::string_view demuxer = format->iformat->name;
  raw_stream = demuxer == "mp3" || demuxer == "aac";
}

double FileAudioTrack::Impl::seconds_at(int64_t pts) const {
  return std::max(0.0, static_cast<double>(pts - first_pts) *
                           av_q2d(format->streams[stream_index]->time_base));
}

void FileAudioTrack::Impl::report_damage(const std::string& what) {
  const double at = damage_at_seconds.value_or(timeline_seconds());
  core::log_warn("'", path, "': corrupt data at ", seconds_text(at), ": ", what);
  damage_at_seconds.reset();
  damage_packets = 0;
}

// Keeps the decoded audio on the file's timeline: a hole before `decoded` (packets lost to
// damage) comes back as silence of the hole's length, in `chunk`'s shape, with a warning
// naming where it is. The audio after a damaged span thus plays at its own time and the RTP
// timestamps, counted from samples, stay contiguous.
std::optional<AudioChunk> FileAudioTrack::Impl::follow_timeline(const AVFrame& decoded,
                                                                const AudioChunk& chunk) {
  const AVRational time_base = format->streams[stream_index]->time_base;
  const int64_t pts = decoded.best_effort_timestamp;
  std::optional<AudioChunk> silence;
  if (pts != AV_NOPTS_VALUE && next_pts) {
    const double gap = static_cast<double>(pts - *next_pts) * av_q2d(time_base);
    if (gap > kMinGapSeconds) {
      const double filled = std::min(gap, kMaxGapSeconds);
      const auto frames = static_cast<std::size_t>(filled * chunk.sample_rate_hz + 0.5);
      silence.emplace();
      silence->format = chunk.format;
      silence->sample_rate_hz = chunk.sample_rate_hz;
      silence->channels = chunk.channels;
      silence->data.assign(frames * (chunk.data.size() / chunk.frames()), std::byte{0});
      if (!damage_at_seconds) {
        damage_at_seconds = seconds_at(*next_pts);
      }
      std::string what = seconds_text(gap) + " of audio could not be read";
      if (damage_packets > 0) {
        what += " (" + std::to_string(damage_packets) + " damaged packet(s))";
      }
      what += gap > filled ? "; the first " + seconds_text(filled) + " replaced by silence"
                           : "; replaced by silence";
      report_damage(what);
    }
  }
  if (damage_at_seconds) {
    // Damaged packets the decoder got past without losing time (it concealed them).
    report_damage(std::to_string(damage_packets) + " packet(s) could not be decoded; skipped");
  }
  if (pts != AV_NOPTS_VALUE) {
    const int64_t end = pts + av_rescale_q(decoded.nb_samples, AVRational{1, decoded.sample_rate},
                                           time_base);
    next_pts = next_pts ? std::max(*next_pts, end) : end;
  } else if (next_pts && decoded.sample_rate > 0) {
    *next_pts += av_rescale_q(decoded.nb_samples, AVRational{1, decoded.sample_rate}, time_base);
  }
  return silence;
}

void FileAudioTrack::Impl::shift_raw_timestamps(AVPacket& read) const {
  if (!raw_stream || skipped_duration == 0) {
    return;
  }
  if (read.pts != AV_NOPTS_VALUE) {
    read.pts += skipped_duration;
  }
  if (read.dts != AV_NOPTS_VALUE) {
    read.dts += skipped_duration;
  }
}

void FileAudioTrack::Impl::account_raw_packet(const AVPacket& sent, bool good) {
  if (!raw_stream || sent.size <= 0 || sent.duration <= 0) {
    return;
  }
  if (good) {
    good_bytes += sent.size;
    good_duration += sent.duration;
  } else if (good_bytes > 0) {
    const int64_t covered = av_rescale(sent.size, good_duration, good_bytes);
    if (covered > sent.duration) {
      skipped_duration += covered - sent.duration;
    }
  }
}

// At the end: audio that stops well before the header's duration means a truncated file
// (a download cut short, a copy that ran out of space), not a normal end of stream.
void FileAudioTrack::Impl::check_truncated() {
  if (damage_at_seconds) {
    report_damage(std::to_string(damage_packets) + " packet(s) could not be read or decoded");
  }
  if (!announced_seconds || !next_pts) {
    return;
  }
  const double ends_at = timeline_seconds();
  if (*announced_seconds - ends_at > std::max(kTruncatedSeconds, *announced_seconds * 0.02)) {
    core::log_warn("'", path, "' is truncated: its audio ends at ", seconds_text(ends_at),
                   " but its header announces ", seconds_text(*announced_seconds),
                   "; the rest of the file is missing");
  }
}

std::optional<AudioChunk> FileAudioTrack::Impl::to_chunk(const AVFrame& decoded) {
  const int channels = decoded.ch_layout.nb_channels;
  const int rate = decoded.sample_rate;
  const auto format_in = static_cast<AVSampleFormat>(decoded.format);
  if (channels <= 0 || rate <= 0 || decoded.nb_samples <= 0) {
    note_bad_packet(AVERROR_INVALIDDATA);
    return std::nullopt;
  }
  const std::optional<SampleFormat> sample_format = packed_format(format_in);
  if (!sample_format || channels > kMaxChunkChannels || rate < kMinChunkRateHz ||
      rate > kMaxChunkRateHz || swr) {
    // Once the fallback runs it keeps running, so its filter delay stays in order.
    return convert_with_swr(decoded);
  }

  AudioChunk chunk;
  chunk.format = *sample_format;
  chunk.sample_rate_hz = rate;
  chunk.channels = channels;
  const std::size_t sample_bytes = static_cast<std::size_t>(av_get_bytes_per_sample(format_in));
  const std::size_t frames = static_cast<std::size_t>(decoded.nb_samples);
  chunk.data.resize(frames * channels * sample_bytes);
  if (!av_sample_fmt_is_planar(format_in)) {
    std::memcpy(chunk.data.data(), decoded.extended_data[0], chunk.data.size());
    return chunk;
  }
  // Planar (FLTP from AAC/Opus/Vorbis, S16P from MP3 ...) to interleaved.
  std::byte* out = chunk.data.data();
  for (std::size_t i = 0; i < frames; ++i) {
    for (int c = 0; c < channels; ++c) {
      std::memcpy(out, decoded.extended_data[c] + i * sample_bytes, sample_bytes);
      out += sample_bytes;
    }
  }
  return chunk;
}

AudioChunk FileAudioTrack::Impl::convert_with_swr(const AVFrame& decoded) {
  const auto format_in = static_cast<AVSampleFormat>(decoded.format);
  AVChannelLayout layout_in{};
  if (decoded.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&layout_in, decoded.ch_layout.nb_channels);
  } else if (av_channel_layout_copy(&layout_in, &decoded.ch_layout) < 0) {
    fail("cannot decode '" + path + "': out of memory copying a channel layout");
  }
  const bool same_shape = swr && swr_in_format == format_in && swr_in_rate == decoded.sample_rate &&
                          av_channel_layout_compare(&swr_in_layout, &layout_in) == 0;
  if (!same_shape) {
    // A new shape: what the old context still holds is lost only if it resampled; it
    // never does unless the source rate was out of range, which does not change mid-file.
    const int channels_out = std::min(layout_in.nb_channels, 2);
    const int rate_out =
        decoded.sample_rate < kMinChunkRateHz || decoded.sample_rate > kMaxChunkRateHz
            ? kFallbackRateHz
            : decoded.sample_rate;
    AVChannelLayout layout_out{};
    av_channel_layout_default(&layout_out, layout_in.nb_channels <= kMaxChunkChannels
                                               ? layout_in.nb_channels
                                               : channels_out);
    SwrContext* raw = nullptr;
    int rc = swr_alloc_set_opts2(&raw, &layout_out, AV_SAMPLE_FMT_FLT, rate_out, &layout_in,
                                 format_in, decoded.sample_rate, 0, nullptr);
    SwrPtr context(raw);
    if (rc >= 0) {
      rc = swr_init(context.get());
    }
    if (rc < 0) {
      av_channel_layout_uninit(&layout_in);
      fail("cannot decode '" + path + "': cannot convert its " + av_get_sample_fmt_name(format_in) +
           " audio (" + media::av_error_text(rc) + ")");
    }
    swr = std::move(context);
    swr_in_format = format_in;
    swr_in_rate = decoded.sample_rate;
    av_channel_layout_uninit(&swr_in_layout);
    swr_in_layout = layout_in; // takes ownership
    layout_in = {};
    swr_out_rate = rate_out;
    swr_out_channels = layout_out.nb_channels;
    av_channel_layout_uninit(&layout_out);
  }
  av_channel_layout_uninit(&layout_in);

  AudioChunk chunk;
  chunk.format = SampleFormat::Float32;
  chunk.sample_rate_hz = swr_out_rate;
  chunk.channels = swr_out_channels;
  const int capacity = swr_get_out_samples(swr.get(), decoded.nb_samples);
  if (capacity < 0) {
    fail("cannot decode '" + path + "': audio conversion failed (" +
         media::av_error_text(capacity) + ")");
  }
  chunk.data.resize(static_cast<std::size_t>(capacity) * swr_out_channels * sizeof(float));
  uint8_t* out_planes[1] = {reinterpret_cast<uint8_t*>(chunk.data.data())};
  const int produced =
      swr_convert(swr.get(), out_planes, capacity,
                  const_cast<const uint8_t**>(decoded.extended_data), decoded.nb_samples);
  if (produced < 0) {
    fail("cannot decode '" + path + "': audio conversion failed (" +
         media::av_error_text(produced) + ")");
  }
  chunk.data.resize(static_cast<std::size_t>(produced) * swr_out_channels * sizeof(float));
  return chunk;
}

std::optional<AudioChunk> FileAudioTrack::Impl::drain_swr() {
  if (!swr) {
    return std::nullopt;
  }
  AudioChunk chunk;
  chunk.format = SampleFormat::Float32;
  chunk.sample_rate_hz = swr_out_rate;
  chunk.channels = swr_out_channels;
  const int capacity = std::max(swr_get_out_samples(swr.get(), 0), 0) + 1024;
  chunk.data.resize(static_cast<std::size_t>(capacity) * swr_out_channels * sizeof(float));
  uint8_t* out_planes[1] = {reinterpret_cast<uint8_t*>(chunk.data.data())};
  const int produced = swr_convert(swr.get(), out_planes, capacity, nullptr, 0);
  swr.reset();
  if (produced <= 0) {
    return std::nullopt;
  }
  chunk.data.resize(static_cast<std::size_t>(produced) * swr_out_channels * sizeof(float));
  return chunk;
}

// Shortens decoded to end at end_pts; false if it lies wholly past it.
bool FileAudioTrack::Impl::trim_to_end(AVFrame& decoded) const {
  const int64_t start = decoded.best_effort_timestamp;
  if (!end_pts || start == AV_NOPTS_VALUE || decoded.sample_rate <= 0) {
    return true;
  }
  if (start >= *end_pts) {
    return false;
  }
  const int64_t keep = av_rescale_q(*end_pts - start, format->streams[stream_index]->time_base,
                                    AVRational{1, decoded.sample_rate});
  if (keep < decoded.nb_samples) {
    decoded.nb_samples = static_cast<int>(keep); // reading fewer samples than allocated is safe
  }
  return decoded.nb_samples > 0;
}

std::optional<AudioChunk> FileAudioTrack::Impl::next_chunk() {
  if (held) {
    std::optional<AudioChunk> chunk = std::move(held);
    held.reset();
    return chunk;
  }
  while (!finished) {
    int rc = avcodec_receive_frame(codec.get(), frame.get());
    if (rc == 0) {
      ++frames_decoded;
      if (!trim_to_end(*frame)) {
        av_frame_unref(frame.get());
        continue;
      }
      std::optional<AudioChunk> chunk = to_chunk(*frame);
      if (chunk && chunk->frames() > 0) {
        std::optional<AudioChunk> silence = follow_timeline(*frame, *chunk);
        av_frame_unref(frame.get());
        if (silence && silence->frames() > 0) {
          held = std::move(chunk);
          return silence;
        }
        return chunk;
      }
      av_frame_unref(frame.get());
      continue;
    }
    if (rc == AVERROR_EOF) {
      finished = true;
      if (frames_decoded == 0 && skipped_packets > 0) {
        fail("cannot decode '" + path + "': no audio could be decoded (" +
             std::to_string(skipped_packets) + " bad packet(s), last error: " +
             media::av_error_text(last_error) + "); the file may be corrupt");
      }
      check_truncated();
      return drain_swr();
    }
    if (rc != AVERROR(EAGAIN)) {
      // A decode error: this packet's audio is lost, the decoder carries on.
      note_bad_packet(rc);
    }

    // The decoder wants input.
    if (demux_done) {
      // Only reached if the decoder stopped without reporting EOF; end here.
      finished = true;
      check_truncated();
      return drain_swr();
    }
    rc = av_read_frame(format.get(), packet.get());
    if (rc < 0) {
      if (rc != AVERROR_EOF && ++consecutive_read_errors < kMaxConsecutiveReadErrors &&
          !(format->pb != nullptr && avio_feof(format->pb))) {
        note_bad_packet(rc);
        continue;
      }
      demux_done = true;
      rc = avcodec_send_packet(codec.get(), nullptr); // enter draining: the decoder's delay
      if (rc < 0 && rc != AVERROR_EOF) {
        finished = true;
        check_truncated();
        return drain_swr();
      }
      continue;
    }
    consecutive_read_errors = 0;
    if (packet->stream_index == stream_index) {
      shift_raw_timestamps(*packet);
      rc = avcodec_send_packet(codec.get(), packet.get());
      if (rc < 0) {
        note_bad_packet(rc, packet->pts);
      }
      account_raw_packet(*packet, rc >= 0);
    }
    av_packet_unref(packet.get());
  }
  return std::nullopt;
}

FileAudioTrack::FileAudioTrack(const std::string& path) : FileAudioTrack(path, Options{}) {}

FileAudioTrack::FileAudioTrack(const std::string& path, Options options)
    : impl_(std::make_unique<Impl>(path, options)) {}

FileAudioTrack::~FileAudioTrack() = default;

std::optional<AudioChunk> FileAudioTrack::recv() { return impl_->next_chunk(); }

std::optional<std::chrono::milliseconds> FileAudioTrack::duration() const {
  return impl_->duration;
}

std::string FileAudioTrack::description() const { return impl_->path; }

int FileAudioTrack::source_sample_rate_hz() const { return impl_->codec->sample_rate; }

int FileAudioTrack::source_channels() const { return impl_->codec->ch_layout.nb_channels; }

std::string FileAudioTrack::codec_name() const { return avcodec_get_name(impl_->codec->codec_id); }

std::size_t FileAudioTrack::skipped_packets() const { return impl_->skipped_packets; }

} // namespace roomcast
