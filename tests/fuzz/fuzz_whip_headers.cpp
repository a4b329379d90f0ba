// Fuzz target: WHIP's header rules never crash or throw on a server's bytes; what they return
// keeps its promises (ICE server URLs only, http(s) resource URLs, one-line refusals).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "signaling/whip/whip_rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::signaling::whip;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const auto& server : parse_ice_server_links(text)) {
    if (server.urls.size() != 1) __builtin_trap();
    const std::string& url = server.urls.front();
    if (url.rfind("stun:", 0) != 0 && url.rfind("turn:", 0) != 0 && url.rfind("turns:", 0) != 0) __builtin_trap();
  }
  // The first line as the base URL, the rest as a Location.
  const auto newline = text.find('\n');
  const std::string base = text.substr(0, newline);
  const std::string location = newline == std::string::npos ? std::string() : text.substr(newline + 1);
  if (auto resolved = resolve_location(base, location)) {
    if (resolved->rfind("http://", 0) != 0 && resolved->rfind("https://", 0) != 0) __builtin_trap();
    (void)last_segment(*resolved);
  }
  (void)last_segment(text);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  if (auto wait = parse_retry_after(text, now); wait && wait->count() < 0) __builtin_trap();
  const int status = size ? 400 + data[0] % 200 : 500;
  const std::string line = refusal_text(HttpRefusal{status, "Reason", text}, "http://h/whip", "our offer", size % 2);
  if (line.find('\n') != std::string::npos || line.find('\r') != std::string::npos) __builtin_trap();
  return 0;
}
