// Multistream subscriber offer/answer for Janus VideoRoom 1.x: RFC 8843 (BUNDLE), RFC 3264 §6
// (rejecting with port 0), RFC 8285 (extmap ids), RFC 7587 §7 (Opus), RFC 7741 §6 (VP8),
// RFC 6184 §8.2.2 (H.264: the answer keeps the offer's parameters),
// RFC 4585 §4.2 and RFC 5104 §7.1 (rtcp-fb).
#include "sdp/multistream.hpp"

#include <algorithm>
#include <array>

#include "sdp/sections.hpp"
#include "sdp/session_description.hpp"
#include "sdp/text.hpp"
#include "sdp/video_section.hpp"

namespace roomcast::sdp {

using namespace detail;

namespace {

// The feedback the receive path acts on: it sends NACK and PLI, and FIR is how Janus turns a
// keyframe request into one towards the publisher.
constexpr std::array<std::string_view, 3> kVideoFeedback = {"ccm fir", "nack", "nack pli"};
std::vector<uint32_t> section_ssrcs(const MediaSection &m) {
  std::vector<uint32_t> out;
  for (const auto ssrc_attr : m.attributes_named("ssrc")) {
    const auto tokens = split_ws(ssrc_attr);
    if (tokens.empty())
      continue;
    const auto ssrc = parse_ssrc(tokens[0]);
    if (ssrc && *ssrc != 0 && std::find(out.begin(), out.end(), *ssrc) == out.end())
      out.push_back(*ssrc);
  }
  return out;
}

std::optional<RemoteVideoStream> read_video(const MediaSection &m, const SessionDescription &sd,
                                            Direction session_direction) {
  // VP8 first: cheaper to decode, and what we always could.
  VideoCodec codec = VideoCodec::vp8;
  auto pt = find_video_payload_type(m, codec);
  if (!pt)
    pt = find_video_payload_type(m, codec = VideoCodec::h264);
  if (!pt)
    return std::nullopt;
  RemoteVideoStream s;
  s.mid = std::string(trim(m.attribute("mid").value_or("")));
  s.codec = codec;
  s.payload_type = *pt;
  s.fmtp = find_fmtp(m, *pt);
  const std::string prefix = std::to_string(*pt) + " ";
  for (const auto fb : m.attributes_named("rtcp-fb")) {
    std::string_view value = trim(fb);
    if (value.starts_with(prefix))
      value.remove_prefix(prefix.size());
    else if (value.starts_with("* "))
      value.remove_prefix(2);
    else
      continue;
    const std::string name = to_lower(trim(value));
    for (const auto known : kVideoFeedback)
      if (name == known)
        s.feedback.insert(name);
  }
  s.mid_ext_id = find_extmap(m.attributes, kMidUri);
  if (!s.mid_ext_id)
    s.mid_ext_id = find_extmap(sd.attributes, kMidUri);
  s.direction = find_direction(m.attributes).value_or(session_direction);
  s.ssrcs = section_ssrcs(m);
  return s;
}

MediaSection video_answer_section(const LocalMediaParams &local, const RemoteVideoStream &video,
                                  const std::string &proto, const std::string &setup,
                                  bool rtcp_mux, bool with_candidates) {
  const std::string pt = std::to_string(video.payload_type);
  MediaSection m;
  m.media = "video";
  m.port = 9; // RFC 8829 §5.2.1: real addresses are in the candidates
  m.proto = proto;
  m.formats = {pt};
  m.lines = {{'c', "IN IP4 0.0.0.0"}};
  auto &a = m.attributes;
  a.emplace_back("rtcp", "9 IN IP4 0.0.0.0");
  a.emplace_back("ice-ufrag", single_line(local.ice_ufrag));
  a.emplace_back("ice-pwd", single_line(local.ice_pwd));
  a.emplace_back("fingerprint", "sha-256 " + normalize_fingerprint(local.fingerprint_sha256));
  a.emplace_back("setup", setup);
  if (!video.mid.empty())
    a.emplace_back("mid", single_line(video.mid));
  if (video.mid_ext_id)
    a.emplace_back("extmap", std::to_string(*video.mid_ext_id) + " " + std::string(kMidUri));
  a.emplace_back(std::string(to_string(answer_direction(video.direction, local.direction))), "");
  if (rtcp_mux)
    a.emplace_back("rtcp-mux", "");
  a.emplace_back("rtpmap", pt + " " + std::string(codec_name(video.codec)) + "/90000");
  if (video.codec == VideoCodec::h264 && !video.fmtp.empty())
    a.emplace_back("fmtp", pt + " " + single_line(video.fmtp));
  for (const auto known : kVideoFeedback)
    if (video.feedback.count(std::string(known)))
      a.emplace_back("rtcp-fb", pt + " " + std::string(known));
  if (with_candidates)
    add_candidates(m, local.candidates);
  return m;
}

} // namespace

std::optional<RemoteMultiOffer> parse_remote_multi_audio(std::string_view sdp,
                                                         std::string *why_not) {
  auto transport = parse_remote_media(sdp, why_not, true);
  if (!transport)
    return std::nullopt;
  const auto sd = SessionDescription::parse(sdp);
  if (!sd)
    return std::nullopt; // parse_remote_audio already read it

  RemoteMultiOffer offer;
  offer.transport = std::move(*transport);
  const auto session_direction = find_direction(sd->attributes).value_or(Direction::SendRecv);
  for (std::size_t i = 0; i < sd->media.size(); ++i) {
    const MediaSection &m = sd->media[i];
    if (iequals(m.media, "video") && m.port != 0) {
      if (auto video = read_video(m, *sd, session_direction)) {
        video->index = i;
        offer.video.push_back(std::move(*video));
      }
      continue;
    }
    if (!iequals(m.media, "audio") || m.port == 0)
      continue;
    const auto pt = find_opus(m);
    if (!pt)
      continue;
    RemoteAudioStream s;
    s.index = i;
    s.mid = std::string(trim(m.attribute("mid").value_or("")));
    s.opus_pt = *pt;
    s.audio_level_ext_id = find_extmap(m.attributes, kAudioLevelUri);
    if (!s.audio_level_ext_id)
      s.audio_level_ext_id = find_extmap(sd->attributes, kAudioLevelUri);
    s.mid_ext_id = find_extmap(m.attributes, kMidUri);
    if (!s.mid_ext_id)
      s.mid_ext_id = find_extmap(sd->attributes, kMidUri);
    s.direction = find_direction(m.attributes).value_or(session_direction);
    s.ssrcs = section_ssrcs(m);
    offer.audio.push_back(std::move(s));
  }
  return offer;
}

std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local) {
  return build_multi_audio_answer(offer, local, random_session_id());
}

