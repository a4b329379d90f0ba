// libopus decoder calls; used by tests and receive-side checks, so bad input is counted.
#include "receive/opus_decoder.hpp"

#include <string>

#include "roomcast/error.hpp"

namespace roomcast::receive {

OpusDecoder::OpusDecoder() {
  int rc = OPUS_OK;
  // A mono decoder mixes stereo packets down itself (opus_decoder_create, channels = 1).
  decoder_.reset(opus_decoder_create(kSampleRateHz, 1, &rc));
  if (rc != OPUS_OK || !decoder_) {
    throw Error(Error::Kind::Media, std::string("Opus decoder: create (48 kHz mono) failed (") +
                                        opus_strerror(rc != OPUS_OK ? rc : OPUS_ALLOC_FAIL) + ")");
  }
}

std::optional<std::vector<int16_t>> OpusDecoder::run(const uint8_t* data, int size, int samples,
                                                     bool fec) {
  if (samples <= 0 || samples > kMaxPacketSamples) {
    ++errors_;
    return std::nullopt;
  }
  std::vector<int16_t> pcm(static_cast<std::size_t>(samples));
  const int decoded = opus_decode(decoder_.get(), data, size, pcm.data(), samples, fec ? 1 : 0);
  if (decoded < 0) {
    ++errors_;
    return std::nullopt;
  }
  pcm.resize(static_cast<std::size_t>(decoded));
  return pcm;
}

std::optional<std::vector<int16_t>> OpusDecoder::decode(std::span<const uint8_t> payload) {
  if (payload.empty()) {
    ++errors_; // an empty payload would silently turn into concealment
    return std::nullopt;
  }
  return run(payload.data(), static_cast<int>(payload.size()), kMaxPacketSamples, false);
}

std::optional<std::vector<int16_t>> OpusDecoder::decode_lost(int samples) {
  return run(nullptr, 0, samples, false);
}

std::optional<std::vector<int16_t>> OpusDecoder::decode_fec(std::span<const uint8_t> next_payload,
                                                            int samples) {
  if (next_payload.empty()) {
    return decode_lost(samples);
  }
  return run(next_payload.data(), static_cast<int>(next_payload.size()), samples, true);
}

} // namespace roomcast::receive
