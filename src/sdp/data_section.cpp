// The m=application section of data channels (RFC 8841 §5-6; JSEP, RFC 8829 §5.2.1).
#include "sdp/data_section.hpp"

#include <algorithm>
#include <charconv>

#include "sdp/sections.hpp"
#include "sdp/text.hpp"

namespace roomcast::sdp {

using detail::iequals;
using detail::single_line;
using detail::trim;

namespace {

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  text = trim(text);
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

bool offers_data_channels(const RemoteMediaLine& line) {
  if (!iequals(line.media, "application") || line.port == 0) return false;
  if (iequals(line.proto, "DTLS/SCTP")) return true;
  if (!iequals(line.proto, kDataProto) && !iequals(line.proto, "TCP/DTLS/SCTP")) return false;
  return std::find(line.formats.begin(), line.formats.end(), kDataFormat) != line.formats.end();
}

MediaSection data_section(const LocalMediaParams& local, const LocalDataParams& data,
                          std::string_view setup, bool with_candidates) {
  MediaSection m;
  m.media = "application";
  m.port = 9;
  m.proto = std::string(kDataProto);
  m.formats = {std::string(kDataFormat)};
  m.lines = {{'c', "IN IP4 0.0.0.0"}};
  auto& a = m.attributes;
  a.emplace_back("ice-ufrag", single_line(local.ice_ufrag));
  a.emplace_back("ice-pwd", single_line(local.ice_pwd));
  a.emplace_back("fingerprint", "sha-256 " + normalize_fingerprint(local.fingerprint_sha256));
  a.emplace_back("setup", std::string(setup));
  a.emplace_back("mid", single_line(data.mid));
  a.emplace_back("sctp-port", std::to_string(data.sctp_port));
  a.emplace_back("max-message-size", std::to_string(data.max_message_size));
  if (!with_candidates) return m;
  // Same transport as the media sections (BUNDLE): the same candidates, as browsers write them.
  detail::add_candidates(m, local.candidates);
  return m;
}

std::optional<RemoteData> parse_remote_data(std::string_view sdp, std::string_view mid) {
  const auto sd = SessionDescription::parse(sdp);
  if (!sd) return std::nullopt;
  for (const auto& m : sd->media) {
    if (!iequals(m.media, "application") || trim(m.attribute("mid").value_or("")) != mid) continue;
    RemoteData r;
    const bool current = iequals(m.proto, kDataProto) || iequals(m.proto, "TCP/DTLS/SCTP");
    const bool draft = iequals(m.proto, "DTLS/SCTP");
    bool datachannel = false;
    if (current) {
      for (const auto& format : m.formats) datachannel = datachannel || format == kDataFormat;
      if (auto port = m.attribute("sctp-port")) {
        const auto value = parse_number<uint16_t>(*port);
        if (!value) return r;  // unusable: not accepted
        r.sctp_port = *value;
      }
    } else if (draft && !m.formats.empty()) {
      // m=application 9 DTLS/SCTP 5000 / a=sctpmap:5000 webrtc-datachannel 16
      const auto port = parse_number<uint16_t>(m.formats[0]);
      for (const auto map : m.attributes_named("sctpmap"))
        datachannel = datachannel || (port && map.find(kDataFormat) != std::string_view::npos);
      if (port) r.sctp_port = *port;
    }
    if (auto size = m.attribute("max-message-size")) {
      const auto value = parse_number<uint64_t>(*size);
      if (!value) return r;
      r.max_message_size = static_cast<size_t>(*value);
    }
    r.accepted = m.port != 0 && (current || draft) && datachannel;
    return r;
  }
  return std::nullopt;
}

}  // namespace roomcast::sdp
