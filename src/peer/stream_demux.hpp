// StreamDemux: which offered m= section an incoming RTP packet belongs to (RFC 8843 §9.2).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "rtp/rtp_packet.hpp"
#include "sdp/multistream.hpp"

namespace roomcast::peer {

/// By the SSRC the offer announced (a=ssrc); a packet with an SSRC not announced is placed by
/// its sdes:mid header extension, and its SSRC is remembered. Sections that do not send to us
/// (inactive, recvonly) take no packets. Pure logic, loop thread.
class StreamDemux {
 public:
  /// The layout of an offer just answered; forgets the previous one.
  void set_streams(const sdp::RemoteMultiOffer& offer);
  /// The packet's section mid, "" when nothing names one of the receiving sections.
  std::string mid_of(const rtp::RtpPacket& packet);
  /// The RFC 6464 audio-level extension id of a receiving section, if offered.
  std::optional<uint8_t> audio_level_extension(const std::string& mid) const;
  /// The payload type (Opus, VP8 or H.264) the offer gave a receiving section (nullopt: no such section).
  std::optional<uint8_t> payload_type(const std::string& mid) const;
  /// True for a receiving m=video section.
  bool is_video(const std::string& mid) const;
  /// The codec a receiving m=video section carries (nullopt: no such video section).
  std::optional<VideoCodec> video_codec(const std::string& mid) const;

 private:
  struct Section {
    std::optional<uint8_t> mid_ext_id;
    std::optional<uint8_t> audio_level_ext_id;
    uint8_t payload_type = 0;
    std::optional<VideoCodec> video_codec;  // set for video sections
  };
  std::map<uint32_t, std::string> mid_by_ssrc_;
  std::map<std::string, Section> sections_;  // receiving ones, by mid
};

}  // namespace roomcast::peer
