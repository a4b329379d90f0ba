// AudioDecoder: decoded frames to AudioChunks (swresample for shapes a chunk cannot carry).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/log.hpp"
#include "media/audio_decoder_impl.hpp"
#include "media/av_error.hpp"

namespace roomcast::media {

using namespace decoder_detail;

namespace {

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

std::optional<AudioChunk> AudioDecoder::Impl::to_chunk(const AVFrame& decoded) {
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

AudioChunk AudioDecoder::Impl::convert_with_swr(const AVFrame& decoded) {
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

std::optional<AudioChunk> AudioDecoder::Impl::drain_swr() {
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

} // namespace roomcast::media
