// AudioChunk helpers from the public header: sizes and construction from typed samples.
#include <cstring>
#include <string>

#include "media/sample_format.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/error.hpp"

namespace roomcast {
namespace {

template <typename T>
AudioChunk make_chunk(std::span<const T> interleaved, SampleFormat format, int sample_rate_hz,
                      int channels, const char* factory) {
  // Checked here so the mistake is reported where the chunk is made, not later on a worker.
  if (channels <= 0) {
    throw Error(Error::Kind::Media, std::string("AudioChunk::") + factory + ": channels is " +
                                        std::to_string(channels) + "; use 1 to 8");
  }
  if (interleaved.size() % static_cast<std::size_t>(channels) != 0) {
    throw Error(Error::Kind::Media,
                std::string("AudioChunk::") + factory + ": " + std::to_string(interleaved.size()) +
                    " samples is not a multiple of " + std::to_string(channels) +
                    " channels; pass whole interleaved sample frames");
  }
  AudioChunk chunk;
  chunk.format = format;
  chunk.sample_rate_hz = sample_rate_hz;
  chunk.channels = channels;
  chunk.data.resize(interleaved.size_bytes());
  if (!interleaved.empty()) {
    std::memcpy(chunk.data.data(), interleaved.data(), interleaved.size_bytes());
  }
  return chunk;
}

} // namespace

std::size_t AudioChunk::frames() const {
  const std::size_t frame_bytes = media::bytes_per_sample(format) * static_cast<std::size_t>(channels);
  if (channels <= 0 || frame_bytes == 0) {
    return 0;
  }
  return data.size() / frame_bytes;
}

AudioChunk AudioChunk::from_s16(std::span<const int16_t> interleaved, int sample_rate_hz,
                                int channels) {
  return make_chunk(interleaved, SampleFormat::S16, sample_rate_hz, channels, "from_s16");
}

AudioChunk AudioChunk::from_float(std::span<const float> interleaved, int sample_rate_hz,
                                  int channels) {
  return make_chunk(interleaved, SampleFormat::Float32, sample_rate_hz, channels, "from_float");
}

} // namespace roomcast
