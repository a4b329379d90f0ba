// The WHEP request offer and the counter-offer's layout (RFC 8866 m= lines, RFC 8843 mids).
#include "signaling/whip/whep_rules.hpp"

#include "signaling/whip/whip_rules.hpp"

#include <optional>
#include <sstream>

namespace roomcast::signaling::whip {

std::string whep_request_offer() {
  return "v=0\r\n"
         "o=- 0 0 IN IP4 0.0.0.0\r\n"
         "s=-\r\n"
         "t=0 0\r\n"
         "a=group:BUNDLE 0 1\r\n"
         "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
         "c=IN IP4 0.0.0.0\r\n"
         "a=mid:0\r\n"
         "a=recvonly\r\n"
         "a=rtcp-mux\r\n"
         "a=rtpmap:111 opus/48000/2\r\n"
         "m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\n"
         "c=IN IP4 0.0.0.0\r\n"
         "a=mid:1\r\n"
         "a=recvonly\r\n"
         "a=rtcp-mux\r\n"
         "a=rtpmap:96 VP8/90000\r\n"
         "a=rtpmap:102 H264/90000\r\n";
}

std::vector<ReceiveSlot> whep_offer_slots(const std::string& offer, const std::string& feed_id) {
  std::vector<ReceiveSlot> slots;
  std::optional<ReceiveSlot> section;
  auto flush = [&] {
    if (section && !section->mid.empty()) {
      if (section->active) {
        section->participant_id = feed_id;
        section->stream_mid = section->mid;
      }
      slots.push_back(*section);
    }
    section.reset();
  };
  for (const auto& line : sdp_lines(offer)) {
    if (line.rfind("m=", 0) == 0) {
      flush();
      std::istringstream fields(line.substr(2));
      std::string kind, port;
      fields >> kind >> port;
      if (kind == "application") kind = "data";
      section = ReceiveSlot{{}, kind, port != "0" && !port.empty(), {}, {}};
    } else if (section && line.rfind("a=mid:", 0) == 0) {
      section->mid = line.substr(6);
    } else if (section && line == "a=inactive") {
      section->active = false;
    }
  }
  flush();
  return slots;
}

}  // namespace roomcast::signaling::whip
