// Multistream subscriber offer/answer for Janus VideoRoom 1.x: RFC 8843 (BUNDLE), RFC 3264 §6
// (rejecting with port 0), RFC 8285 (extmap ids), RFC 7587 §7 (Opus).
#include "sdp/multistream.hpp"

#include <algorithm>

#include "sdp/sections.hpp"
#include "sdp/session_description.hpp"
#include "sdp/text.hpp"

namespace roomcast::sdp {

using namespace detail;

std::optional<RemoteMultiOffer> parse_remote_multi_audio(std::string_view sdp,
                                                         std::string *why_not) {
  auto transport = parse_remote_audio(sdp, why_not);
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
    for (const auto ssrc_attr : m.attributes_named("ssrc")) {
      const auto tokens = split_ws(ssrc_attr);
      if (tokens.empty())
        continue;
      const auto ssrc = parse_ssrc(tokens[0]);
      if (ssrc && *ssrc != 0 && std::find(s.ssrcs.begin(), s.ssrcs.end(), *ssrc) == s.ssrcs.end())
        s.ssrcs.push_back(*ssrc);
    }
    offer.audio.push_back(std::move(s));
  }
  return offer;
}

std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local) {
  return build_multi_audio_answer(offer, local, random_session_id());
}

std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local,
                                     uint64_t session_id) {
  std::string bundle;
  for (const auto &s : offer.audio) {
    if (s.mid.empty())
      continue;
    if (!bundle.empty())
      bundle += ' ';
    bundle += s.mid;
  }
  SessionDescription sd = session_header(session_id, bundle, "");
  // RFC 5763 §5: the answerer to actpass picks active; the opposite of a fixed role otherwise.
  const std::string setup = offer.transport.setup == "active" ? "passive" : "active";
  const auto &lines = offer.transport.media_lines;
  bool first = true;
  for (std::size_t i = 0; i < lines.size(); ++i) {
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
