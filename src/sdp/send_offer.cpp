// Our publisher offer of N send sections, and the answer's view of an audio one.
#include "sdp/send_offer.hpp"

#include <type_traits>

#include "sdp/sections.hpp"
#include "sdp/text.hpp"

namespace roomcast::sdp {

namespace {
bool sends(Direction direction) { return direction == Direction::SendOnly || direction == Direction::SendRecv; }

MediaSection audio_offer_section(const LocalMediaParams& transport, const LocalAudioParams& audio) {
  LocalMediaParams local = transport;
  local.ssrc = audio.ssrc;
  local.msid_track = audio.msid_track;
  local.stereo = audio.stereo;
  return detail::audio_section(local, {std::string(detail::kRtpProfile), "actpass", audio.mid, audio.opus_pt,
                                       audio.audio_level_ext_id, audio.direction, true});
}
}  // namespace

std::string build_offer(const LocalMediaParams& local, const std::vector<LocalSection>& sections,
                        uint64_t session_id) {
  std::string bundle;
  bool any_sending = false;
  for (const auto& section : sections) {
    std::visit([&](const auto& s) {
      bundle += (bundle.empty() ? "" : " ") + s.mid;
      if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, LocalDataParams>)
        any_sending = any_sending || sends(s.direction);
    }, section);
  }
  SessionDescription sd = detail::session_header(session_id, bundle, any_sending ? local.msid_stream : "");
  for (const auto& section : sections) {
    if (const auto* audio = std::get_if<LocalAudioParams>(&section))
      sd.media.push_back(audio_offer_section(local, *audio));
    else if (const auto* data = std::get_if<LocalDataParams>(&section))
      sd.media.push_back(data_section(local, *data));
    else
      sd.media.push_back(video_section(local, std::get<LocalVideoParams>(section)));
  }
  return sd.to_string();
}

std::optional<RemoteAudioAnswer> parse_remote_audio_answer(std::string_view sdp, std::string_view mid) {
  const auto sd = SessionDescription::parse(sdp);
  if (!sd) return std::nullopt;
  for (const auto& m : sd->media) {
    if (!detail::iequals(m.media, "audio") || detail::trim(m.attribute("mid").value_or("")) != mid) continue;
    RemoteAudioAnswer r;
    r.direction = detail::find_direction(m.attributes).value_or(Direction::SendRecv);
    r.opus_pt = detail::find_opus(m);
    r.audio_level_ext_id = detail::find_extmap(m.attributes, kAudioLevelUri);
    r.accepted = m.port != 0 && r.opus_pt && (r.direction == Direction::RecvOnly || r.direction == Direction::SendRecv);
    return r;
  }
  return std::nullopt;
}

}  // namespace roomcast::sdp
