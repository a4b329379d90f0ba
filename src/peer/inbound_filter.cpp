// InboundFilter: RFC 7983 demux of non-DTLS datagrams, SRTP (RFC 3711) and stream checks.
#include "peer/inbound_filter.hpp"

#include <string>

#include "core/log.hpp"

namespace roomcast::peer {

namespace {
// "N what" for a non-zero difference, joined by ", ".
void describe(std::string& out, uint64_t now, uint64_t before, const char* what) {
  if (now == before) return;
  if (!out.empty()) out += ", ";
  out += std::to_string(now - before) + " " + what;
}
}  // namespace

void InboundFilter::dropped(uint64_t InboundDrops::*reason, Clock::time_point now) {
  ++(drops_.*reason);
  // The first drop is logged at once, later ones summed up at most every kLogInterval: a
  // flood of junk must not flood the log.
  if (last_log_ && now - *last_log_ < kLogInterval) return;
  std::string what;
  describe(what, drops_.not_media, logged_.not_media, "not RTP/RTCP/DTLS");
  describe(what, drops_.before_keys, logged_.before_keys, "before DTLS was done");
  describe(what, drops_.unauthenticated, logged_.unauthenticated,
           "not authentic SRTP (plain RTP/RTCP, forged, corrupted or truncated)");
  describe(what, drops_.replayed, logged_.replayed, "replayed");
  describe(what, drops_.malformed, logged_.malformed, "malformed RTP");
  describe(what, drops_.unknown_ssrc, logged_.unknown_ssrc, "of an unknown SSRC");
  describe(what, drops_.unknown_payload_type, logged_.unknown_payload_type, "of an unexpected payload type");
  core::log_warn("media: dropped incoming packets: ", what, " (", drops_.total(), " in all; next summary in ",
                 std::chrono::duration_cast<std::chrono::seconds>(kLogInterval).count(), " s at most)");
  logged_ = drops_;
  last_log_ = now;
}

InboundFilter::Kind InboundFilter::unprotect(std::span<const uint8_t> datagram, srtp::SrtpSession* srtp,
                                             std::vector<uint8_t>& packet, Clock::time_point now) {
  // RFC 7983 §7: 128..191 is RTP or RTCP; DTLS (20..63) was taken before; STUN is libnice's.
  if (datagram.empty() || datagram[0] < 128 || datagram[0] > 191) {
    dropped(&InboundDrops::not_media, now);
    return Kind::Dropped;
  }
  if (!srtp) {
    dropped(&InboundDrops::before_keys, now);
    return Kind::Dropped;
  }
  packet.assign(datagram.begin(), datagram.end());
  const bool rtcp = rtp::looks_like_rtcp(packet);
  if (rtcp ? srtp->unprotect_rtcp(packet) : srtp->unprotect_rtp(packet)) return rtcp ? Kind::Rtcp : Kind::Rtp;
  // A replay is an authentic packet seen before; anything else libsrtp refuses is not SRTP.
  dropped(srtp->last_failure() == srtp::SrtpSession::Failure::Replay ? &InboundDrops::replayed
                                                                     : &InboundDrops::unauthenticated,
          now);
  return Kind::Dropped;
}

std::optional<rtp::RtpPacket> InboundFilter::parse_rtp(const std::vector<uint8_t>& packet, Clock::time_point now) {
  auto parsed = rtp::RtpPacket::parse(packet);
  if (!parsed) dropped(&InboundDrops::malformed, now);
  return parsed;
}

bool InboundFilter::accept(const rtp::RtpPacket& packet, std::optional<uint8_t> expected_payload_type,
                           Clock::time_point now) {
  if (!expected_payload_type) {
    dropped(&InboundDrops::unknown_ssrc, now);
    return false;
  }
  if (packet.payload_type != *expected_payload_type) {
    dropped(&InboundDrops::unknown_payload_type, now);
    return false;
  }
  return true;
}

}  // namespace roomcast::peer
