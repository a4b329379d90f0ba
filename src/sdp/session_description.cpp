// SDP text <-> SessionDescription (RFC 8866 §5, §5.14 media descriptions).
#include "sdp/session_description.hpp"

#include "sdp/text.hpp"

namespace roomcast::sdp {
namespace {

using detail::iequals;
using detail::parse_uint;
using detail::split_ws;

Attribute split_attribute(std::string_view value) {
  const auto colon = value.find(':');
  if (colon == std::string_view::npos) return {std::string(value), std::string()};
  return {std::string(value.substr(0, colon)), std::string(value.substr(colon + 1))};
}

std::optional<MediaSection> parse_media_line(std::string_view value) {
  const auto tokens = split_ws(value);
  if (tokens.size() < 3) return std::nullopt;
  MediaSection m;
  m.media = std::string(tokens[0]);
  std::string_view port = tokens[1];
  if (const auto slash = port.find('/'); slash != std::string_view::npos) {
    m.port_count = parse_uint<uint16_t>(port.substr(slash + 1), 65535);
    if (!m.port_count) return std::nullopt;
    port = port.substr(0, slash);
  }
  const auto port_number = parse_uint<uint16_t>(port, 65535);
  if (!port_number) return std::nullopt;
  m.port = *port_number;
  m.proto = std::string(tokens[2]);
  for (std::size_t i = 3; i < tokens.size(); ++i) m.formats.emplace_back(tokens[i]);
  return m;
}

std::optional<std::string_view> find_line(const std::vector<Line>& lines, char type) {
  for (const auto& l : lines) {
    if (l.type == type) return l.value;
  }
  return std::nullopt;
}

void append_line(std::string& out, char type, std::string_view value) {
  out += type;
  out += '=';
  out += value;
  out += "\r\n";
}

void append_attributes(std::string& out, const std::vector<Attribute>& attributes) {
  for (const auto& [key, value] : attributes) {
    out += "a=";
    out += key;
    if (!value.empty()) {
      out += ':';
      out += value;
    }
    out += "\r\n";
  }
}

} // namespace

std::optional<std::string_view> find_attribute(const std::vector<Attribute>& attributes,
                                               std::string_view key) {
  for (const auto& [k, v] : attributes) {
    if (iequals(k, key)) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> find_attributes(const std::vector<Attribute>& attributes,
                                              std::string_view key) {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : attributes) {
    if (iequals(k, key)) out.emplace_back(v);
  }
  return out;
}

std::optional<std::string_view> MediaSection::line(char type) const {
  return find_line(lines, type);
}

std::string MediaSection::media_line() const {
  std::string out = media + ' ' + std::to_string(port);
  if (port_count) out += '/' + std::to_string(*port_count);
  out += ' ' + proto;
  for (const auto& f : formats) out += ' ' + f;
  return out;
}

std::optional<std::string_view> SessionDescription::line(char type) const {
  return find_line(lines, type);
}

std::optional<SessionDescription> SessionDescription::parse(std::string_view text) {
  SessionDescription sd;
  bool first = true;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view raw = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (detail::trim(raw).empty()) continue;
    // RFC 8866 §9 (byte-string): no NUL or CR inside a line. Values we echo into an answer
    // (mid, proto, formats) must not smuggle a line break into it.
    if (raw.find('\0') != std::string_view::npos || raw.find('\r') != std::string_view::npos)
      return std::nullopt;

    if (raw.size() < 2 || raw[1] != '=' || raw[0] < 'a' || raw[0] > 'z') return std::nullopt;
    const char type = raw[0];
    const std::string_view value = raw.substr(2);
    if (first) {
      if (type != 'v') return std::nullopt;
      first = false;
    }

    if (type == 'm') {
      auto section = parse_media_line(value);
      if (!section) return std::nullopt;
      sd.media.push_back(std::move(*section));
    } else if (type == 'a') {
      auto& attributes = sd.media.empty() ? sd.attributes : sd.media.back().attributes;
      attributes.push_back(split_attribute(value));
    } else {
      auto& lines = sd.media.empty() ? sd.lines : sd.media.back().lines;
      lines.push_back({type, std::string(value)});
    }
  }
  if (first) return std::nullopt; // no lines at all
  return sd;
}

std::string SessionDescription::to_string() const {
  std::string out;
  for (const auto& l : lines) append_line(out, l.type, l.value);
  append_attributes(out, attributes);
  for (const auto& m : media) {
    append_line(out, 'm', m.media_line());
    for (const auto& l : m.lines) append_line(out, l.type, l.value);
    append_attributes(out, m.attributes);
  }
  return out;
}

} // namespace roomcast::sdp
