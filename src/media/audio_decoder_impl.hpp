// AudioDecoder's state, shared by its three source files (open/decode/seek, conversion,
// timeline); FFmpeg types are fine here, this header is private to src/media.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/c_ptr.hpp"
#include "media/audio_decoder.hpp"
#include "media/shared_demuxer.hpp"
#include "roomcast/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

namespace roomcast::media {
namespace decoder_detail {

// Named frees (not lambdas) so that every file including this header sees the same types.
inline void close_format(AVFormatContext* c) { avformat_close_input(&c); }
inline void free_codec(AVCodecContext* c) { avcodec_free_context(&c); }
inline void free_packet(AVPacket* p) { av_packet_free(&p); }
inline void free_frame(AVFrame* f) { av_frame_free(&f); }
inline void free_swr(SwrContext* s) { swr_free(&s); }
using FormatPtr = core::CPtr<AVFormatContext, close_format>;
using CodecPtr = core::CPtr<AVCodecContext, free_codec>;
using PacketPtr = core::CPtr<AVPacket, free_packet>;
using FramePtr = core::CPtr<AVFrame, free_frame>;
using SwrPtr = core::CPtr<SwrContext, free_swr>;

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
// A seek in lossy audio starts decoding this much before the target (see Impl::seek).
constexpr double kSeekPrerollSeconds = 0.1;

std::string seconds_text(double seconds);
[[noreturn]] inline void fail(const std::string& message) {
  throw Error(Error::Kind::Media, message);
}

} // namespace decoder_detail

struct AudioDecoder::Impl {
  using FormatPtr = decoder_detail::FormatPtr;
  using CodecPtr = decoder_detail::CodecPtr;
  using PacketPtr = decoder_detail::PacketPtr;
  using FramePtr = decoder_detail::FramePtr;
  using SwrPtr = decoder_detail::SwrPtr;

  std::string path;
  // Owned (a decoder of its own) or aliasing a SharedDemuxer's, which `reader` then reads.
  std::shared_ptr<AVFormatContext> format;
  PacketReader reader;
  std::shared_ptr<SharedDemuxer> shared;
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

  // After a seek: decoded audio before this pts (stream time base) is dropped.
  std::optional<int64_t> skip_until;
  double position_seconds = 0; // where the next chunk starts
  bool truncation_checked = false; // a looped file warns once

  Impl(const std::string& file_path, const DecoderOptions& options);
  Impl(std::shared_ptr<SharedDemuxer> demuxer, int stream, PacketReader read);
  ~Impl() { av_channel_layout_uninit(&swr_in_layout); }

  void open(const DecoderOptions& options);
  void open_codec(const std::string& quoted);
  int read_packet() { return reader ? reader(packet.get()) : av_read_frame(format.get(), packet.get()); }
  void reset_after_seek(double seconds, int64_t target);
  std::optional<AudioChunk> next_chunk();
  std::optional<AudioChunk> decode_chunk();
  bool skip_to_target(AVFrame& decoded, AudioChunk& chunk);
  bool seekable() const;
  void seek(double seconds);
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

} // namespace roomcast::media
