// The video m-section of our publisher offer and what the server's answer says about it:
// VP8 (RFC 7741 §6) or H.264 (RFC 6184 §8), RTCP feedback (RFC 4585 §4.2, RFC 5104 §7.1), REMB.
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
/// What our H.264 encoder makes (RFC 6184 §8.1): constrained baseline level 3.1, sent as
/// single NAL unit, STAP-A and FU-A packets; a receiver may send back another level.
inline constexpr std::string_view kH264Fmtp =
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";

/// The encoding name in a=rtpmap ("VP8", "H264").
std::string_view codec_name(VideoCodec codec);
/// The first of `m`'s formats with an a=rtpmap of `codec`/90000; for H.264 not one whose
/// a=fmtp asks for packetization-mode 2 (interleaved, which we do not reassemble).
std::optional<uint8_t> find_video_payload_type(const MediaSection& m, VideoCodec codec);

/// What we offer to send as video: one stream in one codec, beside the audio on the same
/// transport.
struct LocalVideoParams {
  uint32_t ssrc = 0;
  std::string mid = "1";
  std::string msid_track = "roomcast-video";
  VideoCodec codec = VideoCodec::vp8;
  uint8_t payload_type = kVp8PayloadType;  // kH264PayloadType with H.264
  bool nack = true;  // offer generic NACK (we answer it from a send history)
  Direction direction = Direction::SendOnly;  // Inactive: the camera is off (disable_webcam)
};

/// The feedback we ask for is what Janus answers and roomcast acts on: keyframe requests
/// (PLI, FIR), retransmission requests (generic NACK) and the server's bandwidth estimate
/// (REMB). Nothing else is offered (transport-cc would be negotiated and ignored).
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
};

/// Reads the answer's m=video section with `mid` (nullopt when there is none), looking for
/// `codec` (the one we offered). A section answered with port 0, as inactive or sendonly, or
/// without the codec is returned with accepted == false: the room does not take our video
/// (e.g. it allows only H.264 and we offered VP8).
std::optional<RemoteVideoParams> parse_remote_video(std::string_view sdp, std::string_view mid,
                                                    VideoCodec codec = VideoCodec::vp8);

}  // namespace roomcast::sdp
