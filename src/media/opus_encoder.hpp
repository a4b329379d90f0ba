// OpusEncoder: 20 ms 48 kHz frames (mono or stereo) to Opus packets (libopus), FEC on for
// lossy paths.
#pragma once

#include <opus.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/c_ptr.hpp"
#include "media/audio_frame.hpp"

namespace roomcast::media {

// Note: libopus declares ::OpusEncoder; qualify this one as media::OpusEncoder.
class OpusEncoder {
public:
  enum class Application { Voip, Audio };

  /// Largest packet one 20 ms frame can produce (RFC 6716 3.2.1: 1275 bytes per frame).
  static constexpr std::size_t kMaxPacketBytes = 1275;
  /// Loss percentage assumed until set_packet_loss_percent() says otherwise; libopus only
  /// spends bits on in-band FEC when it expects loss.
  static constexpr int kDefaultPacketLossPercent = 10;

  /// `channels`: 1, or 2 for stereo frames (RFC 7587 3.4: one stream codes both).
  /// Throws Error(Kind::Media) if libopus rejects the settings.
  explicit OpusEncoder(int bitrate_bps = 32000, bool fec = true,
                       Application application = Application::Audio, int channels = 1);

  /// One Opus packet for the frame, which must have the encoder's channel count.
  /// Throws Error(Kind::Media) if libopus fails.
  std::vector<uint8_t> encode(const AudioFrame& frame);
  /// Same, into a caller buffer (kMaxPacketBytes is always enough); returns the size used.
  std::size_t encode(const AudioFrame& frame, std::span<uint8_t> out);

  /// Expected loss (0..100), e.g. from RTCP receiver reports; tunes the FEC redundancy.
  void set_packet_loss_percent(int percent);
  void set_bitrate(int bitrate_bps);
  /// In-band FEC on or off (libopus then spends bits on it per the expected loss).
  void set_fec(bool on);
  /// 0..10: CPU spent for quality (libopus default 10).
  void set_complexity(int complexity);
  /// Discontinuous transmission: silence is coded as 1-2 byte packets (not to be sent),
  /// with a real one every 400 ms (RFC 7587 3.1.3).
  void set_dtx(bool on);
  int bitrate_bps() const;
  int channels() const { return channels_; }

private:
  int channels_;
  core::CPtr<::OpusEncoder, opus_encoder_destroy> encoder_;
};

} // namespace roomcast::media
