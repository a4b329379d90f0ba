// WebM writing through libavformat's Matroska muxer, set up so that a killed process leaves a
// playable file (see webm_muxer.hpp).
#include "receive/webm_muxer.hpp"

#include <cstring>

#include "media/av_error.hpp"
#include "roomcast/error.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
}

namespace roomcast::receive {

namespace {

constexpr int kAudioFrameSamples = 960;  // 20 ms at 48 kHz, what OpusEncoder codes
// libopus' look-ahead at 48 kHz for OPUS_APPLICATION_AUDIO (2.5 ms + 4 ms delay compensation):
// the decoder drops it (RFC 7845 4.2), so sample 0 of the file is the first one encoded.
constexpr int kOpusPreSkip = 312;

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw Error(Error::Kind::Media, "recording '" + path + "': " + what + ": " + media::av_error_text(err) +
                                      " (check the directory is writable and has room)");
}

}  // namespace

std::array<uint8_t, 19> opus_head(int channels, int pre_skip) {
  std::array<uint8_t, 19> h{};
  std::memcpy(h.data(), "OpusHead", 8);
  h[8] = 1;
  h[9] = static_cast<uint8_t>(channels);
  h[10] = static_cast<uint8_t>(pre_skip & 0xFF);
  h[11] = static_cast<uint8_t>(pre_skip >> 8);
  const uint32_t rate = 48000;
  for (int i = 0; i < 4; ++i) h[12 + i] = static_cast<uint8_t>(rate >> (8 * i));
  // gain 0 (16-17), mapping family 0 (18)
  return h;
}

WebmMuxer::WebmMuxer(const std::string& path, const WebmLayout& layout) : path_(path) {
  if (!layout.audio && !layout.video_size)
    throw Error(Error::Kind::Config, "recording '" + path + "': neither audio nor video to record");
  int err = avformat_alloc_output_context2(&context_, nullptr, "webm", path.c_str());
  if (err < 0 || !context_) fail(path, "cannot set up the WebM muxer", err);
  try {
    if (layout.video_size) {
      AVStream* st = avformat_new_stream(context_, nullptr);
      if (!st) fail(path, "cannot add the video track", AVERROR(ENOMEM));
      st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
      st->codecpar->codec_id = AV_CODEC_ID_VP8;
      st->codecpar->width = layout.video_size->first;
      st->codecpar->height = layout.video_size->second;
      st->time_base = AVRational{1, 1000};
      video_stream_ = st->index;
    }
    if (layout.audio) {
      AVStream* st = avformat_new_stream(context_, nullptr);
      if (!st) fail(path, "cannot add the audio track", AVERROR(ENOMEM));
      st->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
      st->codecpar->codec_id = AV_CODEC_ID_OPUS;
      st->codecpar->sample_rate = 48000;
      av_channel_layout_default(&st->codecpar->ch_layout, 1);
      st->codecpar->initial_padding = kOpusPreSkip;
      const auto head = opus_head(1, kOpusPreSkip);
      st->codecpar->extradata = static_cast<uint8_t*>(av_mallocz(head.size() + AV_INPUT_BUFFER_PADDING_SIZE));
      if (!st->codecpar->extradata) fail(path, "cannot add the audio track", AVERROR(ENOMEM));
      std::memcpy(st->codecpar->extradata, head.data(), head.size());
      st->codecpar->extradata_size = static_cast<int>(head.size());
      st->time_base = AVRational{1, 1000};
      audio_stream_ = st->index;
    }
    err = avio_open(&context_->pb, path.c_str(), AVIO_FLAG_WRITE);
    if (err < 0) fail(path, "cannot create the file", err);
    // Each cluster reaches the file when it closes (flush_packets), clusters close at least
    // every second, and packets wait at most half a second for the other track's.
    context_->flags |= AVFMT_FLAG_FLUSH_PACKETS;
    context_->max_interleave_delta = 500000;
    AVDictionary* options = nullptr;
    av_dict_set(&options, "cluster_time_limit", "1000", 0);
    av_dict_set(&options, "cluster_size_limit", "4194304", 0);
    err = avformat_write_header(context_, &options);
    av_dict_free(&options);
    if (err < 0) fail(path, "cannot write the WebM header", err);
    avio_flush(context_->pb);
    if (context_->pb->error < 0) fail(path, "cannot write the WebM header", context_->pb->error);
  } catch (...) {
    release();
    throw;
  }
}

WebmMuxer::~WebmMuxer() {
  try {
    close();
  } catch (const Error&) {
    // Destructors do not throw; close() explicitly to hear about it.
  }
}

void WebmMuxer::write_audio(std::span<const uint8_t> packet, int64_t time_us) {
  if (audio_stream_ < 0) return;
  write(audio_stream_, packet, true, time_us, int64_t{kAudioFrameSamples} * 1000000 / 48000);
  ++audio_packets_;
}

void WebmMuxer::write_video(std::span<const uint8_t> frame, bool keyframe, int64_t time_us) {
  if (video_stream_ < 0) return;
  write(video_stream_, frame, keyframe, time_us, 0);
  ++video_frames_;
}

void WebmMuxer::write(int stream, std::span<const uint8_t> data, bool keyframe, int64_t time_us,
                      int64_t duration_us) {
  if (!context_) throw Error(Error::Kind::Media, "recording '" + path_ + "': already closed");
  if (data.empty()) return;
  AVStream* st = context_->streams[stream];
  // Matroska stores milliseconds: two frames in one millisecond would not rise.
  const int64_t ts = av_rescale_q(time_us, AVRational{1, 1000000}, st->time_base);
  int64_t& last = last_ts_[stream == audio_stream_ ? 0 : 1];
  if (ts <= last) return;
  last = ts;
  AVPacket* packet = av_packet_alloc();
  if (!packet) fail(path_, "cannot write a packet", AVERROR(ENOMEM));
  int err = av_new_packet(packet, static_cast<int>(data.size()));
  if (err >= 0) {
    std::memcpy(packet->data, data.data(), data.size());
    packet->stream_index = stream;
    packet->pts = packet->dts = ts;
    packet->duration = av_rescale_q(duration_us, AVRational{1, 1000000}, st->time_base);
    if (keyframe) packet->flags |= AV_PKT_FLAG_KEY;
    err = av_interleaved_write_frame(context_, packet);  // takes the packet's reference
  }
  av_packet_free(&packet);
  if (err >= 0 && context_->pb->error < 0) err = context_->pb->error;
  if (err < 0) fail(path_, "cannot write", err);
}

void WebmMuxer::close() {
  if (!context_) return;
  int err = av_write_trailer(context_);
  if (err >= 0 && context_->pb->error < 0) err = context_->pb->error;
  release();
  if (err < 0) fail(path_, "cannot finish the file", err);
}

void WebmMuxer::release() {
  if (!context_) return;
  if (context_->pb) avio_closep(&context_->pb);
  avformat_free_context(context_);
  context_ = nullptr;
}

}  // namespace roomcast::receive
