// The video m-section of our publisher offer and what the server's answer says about it:
// VP8 (RFC 7741 §6) or H.264 (RFC 6184 §8), RTCP feedback (RFC 4585 §4.2, RFC 5104 §7.1), REMB,
// RTX (RFC 4588 §8).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "roomcast/meeting_config.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp/session_description.hpp"

namespace roomcast::sdp {

inline constexpr std::string_view kVp8CodecName = "VP8";
inline constexpr uint8_t kVp8PayloadType = 96;
inline constexpr std::string_view kH264CodecName = "H264";
inline constexpr uint8_t kH264PayloadType = 102;  // what browsers commonly use; any dynamic one works
/// The RTX payload types paired with them (a=fmtp:97 apt=96), as browsers number them.
inline constexpr uint8_t kVp8RtxPayloadType = 97;
inline constexpr uint8_t kH264RtxPayloadType = 103;
/// What our H.264 encoder makes (RFC 6184 §8.1): constrained baseline level 3.1, sent as
/// single NAL unit, STAP-A and FU-A packets; a receiver may send back another level.
inline constexpr std::string_view kH264Fmtp =
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";

/// The encoding name in a=rtpmap ("VP8", "H264").
std::string_view codec_name(VideoCodec codec);
/// The first of `m`'s formats with an a=rtpmap of `codec`/90000; for H.264 not one whose
/// a=fmtp asks for packetization-mode 2 (interleaved, which we do not reassemble).
std::optional<uint8_t> find_video_payload_type(const MediaSection& m, VideoCodec codec);
/// The first of `m`'s formats with a=rtpmap rtx/90000 and a=fmtp apt=`payload_type`.
std::optional<uint8_t> find_rtx_payload_type(const MediaSection& m, uint8_t payload_type);

/// What we offer to send as video: one stream in one codec, beside the audio on the same
/// transport.
struct LocalVideoParams {
  uint32_t ssrc = 0;
  std::string mid = "1";
  std::string msid_track = "roomcast-video";
  VideoCodec codec = VideoCodec::vp8;
  uint8_t payload_type = kVp8PayloadType;  // kH264PayloadType with H.264
  bool nack = true;  // offer generic NACK (we answer it from a send history)
  /// With nack: offer RTX (RFC 4588) for payload_type on this SSRC (a=ssrc-group:FID ssrc rtx_ssrc).
  std::optional<uint32_t> rtx_ssrc;
  uint8_t rtx_payload_type = kVp8RtxPayloadType;  // kH264RtxPayloadType with H.264
  Direction direction = Direction::SendOnly;  // Inactive: the camera is off (disable_webcam)
};

/// The feedback we ask for is what Janus answers and roomcast acts on: keyframe requests
/// (PLI, FIR), retransmission requests (generic NACK) and the server's bandwidth estimate
/// (REMB). Nothing else is offered (transport-cc would be negotiated and ignored). With
/// nack and rtx_ssrc, retransmissions may go as RTX: rtx/90000 with apt=payload_type, and
/// while sending, the FID group pairing the two SSRCs (RFC 4588 §8.1, §8.6; RFC 5576 §4.2).
MediaSection video_section(const LocalMediaParams& local, const LocalVideoParams& video);

/// Our publisher offer with audio (mid local.mid) and video (video.mid), BUNDLEd on one
/// transport; as build_audio_offer otherwise.
std::string build_audio_video_offer(const LocalMediaParams& local, const LocalVideoParams& video);
std::string build_audio_video_offer(const LocalMediaParams& local, const LocalVideoParams& video,
                                    uint64_t session_id);

/// The server's answer to our video section.
struct RemoteVideoParams {
  std::string mid;
  std::optional<uint8_t> payload_type;  ///< nullopt: the section was answered without our codec
  Direction direction = Direction::Inactive;
  bool accepted = false;           ///< port not 0, our codec kept, and the server receives
  std::set<std::string> feedback;  ///< "nack", "nack pli", "ccm fir", "goog-remb" for payload_type
  /// The answer's rtx/90000 format with apt=payload_type, if it kept RTX (RFC 4588 §8.1).
  std::optional<uint8_t> rtx_payload_type;
};

/// Reads the answer's m=video section with `mid` (nullopt when there is none), looking for
/// `codec` (the one we offered). A section answered with port 0, as inactive or sendonly, or
/// without the codec is returned with accepted == false: the room does not take our video
/// (e.g. it allows only H.264 and we offered VP8).
std::optional<RemoteVideoParams> parse_remote_video(std::string_view sdp, std::string_view mid,
                                                    VideoCodec codec = VideoCodec::vp8);

}  // namespace roomcast::sdp
