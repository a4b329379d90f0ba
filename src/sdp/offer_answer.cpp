// JSEP audio offer/answer for Janus VideoRoom: RFC 8829 §5.2/§5.3, RFC 3264 §6, RFC 5763 §5,
// RFC 8843 (BUNDLE), RFC 5761 (rtcp-mux), RFC 7587 §7 (Opus SDP), RFC 8840 (end-of-candidates).
#include "sdp/offer_answer.hpp"

#include "sdp/sections.hpp"
#include "sdp/session_description.hpp"
#include "sdp/text.hpp"

#include <algorithm>
#include <array>
#include <random>

namespace roomcast::sdp {
namespace detail {

using detail::iequals;
using detail::parse_uint;
using detail::single_line;
using detail::split_ws;
using detail::to_lower;
using detail::trim;

constexpr std::string_view kOpusFmtp = "minptime=10;useinbandfec=1";

uint64_t random_session_id() {
  std::random_device rd;
  const uint64_t v = (uint64_t{rd()} << 32) ^ rd();
  return (v & 0x3FFFFFFFFFFFFFFFULL) | 1; // positive, like browsers, and never 0
}

bool sends(Direction d) { return d == Direction::SendOnly || d == Direction::SendRecv; }
bool receives(Direction d) { return d == Direction::RecvOnly || d == Direction::SendRecv; }

void fail(std::string* why_not, std::string reason) {
  if (why_not) *why_not = std::move(reason);
}

// v=, o=, s=, t= and the session attributes both our offer and answer carry.
SessionDescription session_header(uint64_t session_id, std::string_view bundle_mid,
                                  std::string_view msid_stream) {
  SessionDescription sd;
  sd.lines = {{'v', "0"},
              {'o', "- " + std::to_string(session_id) + " 2 IN IP4 127.0.0.1"},
              {'s', "-"},
              {'t', "0 0"}};
  if (!bundle_mid.empty()) sd.attributes.emplace_back("group", "BUNDLE " + single_line(bundle_mid));
  std::string semantic = " WMS";
  if (!msid_stream.empty()) semantic += " " + single_line(msid_stream);
  sd.attributes.emplace_back("msid-semantic", semantic);
  return sd;
}

void add_candidates(MediaSection& m, const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    std::string_view line = trim(c);
    if (line.starts_with("a=")) line.remove_prefix(2);
    if (line.starts_with("candidate:")) line.remove_prefix(std::string_view("candidate:").size());
    m.attributes.emplace_back("candidate", single_line(line));
  }
  if (!candidates.empty()) m.attributes.emplace_back("end-of-candidates", "");
}

MediaSection audio_section(const LocalMediaParams& local, const AudioSectionSpec& spec) {
  const std::string pt = std::to_string(spec.opus_pt);
  MediaSection m;
  m.media = "audio";
  m.port = 9; // RFC 8829 §5.2.1: real addresses are in the candidates
  m.proto = spec.proto;
  m.formats = {pt};
  m.lines = {{'c', "IN IP4 0.0.0.0"}};
  auto& a = m.attributes;
  a.emplace_back("rtcp", "9 IN IP4 0.0.0.0");
  a.emplace_back("ice-ufrag", single_line(local.ice_ufrag));
  a.emplace_back("ice-pwd", single_line(local.ice_pwd));
  a.emplace_back("fingerprint", "sha-256 " + normalize_fingerprint(local.fingerprint_sha256));
  a.emplace_back("setup", spec.setup);
  if (!spec.mid.empty()) a.emplace_back("mid", single_line(spec.mid));
  if (spec.audio_level_ext_id) {
    a.emplace_back("extmap",
                   std::to_string(*spec.audio_level_ext_id) + " " + std::string(kAudioLevelUri));
  }
  if (spec.mid_ext_id) {
    a.emplace_back("extmap", std::to_string(*spec.mid_ext_id) + " " + std::string(kMidUri));
  }
  a.emplace_back(std::string(to_string(spec.direction)), "");
  const std::string msid = single_line(local.msid_stream + " " + local.msid_track);
  if (sends(spec.direction)) a.emplace_back("msid", msid);
  if (spec.rtcp_mux) a.emplace_back("rtcp-mux", "");
  a.emplace_back("rtpmap", pt + " opus/48000/2"); // RFC 7587 §7: always 48000/2
  std::string fmtp = pt + " " + std::string(kOpusFmtp);
  // RFC 7587 §7.1: sprop-stereo says we send stereo; stereo=1 that we would take it too,
  // which Janus reads as "this publisher is stereo" and repeats to its subscribers.
  if (local.stereo && sends(spec.direction)) fmtp += ";stereo=1;sprop-stereo=1";
  a.emplace_back("fmtp", fmtp);
  if (sends(spec.direction)) {
    const std::string ssrc = std::to_string(local.ssrc);
    a.emplace_back("ssrc", ssrc + " cname:" + single_line(local.cname));
    a.emplace_back("ssrc", ssrc + " msid:" + msid);
  }
  if (spec.with_candidates) add_candidates(m, local.candidates);
  return m;
}

MediaSection rejected_section(const RemoteMediaLine& line) {
  // RFC 3264 §6: a rejected stream keeps its place with port 0.
  MediaSection rejected;
  rejected.media = line.media;
  rejected.port = 0;
  rejected.proto = line.proto;
  rejected.formats = line.formats.empty() ? std::vector<std::string>{"0"} : line.formats;
  rejected.lines = {{'c', "IN IP4 0.0.0.0"}};
  if (!line.mid.empty()) rejected.attributes.emplace_back("mid", line.mid);
  rejected.attributes.emplace_back("inactive", "");
  return rejected;
}

// The first m= section of the BUNDLE group that `mid` belongs to (RFC 8843 §7.2.1 tag).
const MediaSection* bundle_transport(const SessionDescription& sd, std::string_view mid) {
  if (mid.empty()) return nullptr;
  for (const auto group : sd.attributes_named("group")) {
    const auto tokens = split_ws(group);
    if (tokens.size() < 2 || !iequals(tokens[0], "BUNDLE")) continue;
    if (std::find(tokens.begin() + 1, tokens.end(), mid) == tokens.end()) continue;
    for (const auto& m : sd.media) {
      const auto m_mid = m.attribute("mid");
      if (m_mid && trim(*m_mid) == tokens[1]) return &m;
    }
  }
  return nullptr;
}

std::optional<uint32_t> parse_ssrc(std::string_view s) {
  if (auto v = parse_uint<uint32_t>(s, 0xFFFFFFFFULL)) return v;
  // Old Janus printed SSRCs as signed 32-bit integers.
  if (s.starts_with('-')) {
    if (auto magnitude = parse_uint<uint64_t>(s.substr(1), 0x80000000ULL)) {
      return static_cast<uint32_t>(0x100000000ULL - *magnitude);
    }
  }
  return std::nullopt;
}

bool is_fingerprint_text(std::string_view f) {
  if (f.empty()) return false;
  return std::all_of(f.begin(), f.end(), [](char c) {
    return c == ':' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// Opus payload type in m= preference order: an rtpmap "opus/48000[/2]" for a listed format.
std::optional<uint8_t> find_opus(const MediaSection& m) {
  std::array<bool, 128> is_opus{};
  for (const auto rtpmap : m.attributes_named("rtpmap")) {
    const auto tokens = split_ws(rtpmap);
    if (tokens.size() < 2) continue;
    const auto pt = parse_uint<uint8_t>(tokens[0], 127);
    const std::string_view encoding = tokens[1];
    const auto slash = encoding.find('/');
    if (!pt || slash == std::string_view::npos) continue;
    if (!iequals(encoding.substr(0, slash), kOpusCodecName)) continue;
    const auto rate = encoding.substr(slash + 1, encoding.find('/', slash + 1) - slash - 1);
    if (rate == "48000") is_opus[*pt] = true;
  }
  for (const auto& format : m.formats) {
    const auto pt = parse_uint<uint8_t>(format, 127);
    if (pt && is_opus[*pt]) return pt;
  }
  return std::nullopt;
}

std::string find_fmtp(const MediaSection& m, uint8_t pt) {
  const std::string key = std::to_string(pt);
  for (const auto fmtp : m.attributes_named("fmtp")) {
    const auto tokens = split_ws(fmtp);
    if (tokens.size() >= 2 && tokens[0] == key) {
      return std::string(
          trim(fmtp.substr(static_cast<std::size_t>(tokens[1].data() - fmtp.data()))));
    }
  }
  return {};
}

// a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285 §5).
std::optional<uint8_t> find_extmap(const std::vector<Attribute>& attributes, std::string_view uri) {
  for (const auto extmap : find_attributes(attributes, "extmap")) {
    const auto tokens = split_ws(extmap);
    if (tokens.size() < 2 || tokens[1] != uri) continue;
    const auto id = parse_uint<uint8_t>(tokens[0].substr(0, tokens[0].find('/')), 255);
    if (id && *id >= 1) return id;
  }
  return std::nullopt;
}

std::optional<Direction> find_direction(const std::vector<Attribute>& attributes) {
  for (const auto& [key, value] : attributes) {
    if (auto d = parse_direction(key)) return d;
  }
  return std::nullopt;
}

std::string connection_address(std::optional<std::string_view> c_line) {
  if (!c_line) return {};
  const auto tokens = split_ws(*c_line);
  if (tokens.size() < 3) return {};
  return std::string(tokens[2].substr(0, tokens[2].find('/')));
}

} // namespace detail

using namespace detail;

std::string_view to_string(Direction direction) {
  switch (direction) {
  case Direction::SendOnly:
    return "sendonly";
  case Direction::RecvOnly:
    return "recvonly";
  case Direction::Inactive:
    return "inactive";
  case Direction::SendRecv:
    break;
  }
  return "sendrecv";
}

std::optional<Direction> parse_direction(std::string_view name) {
  if (iequals(name, "sendrecv")) return Direction::SendRecv;
  if (iequals(name, "sendonly")) return Direction::SendOnly;
  if (iequals(name, "recvonly")) return Direction::RecvOnly;
  if (iequals(name, "inactive")) return Direction::Inactive;
  return std::nullopt;
}

Direction answer_direction(Direction offered, Direction local) {
  switch (offered) {
  case Direction::SendOnly:
    return receives(local) ? Direction::RecvOnly : Direction::Inactive;
  case Direction::RecvOnly:
    return sends(local) ? Direction::SendOnly : Direction::Inactive;
  case Direction::Inactive:
    return Direction::Inactive;
  case Direction::SendRecv:
    break;
  }
  return local;
}

std::string normalize_fingerprint(std::string_view fingerprint) {
  return detail::to_upper(single_line(trim(fingerprint)));
}

std::string build_audio_offer(const LocalMediaParams& local) {
  return build_audio_offer(local, random_session_id());
}

std::string build_audio_offer(const LocalMediaParams& local, uint64_t session_id) {
  SessionDescription sd =
      session_header(session_id, local.mid, sends(local.direction) ? local.msid_stream : "");
  sd.media.push_back(
      audio_section(local, {std::string(kRtpProfile), "actpass", local.mid, local.opus_pt,
                            local.audio_level_ext_id, local.direction, true}));
  return sd.to_string();
}

std::optional<RemoteMediaParams> parse_remote_audio(std::string_view sdp, std::string* why_not) {
  return detail::parse_remote_media(sdp, why_not, false);
}

namespace detail {

std::optional<RemoteMediaParams> parse_remote_media(std::string_view sdp, std::string* why_not,
                                                    bool video_fallback) {
  const auto sd = SessionDescription::parse(sdp);
  if (!sd) {
    fail(why_not, "not a session description (a line is not <letter>=<value>, or no v= first)");
    return std::nullopt;
  }

  RemoteMediaParams r;
  std::optional<std::size_t> audio_index;
  for (std::size_t i = 0; i < sd->media.size(); ++i) {
    const auto& m = sd->media[i];
    r.media_lines.push_back(
        {m.media, m.port, m.proto, m.formats, std::string(trim(m.attribute("mid").value_or("")))});
    if (!audio_index && iequals(m.media, "audio") && m.port != 0) audio_index = i;
  }
  // A subscription that carries only video takes its transport from the first video section.
  bool is_audio = audio_index.has_value();
  for (std::size_t i = 0; video_fallback && !audio_index && i < sd->media.size(); ++i)
    if (iequals(sd->media[i].media, "video") && sd->media[i].port != 0) audio_index = i;
  // ... or, carrying only data channels (messages), from the data section.
  bool is_data = false;
  for (std::size_t i = 0; video_fallback && !audio_index && i < sd->media.size(); ++i)
    if (iequals(sd->media[i].media, "application") && sd->media[i].port != 0) {
      audio_index = i;
      is_data = true;
    }
  if (!audio_index) {
    fail(why_not, video_fallback ? "no m=audio, m=video or m=application section with a non-zero port"
                                 : "no m=audio section with a non-zero port");
    return std::nullopt;
  }
  const std::string kind = is_audio ? "audio" : is_data ? "data" : "video";
  r.audio_index = *audio_index;
  const MediaSection& audio = sd->media[*audio_index];
  // WebRTC media is DTLS-SRTP with RTCP feedback (RFC 5764 §8, RFC 8827): a plain RTP/AVP
  // (or SAVP without feedback) section would mean unencrypted or unusable media. Data
  // channels are SCTP over DTLS (RFC 8841).
  const std::string_view proto = audio.proto;
  const std::string_view wanted = is_data ? "DTLS/SCTP" : "RTP/SAVPF";
  if (proto.size() < wanted.size() || !iequals(proto.substr(proto.size() - wanted.size()), wanted)) {
    fail(why_not, "the " + kind + " section's transport is " + audio.proto + ", not " +
                      (is_data ? "UDP/DTLS/SCTP (RFC 8841)" : "UDP/TLS/RTP/SAVPF (DTLS-SRTP, RFC 5764); refusing unencrypted media"));
    return std::nullopt;
  }
  r.mid = r.media_lines[*audio_index].mid;
  const MediaSection* transport = bundle_transport(*sd, r.mid);

  // Media level, then the BUNDLE tag section, then session level.
  const auto lookup = [&](std::string_view key) -> std::optional<std::string_view> {
    if (auto v = audio.attribute(key)) return trim(*v);
    if (transport) {
      if (auto v = transport->attribute(key)) return trim(*v);
    }
    if (auto v = sd->attribute(key)) return trim(*v);
    return std::nullopt;
  };

  const auto ufrag = lookup("ice-ufrag");
  const auto pwd = lookup("ice-pwd");
  if (!ufrag || !pwd || ufrag->empty() || pwd->empty()) {
    fail(why_not, "no a=ice-ufrag / a=ice-pwd for the " + kind + " section");
    return std::nullopt;
  }
  r.ice_ufrag = std::string(*ufrag);
  r.ice_pwd = std::string(*pwd);
  r.ice_lite = sd->attribute("ice-lite").has_value();

  std::vector<std::string_view> fingerprints = audio.attributes_named("fingerprint");
  if (fingerprints.empty() && transport) fingerprints = transport->attributes_named("fingerprint");
  if (fingerprints.empty()) fingerprints = sd->attributes_named("fingerprint");
  if (fingerprints.empty()) {
    fail(why_not, "no a=fingerprint (DTLS-SRTP needs one, RFC 5763 §5)");
    return std::nullopt;
  }
  auto chosen = fingerprints.front();
  for (const auto f : fingerprints) {
    const auto tokens = split_ws(f);
    if (!tokens.empty() && iequals(tokens[0], "sha-256")) {
      chosen = f;
      break;
    }
  }
  const auto fp_tokens = split_ws(chosen);
  if (fp_tokens.size() < 2 || !is_fingerprint_text(fp_tokens[1])) {
    fail(why_not, "malformed a=fingerprint: " + std::string(chosen));
    return std::nullopt;
  }
  r.fingerprint_algorithm = to_lower(fp_tokens[0]);
  r.fingerprint = normalize_fingerprint(fp_tokens[1]);

  // RFC 4145 §4: an absent a=setup means active.
  r.setup = to_lower(lookup("setup").value_or("active"));
  if (r.setup != "active" && r.setup != "passive" && r.setup != "actpass") {
    fail(why_not, "unsupported a=setup:" + r.setup);
    return std::nullopt;
  }

  r.opus_pt = is_audio ? find_opus(audio) : std::nullopt;
  if (!r.opus_pt && is_audio) {
    fail(why_not, "the audio section offers no opus/48000 payload type");
    return std::nullopt;
  }
  if (r.opus_pt) r.opus_fmtp = find_fmtp(audio, *r.opus_pt);

  r.audio_level_ext_id = find_extmap(audio.attributes, kAudioLevelUri);
  if (!r.audio_level_ext_id) r.audio_level_ext_id = find_extmap(sd->attributes, kAudioLevelUri);

  r.direction = find_direction(audio.attributes)
                    .value_or(find_direction(sd->attributes).value_or(Direction::SendRecv));

  for (const auto ssrc_attr : audio.attributes_named("ssrc")) {
    const auto tokens = split_ws(ssrc_attr);
    if (tokens.empty()) continue;
    const auto ssrc = parse_ssrc(tokens[0]);
    if (ssrc && std::find(r.ssrcs.begin(), r.ssrcs.end(), *ssrc) == r.ssrcs.end()) {
      r.ssrcs.push_back(*ssrc);
    }
  }

  auto candidates = audio.attributes_named("candidate");
  if (candidates.empty() && transport) candidates = transport->attributes_named("candidate");
  for (const auto c : candidates) r.candidates.push_back("candidate:" + std::string(trim(c)));

  r.rtcp_mux =
      audio.has_attribute("rtcp-mux") || (transport && transport->has_attribute("rtcp-mux"));
  r.has_end_of_candidates = audio.has_attribute("end-of-candidates") ||
                            (transport && transport->has_attribute("end-of-candidates")) ||
                            sd->has_attribute("end-of-candidates");
  r.connection_address = connection_address(audio.line('c'));
  if (r.connection_address.empty()) r.connection_address = connection_address(sd->line('c'));
  return r;
}

}  // namespace detail

std::string build_audio_answer(const RemoteMediaParams& offer, const LocalMediaParams& local) {
  return build_audio_answer(offer, local, random_session_id());
}

std::string build_audio_answer(const RemoteMediaParams& offer, const LocalMediaParams& local,
                               uint64_t session_id) {
  const Direction direction = answer_direction(offer.direction, local.direction);
  SessionDescription sd =
      session_header(session_id, offer.mid, sends(direction) ? local.msid_stream : "");

  // RFC 5763 §5: the answerer to actpass picks active; the opposite of a fixed role otherwise.
  const std::string setup = offer.setup == "active" ? "passive" : "active";
  const bool known_lines = offer.audio_index < offer.media_lines.size();
  const std::string proto =
      known_lines ? offer.media_lines[offer.audio_index].proto : std::string(kRtpProfile);
  const AudioSectionSpec spec{proto,
                              setup,
                              offer.mid,
                              offer.opus_pt.value_or(local.opus_pt),
                              local.audio_level_ext_id ? offer.audio_level_ext_id : std::nullopt,
                              direction,
                              offer.rtcp_mux};

  if (!known_lines) {
    sd.media.push_back(audio_section(local, spec));
    return sd.to_string();
  }
  for (std::size_t i = 0; i < offer.media_lines.size(); ++i) {
    if (i == offer.audio_index) {
      sd.media.push_back(audio_section(local, spec));
      continue;
    }
    sd.media.push_back(rejected_section(offer.media_lines[i]));
  }
  return sd.to_string();
}

} // namespace roomcast::sdp
