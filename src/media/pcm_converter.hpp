// PcmConverter: any AudioChunk (format, rate, channels) to 48 kHz int16, mono or stereo, via
// libswresample.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "roomcast/audio_track.hpp"

struct SwrContext; // libswresample; kept out of this header so callers need no FFmpeg headers

namespace roomcast::media {

class PcmConverter {
public:
  static constexpr int kMinSampleRateHz = 8000;
  static constexpr int kMaxSampleRateHz = 192000;
  static constexpr int kMaxChannels = 8;

  /// `out_channels`: 1 (mono: a mix of every input channel) or 2 (stereo: mono input on
  /// both sides, more channels mixed down to two the FFmpeg way).
  explicit PcmConverter(int out_channels = 1);
  ~PcmConverter();
  PcmConverter(PcmConverter&&) noexcept;
  PcmConverter& operator=(PcmConverter&&) noexcept;
  PcmConverter(const PcmConverter&) = delete;
  PcmConverter& operator=(const PcmConverter&) = delete;

  /// Appends chunk as 48 kHz S16 to out (interleaved when out_channels is 2). A chunk whose shape (format, rate,
  /// channels) differs from the previous one drains the old resampler first, so the
  /// stream stays continuous. Throws Error(Kind::Media) on an invalid chunk.
  void convert(const AudioChunk& chunk, std::vector<int16_t>& out);
  std::vector<int16_t> convert(const AudioChunk& chunk);

  /// Appends what the resampler still holds (its filter delay); call at end of stream.
  /// The next convert() starts a fresh stream.
  void flush(std::vector<int16_t>& out);
  std::vector<int16_t> flush();

  /// Throws Error(Kind::Media) saying what is wrong with chunk, if anything.
  static void validate(const AudioChunk& chunk);

  int out_channels() const { return out_channels_; }

private:
  struct Shape {
    SampleFormat format;
    int sample_rate_hz;
    int channels;
    bool operator==(const Shape&) const = default;
  };
  // swr_free takes SwrContext**, so it needs a wrapper (STYLE: lambdas for FFmpeg's ** frees).
  struct SwrFree {
    void operator()(SwrContext* context) const noexcept;
  };

  void configure(const Shape& shape);
  void convert_samples(const AudioChunk& chunk, std::vector<int16_t>& out);
  void widen(std::vector<int16_t>& out, std::size_t start) const;

  int out_channels_;
  int swr_channels_ = 1;  // what the resampler (or the copy) produces: 1, or out_channels_
  std::optional<Shape> shape_;
  std::unique_ptr<SwrContext, SwrFree> swr_; // null while input is already the output shape
};

} // namespace roomcast::media
