// The video m-section of our publisher offer and what the server's answer says about it:
// VP8 (RFC 7741 §6), RTCP feedback (RFC 4585 §4.2, RFC 5104 §7.1), REMB.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "sdp/offer_answer.hpp"
#include "sdp/session_description.hpp"

namespace roomcast::sdp {

inline constexpr std::string_view kVp8CodecName = "VP8";
inline constexpr uint8_t kVp8PayloadType = 96;

/// What we offer to send as video: one VP8 stream, beside the audio on the same transport.
struct LocalVideoParams {
  uint32_t ssrc = 0;
  std::string mid = "1";
  std::string msid_track = "roomcast-video";
  uint8_t vp8_pt = kVp8PayloadType;
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
  std::optional<uint8_t> vp8_pt;   ///< nullopt: the section was answered without VP8
  Direction direction = Direction::Inactive;
  bool accepted = false;           ///< port not 0, VP8 kept, and the server receives
  std::set<std::string> feedback;  ///< "nack", "nack pli", "ccm fir", "goog-remb" for vp8_pt
};

/// Reads the answer's m=video section with `mid` (nullopt when there is none). A section
/// answered with port 0, as inactive or sendonly, or without VP8 is returned with
/// accepted == false: the room does not take our video (e.g. it allows only H.264).
std::optional<RemoteVideoParams> parse_remote_video(std::string_view sdp, std::string_view mid);

}  // namespace roomcast::sdp
