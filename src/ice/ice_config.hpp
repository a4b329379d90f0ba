// IceConfig: the STUN and TURN servers of one ICE agent, from RFC 7064/7065 URLs, resolved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roomcast/meeting_config.hpp"

namespace roomcast::ice {

enum class ServerScheme { Stun, Turn, Turns };
/// How we reach a TURN server (RFC 7065 `?transport=`); the relayed media is UDP either way.
enum class RelayTransport { Udp, Tcp };

struct ServerUrl {
  ServerScheme scheme = ServerScheme::Stun;
  std::string host;  // a name or an IP address (without brackets)
  uint16_t port = 3478;
  RelayTransport transport = RelayTransport::Udp;
};

/// Parses "stun:HOST[:PORT]", "turn:HOST[:PORT][?transport=udp|tcp]", "turns:...". Never
/// throws: nullopt and `why` (what is wrong and how to write it; the URL itself not
/// repeated) for anything else.
std::optional<ServerUrl> parse_server_url(const std::string& url, std::string& why);

struct StunServer {
  std::string address;  // numeric IP
  uint16_t port = 3478;
  std::string url;      // as given, for messages
};

struct RelayServer {
  std::string address;  // numeric IP
  uint16_t port = 3478;
  RelayTransport transport = RelayTransport::Udp;
  std::string username;
  std::string credential;
  std::string url;
};

/// What an IceTransport is given: servers by address, and whether only relays may be used.
struct IceConfig {
  std::optional<StunServer> stun;
  std::vector<RelayServer> relays;
  bool relay_only = false;
  /// ICE-TCP (RFC 6544): TCP host candidates beside the UDP ones, for servers that offer
  /// passive TCP candidates (e.g. Janus with ice_tcp) when UDP does not get through.
  bool tcp = true;
};

/// Resolves the (already checked) servers' names; throws Error{Transport} naming the URL
/// whose host does not resolve. Several STUN servers: the first is used, with a warning.
IceConfig resolve_ice_config(const std::vector<IceServer>& servers, IceTransportPolicy policy);

}  // namespace roomcast::ice
