// Generic SDP model (RFC 8866 §5): ordered lines, a= attributes as key/value, media sections.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roomcast::sdp {

// a=key:value; a flag attribute (a=rtcp-mux) has an empty value. Writing "a=key:" with an
// empty value gives "a=key": the one spelling that does not survive a round trip.
using Attribute = std::pair<std::string, std::string>;

// Any non-attribute line, e.g. {'c', "IN IP4 0.0.0.0"}.
struct Line {
  char type = 0;
  std::string value;

  bool operator==(const Line&) const = default;
};

// First value of `key` (names compare ASCII case-insensitively, as Janus and browsers do).
std::optional<std::string_view> find_attribute(const std::vector<Attribute>& attributes,
                                               std::string_view key);
std::vector<std::string_view> find_attributes(const std::vector<Attribute>& attributes,
                                              std::string_view key);

struct MediaSection {
  // m=<media> <port>[/<port_count>] <proto> <formats...>
  std::string media; // "audio", "video", "application"
  uint16_t port = 0;
  std::optional<uint16_t> port_count;
  std::string proto;
  std::vector<std::string> formats;
  std::vector<Line> lines; // i= c= b= k= in their order
  std::vector<Attribute> attributes;

  std::optional<std::string_view> attribute(std::string_view key) const {
    return find_attribute(attributes, key);
  }
  std::vector<std::string_view> attributes_named(std::string_view key) const {
    return find_attributes(attributes, key);
  }
  bool has_attribute(std::string_view key) const { return attribute(key).has_value(); }
  std::optional<std::string_view> line(char type) const;
  std::string media_line() const; // the m= value

  bool operator==(const MediaSection&) const = default;
};

struct SessionDescription {
  std::vector<Line> lines; // v= o= s= ... t= in their order
  std::vector<Attribute> attributes;
  std::vector<MediaSection> media;

  // Accepts CRLF or LF line ends and skips blank lines. Returns nullopt when the first line is
  // not v=, a line is not "<letter>=...", or an m= line has no media, port or proto.
  // Unknown line types and attributes are kept.
  static std::optional<SessionDescription> parse(std::string_view text);

  // CRLF line ends: session lines, session attributes, then each section (m=, lines,
  // attributes). For SDP in RFC order this reproduces every line of the parsed text.
  std::string to_string() const;

  std::optional<std::string_view> attribute(std::string_view key) const {
    return find_attribute(attributes, key);
  }
  std::vector<std::string_view> attributes_named(std::string_view key) const {
    return find_attributes(attributes, key);
  }
  bool has_attribute(std::string_view key) const { return attribute(key).has_value(); }
  std::optional<std::string_view> line(char type) const;

  bool operator==(const SessionDescription&) const = default;
};

} // namespace roomcast::sdp
