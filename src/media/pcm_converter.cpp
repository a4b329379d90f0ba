// libswresample behind PcmConverter: resample, remix and convert to 48 kHz S16, mono or stereo.
#include "media/pcm_converter.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "media/audio_frame.hpp"
#include "media/av_error.hpp"
#include "media/sample_format.hpp"
#include "roomcast/error.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

namespace roomcast::media {
namespace {

// Bound per swr_convert call: its counts are int, a user chunk may be larger.
constexpr std::size_t kMaxSliceFrames = 1 << 20;

const char* format_name(SampleFormat format) {
  switch (format) {
  case SampleFormat::S16:
    return "S16";
  case SampleFormat::S32:
    return "S32";
  case SampleFormat::Float32:
    return "Float32";
  }
  return "unknown";
}

AVSampleFormat to_av(SampleFormat format) {
  switch (format) {
  case SampleFormat::S16:
    return AV_SAMPLE_FMT_S16;
  case SampleFormat::S32:
    return AV_SAMPLE_FMT_S32;
  case SampleFormat::Float32:
    return AV_SAMPLE_FMT_FLT;
  }
  return AV_SAMPLE_FMT_NONE;
}

[[noreturn]] void fail(const std::string& message) { throw Error(Error::Kind::Media, message); }

void check_swr(int rc, const char* what) {
  if (rc < 0) {
    fail(std::string("audio conversion failed: ") + what + " (" + av_error_text(rc) + ")");
  }
}

} // namespace

void PcmConverter::SwrFree::operator()(SwrContext* context) const noexcept { swr_free(&context); }

PcmConverter::PcmConverter(int out_channels) : out_channels_(out_channels == 2 ? 2 : 1) {}
PcmConverter::~PcmConverter() = default;
PcmConverter::PcmConverter(PcmConverter&&) noexcept = default;
PcmConverter& PcmConverter::operator=(PcmConverter&&) noexcept = default;

void PcmConverter::validate(const AudioChunk& chunk) {
  const int bytes = static_cast<int>(bytes_per_sample(chunk.format));
  if (bytes == 0) {
    fail("audio chunk has an unknown sample format; use S16, S32 or Float32");
  }
  if (chunk.channels < 1 || chunk.channels > kMaxChannels) {
    fail("audio chunk has " + std::to_string(chunk.channels) +
         " channels; a chunk needs 1 to 8 interleaved channels");
  }
  if (chunk.sample_rate_hz < kMinSampleRateHz || chunk.sample_rate_hz > kMaxSampleRateHz) {
    fail("audio chunk sample rate " + std::to_string(chunk.sample_rate_hz) +
         " Hz is not supported; use 8000 to 192000 Hz");
  }
  const std::size_t frame_bytes = static_cast<std::size_t>(bytes) * chunk.channels;
  if (chunk.data.size() % frame_bytes != 0) {
    fail("audio chunk data is " + std::to_string(chunk.data.size()) +
         " bytes, not a multiple of one sample frame (" + std::to_string(frame_bytes) +
         " bytes: " + std::to_string(chunk.channels) + " channel(s) of " +
         format_name(chunk.format) + "); pass whole interleaved sample frames");
  }
}

void PcmConverter::configure(const Shape& shape) {
  swr_.reset();
  shape_ = shape;
  // Mono into stereo is the same signal on both sides (swresample would pan it at -3 dB).
  swr_channels_ = shape.channels == 1 ? 1 : out_channels_;
  if (shape.format == SampleFormat::S16 && shape.sample_rate_hz == kSampleRateHz &&
      shape.channels == swr_channels_) {
    return; // already the target: copy, bit-exact, no filter delay
  }
  AVChannelLayout in_layout;
  av_channel_layout_default(&in_layout, shape.channels);
  AVChannelLayout out_layout;
  av_channel_layout_default(&out_layout, swr_channels_);
  SwrContext* raw = nullptr;
  const int rc =
      swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_S16, kSampleRateHz, &in_layout,
                          to_av(shape.format), shape.sample_rate_hz, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  std::unique_ptr<SwrContext, SwrFree> context(raw);
  check_swr(rc, "cannot configure the resampler");
  check_swr(swr_init(context.get()), "cannot start the resampler");
  swr_ = std::move(context);
}

void PcmConverter::convert(const AudioChunk& chunk, std::vector<int16_t>& out) {
  validate(chunk);
  const Shape shape{chunk.format, chunk.sample_rate_hz, chunk.channels};
  if (!shape_ || *shape_ != shape) {
    flush(out); // the old shape's delayed samples come before the new shape's
    configure(shape);
  }
  const std::size_t frames = chunk.frames();
  if (frames == 0) {
    return;
  }
  const std::size_t start = out.size();
  convert_samples(chunk, out);
  widen(out, start);
}

// Mono output of the resampler (or the input itself) doubled into stereo, in place.
void PcmConverter::widen(std::vector<int16_t>& out, std::size_t start) const {
  if (swr_channels_ == out_channels_) return;
  const std::size_t n = out.size() - start;
  out.resize(start + 2 * n);
  for (std::size_t i = n; i-- > 0;) {
    out[start + 2 * i] = out[start + 2 * i + 1] = out[start + i];
  }
}

void PcmConverter::convert_samples(const AudioChunk& chunk, std::vector<int16_t>& out) {
  const std::size_t frames = chunk.frames();
  const auto width = static_cast<std::size_t>(swr_channels_);
  if (!swr_) {
    const std::size_t old_size = out.size();
    out.resize(old_size + frames * width);
    std::memcpy(out.data() + old_size, chunk.data.data(), frames * width * sizeof(int16_t));
    return;
  }
  const std::size_t frame_bytes =
      bytes_per_sample(chunk.format) * chunk.channels;
  for (std::size_t done = 0; done < frames;) {
    const int slice = static_cast<int>(std::min(frames - done, kMaxSliceFrames));
    const int capacity = swr_get_out_samples(swr_.get(), slice);
    check_swr(capacity, "cannot size the output");
    const std::size_t old_size = out.size();
    out.resize(old_size + static_cast<std::size_t>(capacity) * width);
    uint8_t* out_planes[1] = {reinterpret_cast<uint8_t*>(out.data() + old_size)};
    const uint8_t* in_planes[1] = {
        reinterpret_cast<const uint8_t*>(chunk.data.data() + done * frame_bytes)};
    const int produced = swr_convert(swr_.get(), out_planes, capacity, in_planes, slice);
    if (produced < 0) {
      out.resize(old_size);
      check_swr(produced, "cannot convert samples");
    }
    out.resize(old_size + static_cast<std::size_t>(produced) * width);
    done += static_cast<std::size_t>(slice);
  }
}

std::vector<int16_t> PcmConverter::convert(const AudioChunk& chunk) {
  std::vector<int16_t> out;
  convert(chunk, out);
  return out;
}

void PcmConverter::flush(std::vector<int16_t>& out) {
  const std::size_t start = out.size();
  if (swr_) {
    for (;;) {
      const int capacity = std::max(swr_get_out_samples(swr_.get(), 0), kFrameSamples);
      const auto width = static_cast<std::size_t>(swr_channels_);
      const std::size_t old_size = out.size();
      out.resize(old_size + static_cast<std::size_t>(capacity) * width);
      uint8_t* out_planes[1] = {reinterpret_cast<uint8_t*>(out.data() + old_size)};
      const int produced = swr_convert(swr_.get(), out_planes, capacity, nullptr, 0);
      if (produced < 0) {
        out.resize(old_size);
        check_swr(produced, "cannot drain the resampler");
      }
      out.resize(old_size + static_cast<std::size_t>(produced) * width);
      if (produced == 0) {
        break;
      }
    }
  }
  widen(out, start);
  swr_.reset();
  shape_.reset();
}

std::vector<int16_t> PcmConverter::flush() {
  std::vector<int16_t> out;
  flush(out);
  return out;
}

} // namespace roomcast::media
