// Our VP8 or H.264 m=video section and the answer's view of it (RFC 7741 §6.2, RFC 6184 §8,
// RFC 4585 §4.2, RFC 5104, RFC 4588 §8).
#include "sdp/video_section.hpp"

#include <array>
#include <vector>

#include "sdp/sections.hpp"
#include "sdp/send_offer.hpp"
#include "sdp/text.hpp"

namespace roomcast::sdp {

using detail::iequals;
using detail::parse_uint;
using detail::single_line;
using detail::split_ws;
using detail::trim;

namespace {
constexpr std::array<std::string_view, 4> kFeedback = {"ccm fir", "nack", "nack pli", "goog-remb"};

// RFC 6184 §8.1: packetization-mode absent means 0 (single NAL units only, which we read too).
bool interleaved_h264(const MediaSection& m, uint8_t pt) {
  const std::string fmtp = detail::to_lower(detail::find_fmtp(m, pt));
  std::string_view rest = fmtp;
  while (!rest.empty()) {
    const auto semicolon = rest.find(';');
    const auto param = trim(rest.substr(0, semicolon));
    if (param.starts_with("packetization-mode=")) return trim(param.substr(19)) == "2";
    if (semicolon == std::string_view::npos) break;
    rest.remove_prefix(semicolon + 1);
  }
  return false;
}

// The value of `name` in an a=fmtp parameter list ("apt=96;rtx-time=3000").
std::optional<std::string_view> fmtp_parameter(std::string_view fmtp, std::string_view name) {
  std::string_view rest = fmtp;
  while (!rest.empty()) {
    const auto semicolon = rest.find(';');
    const auto param = trim(rest.substr(0, semicolon));
    const auto equals = param.find('=');
    if (equals != std::string_view::npos && iequals(trim(param.substr(0, equals)), name))
      return trim(param.substr(equals + 1));
    if (semicolon == std::string_view::npos) break;
    rest.remove_prefix(semicolon + 1);
  }
  return std::nullopt;
}
}  // namespace

std::string_view codec_name(VideoCodec codec) {
  return codec == VideoCodec::h264 ? kH264CodecName : kVp8CodecName;
}

std::optional<uint8_t> find_video_payload_type(const MediaSection& m, VideoCodec codec) {
  std::array<bool, 128> matches{};
  for (const auto rtpmap : m.attributes_named("rtpmap")) {
    const auto tokens = split_ws(rtpmap);
    if (tokens.size() < 2) continue;
    const auto pt = parse_uint<uint8_t>(tokens[0], 127);
    const auto slash = tokens[1].find('/');
    if (!pt || slash == std::string_view::npos || !iequals(tokens[1].substr(0, slash), codec_name(codec)) ||
        tokens[1].substr(slash + 1) != "90000")
      continue;
    if (codec == VideoCodec::h264 && interleaved_h264(m, *pt)) continue;
    matches[*pt] = true;
  }
  for (const auto& format : m.formats) {
    const auto pt = parse_uint<uint8_t>(format, 127);
    if (pt && matches[*pt]) return pt;
  }
  return std::nullopt;
}

std::optional<uint8_t> find_rtx_payload_type(const MediaSection& m, uint8_t payload_type) {
  for (const auto& format : m.formats) {
    const auto pt = parse_uint<uint8_t>(format, 127);
    if (!pt) continue;
    bool is_rtx = false;
    for (const auto rtpmap : m.attributes_named("rtpmap")) {
      const auto tokens = split_ws(rtpmap);
      if (tokens.size() >= 2 && parse_uint<uint8_t>(tokens[0], 127) == pt && iequals(tokens[1], "rtx/90000"))
        is_rtx = true;
    }
    if (!is_rtx) continue;
    const std::string fmtp = detail::find_fmtp(m, *pt);  // apt below points into it
    const auto apt = fmtp_parameter(fmtp, "apt");
    if (apt && parse_uint<uint8_t>(*apt, 127) == payload_type) return pt;
  }
  return std::nullopt;
}

MediaSection video_section(const LocalMediaParams& local, const LocalVideoParams& video) {
  const std::string pt = std::to_string(video.payload_type);
  const bool rtx = video.nack && video.rtx_ssrc;
  const std::string rtx_pt = std::to_string(video.rtx_payload_type);
  MediaSection m;
  m.media = "video";
  m.port = 9;
  m.proto = std::string(detail::kRtpProfile);
  m.formats = {pt};
  if (rtx) m.formats.push_back(rtx_pt);
  m.lines = {{'c', "IN IP4 0.0.0.0"}};
  auto& a = m.attributes;
  a.emplace_back("rtcp", "9 IN IP4 0.0.0.0");
  a.emplace_back("ice-ufrag", single_line(local.ice_ufrag));
  a.emplace_back("ice-pwd", single_line(local.ice_pwd));
  a.emplace_back("fingerprint", "sha-256 " + normalize_fingerprint(local.fingerprint_sha256));
  a.emplace_back("setup", "actpass");
  a.emplace_back("mid", single_line(video.mid));
  a.emplace_back(std::string(to_string(video.direction)), "");
  const bool sending = video.direction == Direction::SendOnly || video.direction == Direction::SendRecv;
  // One msid stream for audio and video: browsers play them as one MediaStream, in sync.
  const std::string msid = single_line(local.msid_stream + " " + video.msid_track);
  if (sending) a.emplace_back("msid", msid);
  a.emplace_back("rtcp-mux", "");
  a.emplace_back("rtcp-rsize", "");
  a.emplace_back("rtpmap", pt + " " + std::string(codec_name(video.codec)) + "/90000");
  if (video.codec == VideoCodec::h264) a.emplace_back("fmtp", pt + " " + std::string(kH264Fmtp));
  for (const auto feedback : kFeedback) {
    if (feedback == "nack" && !video.nack) continue;
    a.emplace_back("rtcp-fb", pt + " " + std::string(feedback));
  }
  if (rtx) {
    a.emplace_back("rtpmap", rtx_pt + " rtx/90000");
    a.emplace_back("fmtp", rtx_pt + " apt=" + pt);
  }
  if (sending) {
    const std::string ssrc = std::to_string(video.ssrc);
    if (rtx) a.emplace_back("ssrc-group", "FID " + ssrc + " " + std::to_string(*video.rtx_ssrc));
    for (const auto& each : rtx ? std::vector<std::string>{ssrc, std::to_string(*video.rtx_ssrc)}
                                : std::vector<std::string>{ssrc}) {
      a.emplace_back("ssrc", each + " cname:" + single_line(local.cname));
      a.emplace_back("ssrc", each + " msid:" + msid);
    }
  }
  // Same transport as the audio (BUNDLE): the same candidates, as browsers write them.
  detail::add_candidates(m, local.candidates);
  return m;
}

std::string build_audio_video_offer(const LocalMediaParams& local, const LocalVideoParams& video) {
  return build_audio_video_offer(local, video, detail::random_session_id());
}

std::string build_audio_video_offer(const LocalMediaParams& local, const LocalVideoParams& video,
                                    uint64_t session_id) {
  const LocalAudioParams audio{local.ssrc,      local.mid,     local.msid_track, local.direction,
                               local.opus_pt,   local.audio_level_ext_id,        local.stereo};
  return build_offer(local, {audio, video}, session_id);
}

std::optional<RemoteVideoParams> parse_remote_video(std::string_view sdp, std::string_view mid, VideoCodec codec) {
  const auto sd = SessionDescription::parse(sdp);
  if (!sd) return std::nullopt;
  for (const auto& m : sd->media) {
    if (!iequals(m.media, "video") || trim(m.attribute("mid").value_or("")) != mid) continue;
    RemoteVideoParams r;
    r.mid = std::string(mid);
    r.direction = detail::find_direction(m.attributes).value_or(Direction::SendRecv);
    r.payload_type = find_video_payload_type(m, codec);
    if (r.payload_type) {
      r.rtx_payload_type = find_rtx_payload_type(m, *r.payload_type);
      const std::string prefix = std::to_string(*r.payload_type) + " ";
      for (const auto fb : m.attributes_named("rtcp-fb")) {
        const auto value = trim(fb);
        if (value.starts_with(prefix)) r.feedback.insert(detail::to_lower(trim(value.substr(prefix.size()))));
        if (value.starts_with("* ")) r.feedback.insert(detail::to_lower(trim(value.substr(2))));
      }
    }
    const bool server_receives = r.direction == Direction::RecvOnly || r.direction == Direction::SendRecv;
    r.accepted = m.port != 0 && r.payload_type && server_receives;
    return r;
  }
  return std::nullopt;
}

}  // namespace roomcast::sdp
