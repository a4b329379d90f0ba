// PcmConverter: any AudioChunk (format, rate, channels) to 48 kHz mono int16 via libswresample.
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

  PcmConverter();
  ~PcmConverter();
  PcmConverter(PcmConverter&&) noexcept;
  PcmConverter& operator=(PcmConverter&&) noexcept;
  PcmConverter(const PcmConverter&) = delete;
  PcmConverter& operator=(const PcmConverter&) = delete;

  /// Appends chunk as 48 kHz mono S16 to out. A chunk whose shape (format, rate,
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

  std::optional<Shape> shape_;
  std::unique_ptr<SwrContext, SwrFree> swr_; // null while input is already 48 kHz mono S16
};

} // namespace roomcast::media
