// AudioDecoder: demux and decode one audio stream with libavformat/libavcodec; seek.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "core/log.hpp"
#include "media/audio_decoder_impl.hpp"
#include "media/av_error.hpp"

namespace roomcast::media {

using namespace decoder_detail;

namespace {

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

// FFmpeg's name of the raw PCM demuxer for a sample format (little-endian, as on the wire).
const char* raw_demuxer(SampleFormat format) {
  switch (format) {
  case SampleFormat::S16:
    return "s16le";
  case SampleFormat::S32:
    return "s32le";
  case SampleFormat::Float32:
    return "f32le";
  }
  return "s16le";
}

} // namespace

AudioDecoder::Impl::Impl(const std::string& file_path, const DecoderOptions& options)
    : path(file_path) {
  quiet_ffmpeg_logging();
  open(options);
}

AudioDecoder::Impl::Impl(std::shared_ptr<SharedDemuxer> demuxer, int stream, PacketReader read)
    : path(demuxer->path()), reader(std::move(read)), shared(std::move(demuxer)) {
  quiet_ffmpeg_logging();
  format = std::shared_ptr<AVFormatContext>(shared, const_cast<AVFormatContext*>(&shared->format()));
  stream_index = stream;
  open_codec("'" + path + "'");
}

void AudioDecoder::Impl::open(const DecoderOptions& options) {
  const bool is_stdin = path == "-";
  const std::string quoted = is_stdin ? std::string("stdin") : "'" + path + "'";
  std::error_code ec;
  const auto status =
      is_stdin ? std::filesystem::file_status{} : std::filesystem::status(path, ec);
  const bool looks_like_url = path.find("://") != std::string::npos;
  if (!is_stdin && !looks_like_url && status.type() == std::filesystem::file_type::not_found) {
    fail("cannot open " + quoted + ": no such file; check the path");
  }
  if (status.type() == std::filesystem::file_type::directory) {
    fail("cannot open " + quoted + ": it is a directory; give the path of a media file");
  }

  if (is_stdin && ::isatty(STDIN_FILENO) == 1) {
    fail("cannot read stdin: it is a terminal; pipe audio in (e.g. espeak-ng --stdout hello | "
         "roomcast publish -) or give a file");
  }
  auto fail_unreadable = [&](int rc) {
    const std::string why = media::av_error_text(rc);
    if (is_stdin) {
      fail("cannot read stdin: what was piped in is no media FFmpeg recognises (" + why +
           "); pipe in a format FFmpeg reads from a pipe (WAV, MP3, OGG, FLAC, ADTS AAC, ...) or "
           "headerless PCM with its format given (--raw, FileAudioTrack::Options::raw)");
    }
    if (looks_like_url && rc != AVERROR_INVALIDDATA) {
      fail("cannot open " + quoted + " (" + why + "); check the URL and that its server is up");
    }
    fail("cannot read " + quoted + ": not a media file FFmpeg recognises (" + why +
         "); use an audio or video file such as MP3, MP4/AAC, WAV, OGG, FLAC");
  };

  AVFormatContext* raw_format = nullptr;
  // "file:" keeps a local path with ':' in it from being taken for a protocol; "pipe:0" is
  // FFmpeg's stdin (read as a stream: no seeking back).
  const std::string url = is_stdin ? "pipe:0" : looks_like_url ? path : "file:" + path;
  const AVInputFormat* input_format = nullptr;
  AVDictionary* raw_options = nullptr;
  if (options.raw) {
    input_format = av_find_input_format(raw_demuxer(options.raw->format));
    AVChannelLayout layout{};
    av_channel_layout_default(&layout, options.raw->channels);
    char layout_name[64] = {};
    av_channel_layout_describe(&layout, layout_name, sizeof(layout_name));
    av_channel_layout_uninit(&layout);
    av_dict_set_int(&raw_options, "sample_rate", options.raw->sample_rate_hz, 0);
    av_dict_set(&raw_options, "ch_layout", layout_name, 0);
  }
  int rc = avformat_open_input(&raw_format, url.c_str(), input_format, &raw_options);
  av_dict_free(&raw_options);
  if (rc < 0) {
    if (rc == AVERROR(ENOENT)) {
      fail("cannot open " + quoted + ": no such file; check the path");
    }
    if (rc == AVERROR(EACCES) || rc == AVERROR(EPERM)) {
      fail("cannot open " + quoted + ": permission denied; check the file's permissions");
    }
    fail_unreadable(rc);
  }
  format = std::shared_ptr<AVFormatContext>(raw_format, close_format);
  rc = avformat_find_stream_info(format.get(), nullptr);
  if (rc < 0) {
    fail_unreadable(rc);
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
  open_codec(quoted);
}

void AudioDecoder::Impl::open_codec(const std::string& quoted) {
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
  int rc = avcodec_parameters_to_context(codec.get(), par);
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

std::optional<AudioChunk> AudioDecoder::Impl::decode_chunk() {
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
      if (chunk && skip_until && !skip_to_target(*frame, *chunk)) {
        av_frame_unref(frame.get());
        continue;
      }
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
    rc = read_packet();
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

std::optional<AudioChunk> AudioDecoder::Impl::next_chunk() {
  std::optional<AudioChunk> chunk = decode_chunk();
  if (chunk && chunk->sample_rate_hz > 0) {
    position_seconds += static_cast<double>(chunk->frames()) / chunk->sample_rate_hz;
  }
  return chunk;
}

// Drops the part of a decoded frame before skip_until; false when all of it goes.
bool AudioDecoder::Impl::skip_to_target(AVFrame& decoded, AudioChunk& chunk) {
  const int64_t pts = decoded.best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE || chunk.sample_rate_hz <= 0) {
    core::log_warn("'", path, "': no timestamps after seeking; playing from the packet found");
    skip_until.reset();
    return true;
  }
  const AVRational time_base = format->streams[stream_index]->time_base;
  const int64_t drop = av_rescale_q(*skip_until - pts, time_base, AVRational{1, chunk.sample_rate_hz});
  if (drop <= 0) {
    skip_until.reset();
    return true;
  }
  const std::size_t frames = chunk.frames();
  if (static_cast<std::size_t>(drop) >= frames) {
    next_pts.reset();
    return false;
  }
  const std::size_t frame_bytes = chunk.data.size() / frames;
  chunk.data.erase(chunk.data.begin(),
                   chunk.data.begin() + static_cast<std::ptrdiff_t>(drop * frame_bytes));
  skip_until.reset();
  return true;
}

bool AudioDecoder::Impl::seekable() const {
  if (shared) {
    return shared->seekable();
  }
  return path != "-" && format->pb != nullptr && (format->pb->seekable & AVIO_SEEKABLE_NORMAL) != 0;
}

void AudioDecoder::Impl::seek(double seconds) {
  seconds = std::max(0.0, seconds);
  const AVRational time_base = format->streams[stream_index]->time_base;
  const int64_t target = first_pts + static_cast<int64_t>(std::llround(seconds / av_q2d(time_base)));
  if (seekable()) {
    // Lossy codecs need the packets before the target to decode it right (AAC's overlapping
    // MDCT, MP3's bit reservoir, Opus' 80 ms of RFC 7845 pre-roll): the demuxer starts
    // kSeekPrerollSeconds early and the decoded audio up to the target is dropped. Back to the
    // start is the first packet, also when it precedes the stream's start (MP4's AAC priming,
    // which the demuxer then has the decoder skip, as at the first play).
    AVStream* stream = format->streams[stream_index];
    int64_t earliest = first_pts;
    if (const AVIndexEntry* entry = avformat_index_get_entry(stream, 0);
        entry != nullptr && entry->timestamp < earliest) {
      earliest = entry->timestamp;
    }
    const AVCodecDescriptor* descriptor = avcodec_descriptor_get(codec->codec_id);
    const bool lossy = descriptor == nullptr || (descriptor->props & AV_CODEC_PROP_LOSSY) != 0;
    const int64_t preroll =
        lossy ? static_cast<int64_t>(std::llround(kSeekPrerollSeconds / av_q2d(time_base))) : 0;
    const int64_t demux_target = seconds > 0 ? std::max(earliest, target - preroll) : earliest;
    const int rc = av_seek_frame(format.get(), stream_index, demux_target, AVSEEK_FLAG_BACKWARD);
    if (rc < 0) {
      fail("cannot seek in '" + path + "' to " + seconds_text(seconds) + " (" +
           media::av_error_text(rc) + ")");
    }
  } else if (seconds + 1e-6 < position_seconds) {
    fail("cannot seek back in " + (path == "-" ? std::string("stdin") : "'" + path + "'") +
         " to " + seconds_text(seconds) + ": a pipe or stream cannot be rewound; use a file");
  }
  reset_after_seek(seconds, target);
}

void AudioDecoder::Impl::reset_after_seek(double seconds, int64_t target) {
  if (shared || seekable()) {
    // Leaves the draining state of a decoder that reached the end: the next packets decode
    // as a fresh stream (no padding, nothing of the old position).
    avcodec_flush_buffers(codec.get());
    demux_done = false;
    finished = false;
    consecutive_read_errors = 0;
    av_packet_unref(packet.get());
  }
  held.reset();
  next_pts.reset();
  damage_at_seconds.reset();
  damage_packets = 0;
  skip_until = seconds > 0 ? std::optional<int64_t>(target) : std::nullopt;
  position_seconds = seconds;
}

AudioDecoder::AudioDecoder(const std::string& path, const DecoderOptions& options)
    : impl_(std::make_unique<Impl>(path, options)) {}
AudioDecoder::AudioDecoder(std::shared_ptr<SharedDemuxer> demuxer, int stream_index, PacketReader read)
    : impl_(std::make_unique<Impl>(std::move(demuxer), stream_index, std::move(read))) {}
void AudioDecoder::restart(std::chrono::microseconds offset) {
  const double seconds = std::max(0.0, static_cast<double>(offset.count()) / 1e6);
  const AVRational time_base = impl_->format->streams[impl_->stream_index]->time_base;
  impl_->reset_after_seek(seconds, impl_->first_pts + static_cast<int64_t>(std::llround(seconds / av_q2d(time_base))));
}
AudioDecoder::~AudioDecoder() = default;
std::optional<AudioChunk> AudioDecoder::next_chunk() { return impl_->next_chunk(); }
bool AudioDecoder::seekable() const { return impl_->seekable(); }
void AudioDecoder::seek(std::chrono::microseconds offset) {
  impl_->seek(static_cast<double>(offset.count()) / 1e6);
}
std::chrono::microseconds AudioDecoder::position() const {
  return std::chrono::microseconds(std::llround(impl_->position_seconds * 1e6));
}
const std::string& AudioDecoder::path() const { return impl_->path; }
std::optional<std::chrono::milliseconds> AudioDecoder::duration() const { return impl_->duration; }
int AudioDecoder::sample_rate_hz() const { return impl_->codec->sample_rate; }
int AudioDecoder::channels() const { return impl_->codec->ch_layout.nb_channels; }
std::string AudioDecoder::codec_name() const { return avcodec_get_name(impl_->codec->codec_id); }
std::size_t AudioDecoder::skipped_packets() const { return impl_->skipped_packets; }

} // namespace roomcast::media
