// Building blocks shared by the single-stream and the multistream offer/answer code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/offer_answer.hpp"
#include "sdp/session_description.hpp"

namespace roomcast::sdp::detail {

inline constexpr std::string_view kRtpProfile = "UDP/TLS/RTP/SAVPF";

struct AudioSectionSpec {
  std::string proto;
  std::string setup;
  std::string mid;
  uint8_t opus_pt;
  std::optional<uint8_t> audio_level_ext_id;
  Direction direction;
  bool rtcp_mux;
  std::optional<uint8_t> mid_ext_id = std::nullopt;
  bool with_candidates = true;
};

uint64_t random_session_id();
SessionDescription session_header(uint64_t session_id, std::string_view bundle_mids,
                                  std::string_view msid_stream);
MediaSection audio_section(const LocalMediaParams &local, const AudioSectionSpec &spec);
MediaSection rejected_section(const RemoteMediaLine &line);
void add_candidates(MediaSection &m, const std::vector<std::string> &candidates);
std::optional<uint32_t> parse_ssrc(std::string_view s);
std::optional<uint8_t> find_opus(const MediaSection &m);
std::string find_fmtp(const MediaSection &m, uint8_t pt);
std::optional<uint8_t> find_extmap(const std::vector<Attribute> &attributes, std::string_view uri);
std::optional<Direction> find_direction(const std::vector<Attribute> &attributes);
// parse_remote_audio; with `video_fallback`, an offer without a usable m=audio section takes its
// transport from the first m=video section with a non-zero port (opus_pt then nullopt).
std::optional<RemoteMediaParams> parse_remote_media(std::string_view sdp, std::string *why_not,
                                                    bool video_fallback);

} // namespace roomcast::sdp::detail
