// ICE server URLs (RFC 7064 stun:, RFC 7065 turn:) parsed, and their hosts resolved by getaddrinfo.
#include "ice/ice_config.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <charconv>

#include "core/log.hpp"
#include "roomcast/error.hpp"

namespace roomcast::ice {

namespace {

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

std::string example_of(ServerScheme scheme) {
  return scheme == ServerScheme::Stun ? "stun:HOST[:PORT], e.g. stun:stun.example.org:3478"
                                      : "turn:HOST[:PORT][?transport=udp|tcp], e.g. turn:turn.example.org:3478?transport=tcp";
}

// getaddrinfo for one host: the first IPv4 or IPv6 address, numeric; nullopt and `why`.
std::optional<std::string> resolve_host(const std::string& host, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || !found) {
    why = rc != 0 ? gai_strerror(rc) : "no address";
    return std::nullopt;
  }
  char text[NI_MAXHOST] = {0};
  const int named = getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(found);
  if (named != 0) {
    why = gai_strerror(named);
    return std::nullopt;
  }
  return std::string(text);
}

}  // namespace

std::optional<ServerUrl> parse_server_url(const std::string& url, std::string& why) {
  ServerUrl out;
  std::string rest;
  if (starts_with(url, "stun:")) {
    out.scheme = ServerScheme::Stun;
    rest = url.substr(5);
  } else if (starts_with(url, "turns:")) {
    out.scheme = ServerScheme::Turns;
    rest = url.substr(6);
  } else if (starts_with(url, "turn:")) {
    out.scheme = ServerScheme::Turn;
    rest = url.substr(5);
  } else {
    why = "is not a STUN or TURN URL; write stun:HOST[:PORT] or turn:HOST[:PORT][?transport=udp|tcp]";
    return std::nullopt;
  }
  if (out.scheme == ServerScheme::Turns) {
    why = "uses turns: (TURN over TLS), which libnice 0.1.21 does not speak (it would send TURN in the clear); "
          "use turn:HOST:PORT?transport=tcp, or turn:HOST:PORT over UDP";
    return std::nullopt;
  }
  if (starts_with(rest, "//")) {
    why = "has '//' after the scheme, which STUN and TURN URLs do not take (RFC 7064, 7065); write " +
          example_of(out.scheme);
    return std::nullopt;
  }
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  if (rest.find('@') != std::string::npos) {
    why = "holds user@ in the URL; give TURN credentials as username and credential, not in the URL";
    return std::nullopt;
  }
  std::string port_text;
  if (starts_with(rest, "[")) {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      why = "has an IPv6 address without its closing ']'; write e.g. turn:[2001:db8::1]:3478";
      return std::nullopt;
    }
    out.host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        why = "has '" + after + "' after the IPv6 address; write e.g. turn:[2001:db8::1]:3478";
        return std::nullopt;
      }
      port_text = after.substr(1);
      if (port_text.empty()) port_text = "-";
    }
  } else {
    const auto colon = rest.find(':');
    out.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) port_text = "-";
    }
  }
  if (out.host.empty()) {
    why = "names no host; write " + example_of(out.scheme);
    return std::nullopt;
  }
  for (char c : out.host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':';
    if (!ok) {
      why = "has a host with a character a host name cannot hold; write " + example_of(out.scheme);
      return std::nullopt;
    }
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      why = "has port '" + port_text + "'; give a port from 1 to 65535 (3478 is the usual one), or none";
      return std::nullopt;
    }
    out.port = static_cast<uint16_t>(value);
  }
  if (!query.empty()) {
    if (out.scheme == ServerScheme::Stun) {
      why = "has '?" + query + "'; a stun: URL takes no parameters (STUN runs over UDP)";
      return std::nullopt;
    }
    if (query == "transport=udp") {
      out.transport = RelayTransport::Udp;
    } else if (query == "transport=tcp") {
      out.transport = RelayTransport::Tcp;
    } else {
      why = "has '?" + query + "'; the one parameter a turn: URL takes is ?transport=udp or ?transport=tcp";
      return std::nullopt;
    }
  }
  return out;
}

IceConfig resolve_ice_config(const std::vector<IceServer>& servers, IceTransportPolicy policy) {
  IceConfig config;
  config.relay_only = policy == IceTransportPolicy::Relay;
  bool warned = false;
  for (const auto& server : servers) {
    for (const auto& url : server.urls) {
      std::string why;
      auto parsed = parse_server_url(url, why);
      if (!parsed)  // checked by init_meeting; here only if the config changed since
        throw Error(Error::Kind::Config, "ICE server '" + url + "' " + why);
      if (parsed->scheme == ServerScheme::Stun && config.stun) {
        if (!warned)
          core::log_warn("ICE: libnice takes one STUN server; using ", config.stun->url, ", ignoring ", url,
                         " (and any further stun: URL)");
        warned = true;
        continue;
      }
      // Relay-only agents gather no server-reflexive candidates: no need to reach STUN.
      if (parsed->scheme == ServerScheme::Stun && config.relay_only) continue;
      auto address = resolve_host(parsed->host, why);
      if (!address)
        throw Error(Error::Kind::Transport, "ICE server '" + url + "': cannot resolve host '" + parsed->host +
                                                "' (" + why + "); check the name, or give its IP address");
      if (parsed->scheme == ServerScheme::Stun) {
        config.stun = StunServer{*address, parsed->port, url};
      } else {
        config.relays.push_back(
            RelayServer{*address, parsed->port, parsed->transport, server.username, server.credential, url});
      }
    }
  }
  return config;
}

}  // namespace roomcast::ice
