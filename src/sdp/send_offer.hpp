// Our publisher offer with any number of send sections (Opus audio, VP8 / H.264 video), BUNDLEd
// on one transport in the order given, and what the server's answer says about each section.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sdp/data_section.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp/video_section.hpp"

namespace roomcast::sdp {

/// One Opus stream we offer to send (RFC 7587).
struct LocalAudioParams {
  uint32_t ssrc = 0;
  std::string mid = "0";
  std::string msid_track = "roomcast-audio";
  Direction direction = Direction::SendOnly;  // Inactive: the microphone is off (disable_mic)
  uint8_t opus_pt = 111;
  std::optional<uint8_t> audio_level_ext_id = 1;
  bool stereo = false;
};

/// One m= section of our offer: media, or the data channels' m=application (RFC 8841).
using LocalSection = std::variant<LocalAudioParams, LocalVideoParams, LocalDataParams>;

/// `local` gives the transport (ICE credentials, candidates, fingerprint), cname and msid
/// stream shared by every section; its audio fields are not used. Every section carries the
/// candidates (as browsers write a BUNDLEd offer); one msid stream, so receivers lip-sync.
std::string build_offer(const LocalMediaParams& local, const std::vector<LocalSection>& sections,
                        uint64_t session_id);

/// The server's answer to one of our audio sections.
struct RemoteAudioAnswer {
  std::optional<uint8_t> opus_pt;  ///< nullopt: the section was answered without Opus
  std::optional<uint8_t> audio_level_ext_id;
  Direction direction = Direction::Inactive;
  bool accepted = false;  ///< port not 0, Opus kept, and the server receives
};

/// Reads the answer's m=audio section with `mid` (nullopt when there is none).
std::optional<RemoteAudioAnswer> parse_remote_audio_answer(std::string_view sdp, std::string_view mid);

}  // namespace roomcast::sdp
