// libopus encoder calls, each return code checked.
#include "media/opus_encoder.hpp"

#include <string>

#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

void check(int rc, const std::string& what) {
  if (rc < 0) {
    throw Error(Error::Kind::Media,
                "Opus encoder: " + what + " failed (" + opus_strerror(rc) + ")");
  }
}

} // namespace

OpusEncoder::OpusEncoder(int bitrate_bps, bool fec, Application application, int channels)
    : channels_(channels) {
  int rc = OPUS_OK;
  const int opus_application =
      application == Application::Voip ? OPUS_APPLICATION_VOIP : OPUS_APPLICATION_AUDIO;
  const std::string shape = channels == 2 ? "create (48 kHz stereo)" : "create (48 kHz mono)";
  if (channels != 1 && channels != 2) check(OPUS_BAD_ARG, shape + " with " + std::to_string(channels) + " channels");
  encoder_.reset(opus_encoder_create(kSampleRateHz, channels, opus_application, &rc));
  check(rc, shape);
  if (!encoder_) {
    check(OPUS_ALLOC_FAIL, shape);
  }
  set_bitrate(bitrate_bps);
  check(opus_encoder_ctl(encoder_.get(), OPUS_SET_INBAND_FEC(fec ? 1 : 0)), "enable FEC");
  set_packet_loss_percent(fec ? kDefaultPacketLossPercent : 0);
}

void OpusEncoder::set_bitrate(int bitrate_bps) {
  check(opus_encoder_ctl(encoder_.get(), OPUS_SET_BITRATE(bitrate_bps)),
        "set bitrate " + std::to_string(bitrate_bps) + " bps");
}

void OpusEncoder::set_fec(bool on) {
  check(opus_encoder_ctl(encoder_.get(), OPUS_SET_INBAND_FEC(on ? 1 : 0)), on ? "enable FEC" : "disable FEC");
}

void OpusEncoder::set_dtx(bool on) {
  check(opus_encoder_ctl(encoder_.get(), OPUS_SET_DTX(on ? 1 : 0)), on ? "enable DTX" : "disable DTX");
}

void OpusEncoder::set_complexity(int complexity) {
  check(opus_encoder_ctl(encoder_.get(), OPUS_SET_COMPLEXITY(complexity)),
        "set complexity " + std::to_string(complexity));
}

int OpusEncoder::bitrate_bps() const {
  opus_int32 bitrate = 0;
  check(opus_encoder_ctl(encoder_.get(), OPUS_GET_BITRATE(&bitrate)), "get bitrate");
  return bitrate;
}

void OpusEncoder::set_packet_loss_percent(int percent) {
  check(opus_encoder_ctl(encoder_.get(), OPUS_SET_PACKET_LOSS_PERC(percent)),
        "set packet loss " + std::to_string(percent) + "%");
}

std::size_t OpusEncoder::encode(const AudioFrame& frame, std::span<uint8_t> out) {
  if (out.empty()) {
    check(OPUS_BUFFER_TOO_SMALL, "encode"); // libopus must not see a null buffer
  }
  if (frame.channels != channels_) {
    check(OPUS_BAD_ARG, "encode (a " + std::to_string(frame.channels) + "-channel frame into a " +
                            std::to_string(channels_) + "-channel encoder)");
  }
  const opus_int32 size = opus_encode(encoder_.get(), frame.samples.data(), kFrameSamples,
                                      out.data(), static_cast<opus_int32>(out.size()));
  check(size, "encode");
  return static_cast<std::size_t>(size);
}

std::vector<uint8_t> OpusEncoder::encode(const AudioFrame& frame) {
  std::vector<uint8_t> packet(kMaxPacketBytes);
  packet.resize(encode(frame, packet));
  return packet;
}

} // namespace roomcast::media