std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local,
                                     uint64_t session_id) {
  return build_multi_audio_answer(offer, local, session_id, nullptr);
}

std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local,
                                     uint64_t session_id, const LocalDataParams *data) {
  // The data channel section we take, if any: the first one offered.
  std::optional<std::size_t> data_index;
  const auto &lines = offer.transport.media_lines;
  for (std::size_t i = 0; data && !data_index && i < lines.size(); ++i)
    if (offers_data_channels(lines[i]) && !lines[i].mid.empty()) data_index = i;
  // The accepted mids in m= line order.
  std::string bundle;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const bool accepted =
        std::any_of(offer.audio.begin(), offer.audio.end(),
                    [i](const RemoteAudioStream &s) { return s.index == i; }) ||
        std::any_of(offer.video.begin(), offer.video.end(),
                    [i](const RemoteVideoStream &s) { return s.index == i; }) ||
        data_index == i;
    if (!accepted || lines[i].mid.empty())
      continue;
    if (!bundle.empty())
      bundle += ' ';
    bundle += lines[i].mid;
  }
  SessionDescription sd = session_header(session_id, bundle, "");
  // RFC 5763 §5: the answerer to actpass picks active; the opposite of a fixed role otherwise.
  const std::string setup = offer.transport.setup == "active" ? "passive" : "active";
  bool first = true;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (data_index == i) {
      LocalDataParams answered = *data;
      answered.mid = lines[i].mid;
      sd.media.push_back(data_section(local, answered, setup, first));
      first = false;
      continue;
    }
    const auto video = std::find_if(offer.video.begin(), offer.video.end(),
                                    [i](const RemoteVideoStream &s) { return s.index == i; });
    if (video != offer.video.end()) {
      sd.media.push_back(video_answer_section(local, *video, lines[i].proto, setup,
                                              offer.transport.rtcp_mux, first));
      first = false;
      continue;
    }
    const auto it = std::find_if(offer.audio.begin(), offer.audio.end(),
                                 [i](const RemoteAudioStream &s) { return s.index == i; });
    if (it == offer.audio.end()) {
      sd.media.push_back(rejected_section(lines[i]));
      continue;
    }
    AudioSectionSpec spec{lines[i].proto,
                          setup,
                          it->mid,
                          it->opus_pt,
                          local.audio_level_ext_id ? it->audio_level_ext_id : std::nullopt,
                          answer_direction(it->direction, local.direction),
                          offer.transport.rtcp_mux,
                          it->mid_ext_id,
                          first};
    sd.media.push_back(audio_section(local, spec));
    first = false;
  }
  return sd.to_string();
}

} // namespace roomcast::sdp
