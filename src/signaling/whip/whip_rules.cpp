// WHIP's header rules and refusal texts: RFC 8288 links, RFC 3986 references by GLib's GUri,
// HTTP dates by libsoup.
#include "signaling/whip/whip_rules.hpp"

#include <glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <cctype>

#include "core/log.hpp"

namespace roomcast::signaling::whip {

namespace {

std::string trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// Splits at `separator` where it is neither inside <...> nor inside a quoted string.
std::vector<std::string> split_outside(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false, bracketed = false, escaped = false;
  for (char c : text) {
    if (escaped) {
      escaped = false;
    } else if (quoted && c == '\\') {
      escaped = true;
    } else if (c == '"' && !bracketed) {
      quoted = !quoted;
    } else if (!quoted && c == '<') {
      bracketed = true;
    } else if (!quoted && c == '>') {
      bracketed = false;
    } else if (!quoted && !bracketed && c == separator) {
      parts.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  parts.push_back(current);
  return parts;
}

/// A link parameter's value: a quoted string (RFC 9110 §5.6.4, backslash escapes) or a token.
std::optional<std::string> param_value(const std::string& raw) {
  std::string value = trim(raw);
  if (value.empty() || value.front() != '"') return value;
  if (value.size() < 2 || value.back() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

bool is_ice_url(const std::string& url) {
  return url.rfind("stun:", 0) == 0 || url.rfind("turn:", 0) == 0 || url.rfind("turns:", 0) == 0;
}

/// One line of the server's text, printable and short (it goes into an error line).
std::string excerpt(const std::string& body) {
  constexpr size_t kMax = 120;
  std::string out;
  for (char c : body) {
    if (c == '\r' || c == '\n') break;
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
    if (out.size() >= kMax) {
      out += "...";
      break;
    }
  }
  return trim(out);
}

}  // namespace

std::vector<IceServer> parse_ice_server_links(const std::string& links) {
  std::vector<IceServer> servers;
  for (const auto& link : split_outside(links, ',')) {
    auto params = split_outside(link, ';');
    const std::string target = trim(params.front());
    if (target.size() < 2 || target.front() != '<' || target.back() != '>') {
      if (!target.empty()) core::log_debug("whip: dropping a malformed Link header entry");
      continue;
    }
    IceServer server;
    const std::string url = target.substr(1, target.size() - 2);
    bool ice_server = false, malformed = false;
    for (size_t i = 1; i < params.size(); ++i) {
      const std::string param = trim(params[i]);
      const auto equals = param.find('=');
      if (equals == std::string::npos) continue;
      const std::string name = lower(trim(param.substr(0, equals)));
      auto value = param_value(param.substr(equals + 1));
      if (!value) {
        malformed = true;
        break;
      }
      if (name == "rel") {
        // rel is a space-separated list of relation types (RFC 8288 §3.3).
        for (const auto& rel : split_outside(lower(*value), ' '))
          if (rel == "ice-server") ice_server = true;
      } else if (name == "username") {
        server.username = *value;
      } else if (name == "credential") {
        server.credential = *value;
      }
    }
    if (malformed || !ice_server || !is_ice_url(url)) continue;
    server.urls = {url};
    servers.push_back(std::move(server));
  }
  return servers;
}

std::optional<std::string> resolve_location(const std::string& base, const std::string& location) {
  const std::string target = trim(location);
  if (target.empty()) return std::nullopt;
  GError* error = nullptr;
  char* resolved = g_uri_resolve_relative(base.c_str(), target.c_str(), G_URI_FLAGS_NONE, &error);
  if (!resolved) {
    core::log_debug("whip: unusable Location: ", error ? error->message : "unknown error");
    g_clear_error(&error);
    return std::nullopt;
  }
  std::string out = resolved;
  g_free(resolved);
  if (out.rfind("http://", 0) != 0 && out.rfind("https://", 0) != 0) return std::nullopt;
  return out;
}

std::string last_segment(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.pop_back();
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value,
                                                      std::chrono::system_clock::time_point now) {
  const std::string text = trim(value);
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 9) return std::chrono::seconds(999999999);  // absurdly long: the caller gives up
    return std::chrono::seconds(std::stol(text));
  }
  GDateTime* date = soup_date_time_new_from_http_string(text.c_str());
  if (!date) return std::nullopt;
  const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(g_date_time_to_unix(date)));
  g_date_time_unref(date);
  return std::max(std::chrono::seconds(0), std::chrono::duration_cast<std::chrono::seconds>(when - now));
}

std::string refusal_text(const HttpRefusal& refusal, const std::string& url, const std::string& what,
                         bool token_given, const std::string& protocol) {
  std::string status = "HTTP " + std::to_string(refusal.status);
  if (!refusal.reason.empty()) status += " " + refusal.reason;
  if (auto text = excerpt(refusal.body); !text.empty()) status += ": '" + text + "'";
  const std::string head = "the " + protocol + " server at " + url + " refused " + what + " (" + status + "); ";
  switch (refusal.status) {
    case 401:
    case 403:
      return head + (token_given ? "check the token: pass the one this endpoint expects"
                                 : "the endpoint needs a token: pass it") +
             " with --token or ROOMCAST_TOKEN (MeetingConfig::token)";
    case 404:
      return head + "there is no " + protocol + " endpoint at that URL; check it (the endpoint URL the server's "
                    "operator gives, e.g. http://HOST:7080/whip/endpoint/ID)";
    case 405:
      return head + "that URL does not take a " + protocol + " POST; check that it is the endpoint URL, not a page or a "
                    "resource";
    case 400:
    case 406:
    case 415:
    case 422:
      return head + "the server did not take our SDP offer (Opus audio, VP8 or H.264 video, sent as "
                    "application/sdp); check what the server accepts (its log says why)";
    case 409:
      return head + "the endpoint is busy with another publisher; stop that one or use another endpoint";
    case 503:
      return head + "the server is unavailable; try again later";
    default:
      if (refusal.status >= 500)
        return head + "the server failed; try again, and check the server's log if it goes on";
      return head + (protocol == "WHEP" ? "a WHEP endpoint answers with 201 Created or 406 and its own offer; check the URL"
                                         : "a WHIP endpoint answers an offer with 201 Created; check the URL");
  }
}

std::vector<std::string> sdp_lines(const std::string& sdp) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < sdp.size()) {
    std::size_t end = sdp.find('\n', start);
    if (end == std::string::npos) end = sdp.size();
    std::string line = sdp.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

namespace {
bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

std::string ice_restart_fragment(const std::string& offer) {
  std::string ufrag, pwd, media, mid;
  std::vector<std::string> candidates;
  bool in_first = false, past_first = false;
  for (const auto& line : sdp_lines(offer)) {
    if (starts_with(line, "m=")) {
      past_first = in_first;
      in_first = !past_first;
      if (in_first) media = line.substr(2, line.find(' ') - 2);
      continue;
    }
    if (starts_with(line, "a=ice-ufrag:") && ufrag.empty()) ufrag = line.substr(12);
    if (starts_with(line, "a=ice-pwd:") && pwd.empty()) pwd = line.substr(10);
    if (!in_first || past_first) continue;
    if (starts_with(line, "a=mid:")) mid = line.substr(6);
    if (starts_with(line, "a=candidate:")) candidates.push_back(line);
  }
  std::string fragment = "a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\n";
  fragment += "m=" + (media.empty() ? std::string("audio") : media) + " 9 RTP/AVP 0\r\na=mid:" + mid + "\r\n";
  for (const auto& c : candidates) fragment += c + "\r\n";
  fragment += "a=end-of-candidates\r\n";
  return fragment;
}

std::optional<std::pair<std::string, std::string>> ice_credentials(const std::string& sdp) {
  std::string ufrag, pwd;
  for (const auto& line : sdp_lines(sdp)) {
    if (starts_with(line, "a=ice-ufrag:") && ufrag.empty()) ufrag = line.substr(12);
    if (starts_with(line, "a=ice-pwd:") && pwd.empty()) pwd = line.substr(10);
  }
  if (ufrag.empty() || pwd.empty()) return std::nullopt;
  return std::make_pair(ufrag, pwd);
}

std::string with_ice_credentials(const std::string& sdp, const std::string& ufrag, const std::string& pwd) {
  std::string out;
  for (const auto& line : sdp_lines(sdp)) {
    if (starts_with(line, "a=ice-ufrag:")) out += "a=ice-ufrag:" + ufrag;
    else if (starts_with(line, "a=ice-pwd:")) out += "a=ice-pwd:" + pwd;
    else out += line;
    out += "\r\n";
  }
  return out;
}

}  // namespace roomcast::signaling::whip
