// WHIP's wire rules that need no connection (RFC 9725): Link headers, Location, Retry-After,
// and what a refused request means to the user. Parsers never throw.
#pragma once

#include <chrono>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "roomcast/meeting_config.hpp"

namespace roomcast::signaling::whip {

/// The STUN/TURN servers a WHIP server offers in `Link: <URL>; rel="ice-server"` headers
/// (RFC 9725 §4.6, RFC 8288 §3): `links` is the header's value, several links separated by
/// commas (libsoup joins repeated headers so). Links with another rel, or a URL that is not
/// stun:, turn: or turns:, are left out; so is anything malformed.
std::vector<IceServer> parse_ice_server_links(const std::string& links);

/// `location` (a Location header, maybe relative) resolved against `base`, the URL the answer
/// came from after any redirects (RFC 9110 §10.2.2, RFC 3986 §5). nullopt when unusable.
std::optional<std::string> resolve_location(const std::string& base, const std::string& location);

/// An SDP's (or sdpfrag's) non-empty lines, without their line ends (CRLF or LF).
std::vector<std::string> sdp_lines(const std::string& sdp);

/// The PATCH body of an ICE restart (RFC 9725 §4.3.2, RFC 8840): the new ufrag and pwd of
/// `offer` (our restart offer), then its first section's mid and candidates.
std::string ice_restart_fragment(const std::string& offer);
/// The ICE ufrag and pwd in an SDP or an sdpfrag; nullopt unless both are there.
std::optional<std::pair<std::string, std::string>> ice_credentials(const std::string& sdp);
/// `sdp` with every a=ice-ufrag / a=ice-pwd line carrying `ufrag` / `pwd` instead (the server's
/// answer to a restart, from its answer to our offer and the credentials it sent back).
std::string with_ice_credentials(const std::string& sdp, const std::string& ufrag, const std::string& pwd);

/// The last path segment of a resource URL (our id at the server): "abc" for ".../resource/abc".
std::string last_segment(const std::string& url);

/// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as a wait from `now`
/// (never negative). nullopt when it is neither.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value,
                                                      std::chrono::system_clock::time_point now);

/// What an HTTP answer to a WHIP request says, for the one-line error.
struct HttpRefusal {
  int status = 0;
  std::string reason;  ///< the status line's phrase, e.g. "Forbidden" (may be empty)
  std::string body;    ///< the server's text, as it came (shown shortened and printable)
};

/// The one-line error for a WHIP request the server did not take: the status, the URL and
/// what to do (401/403: the token; 404: the endpoint URL; 400/406/415/422: the offer; 5xx: the
/// server). `what` names the request ("our offer", "DELETE"); `token_given`: whether we sent one;
/// `protocol`: "WHIP" or "WHEP", as the user named the server.
std::string refusal_text(const HttpRefusal& refusal, const std::string& url, const std::string& what,
                         bool token_given, const std::string& protocol = "WHIP");

}  // namespace roomcast::signaling::whip
