// InboundFilter: what of the media path's input reaches RTCP handling and the decoder; the rest
// is dropped, counted by reason and logged at most every 10 s.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rtp/rtp_packet.hpp"
#include "srtp/srtp_session.hpp"

namespace roomcast::peer {

/// Datagrams and packets dropped on the receive path, by reason.
struct InboundDrops {
  uint64_t not_media = 0;        ///< first octet neither RTP/RTCP nor DTLS (RFC 7983 §7)
  uint64_t before_keys = 0;      ///< RTP/RTCP before DTLS gave SRTP keys
  /// Not authentic SRTP/SRTCP: plain (unencrypted) RTP/RTCP, forged, corrupted or truncated
  /// packets. SRTP headers are cleartext, so a plain packet differs from a forged one only in
  /// intent (and a short plain packet lacks room for the tag).
  uint64_t unauthenticated = 0;
  uint64_t replayed = 0;         ///< failed the SRTP replay check (RFC 3711 §3.3.2)
  uint64_t malformed = 0;        ///< authenticated but not valid RTP
  uint64_t unknown_ssrc = 0;     ///< RTP of no stream we receive
  uint64_t unknown_payload_type = 0;  ///< RTP of a stream we receive, but not its Opus payload type

  uint64_t total() const {
    return not_media + before_keys + unauthenticated + replayed + malformed + unknown_ssrc + unknown_payload_type;
  }
};

/// Loop thread only; pure logic around SrtpSession (unit-testable without a network).
class InboundFilter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kLogInterval = std::chrono::seconds(10);
  enum class Kind { Rtp, Rtcp, Dropped };

  /// A datagram that is not DTLS: decrypted into `packet` with `srtp` (null until DTLS is
  /// done) when it is authentic RTP or RTCP, else dropped and counted.
  Kind unprotect(std::span<const uint8_t> datagram, srtp::SrtpSession* srtp, std::vector<uint8_t>& packet,
                 Clock::time_point now);
  /// Decrypted RTP, parsed (nullopt, counted, when malformed).
  std::optional<rtp::RtpPacket> parse_rtp(const std::vector<uint8_t>& packet, Clock::time_point now);
  /// Whether a parsed packet may go to the decoder: `expected_payload_type` is the Opus
  /// payload type of the stream it belongs to, nullopt when it belongs to none.
  bool accept(const rtp::RtpPacket& packet, std::optional<uint8_t> expected_payload_type, Clock::time_point now);

  const InboundDrops& drops() const { return drops_; }

 private:
  void dropped(uint64_t InboundDrops::*reason, Clock::time_point now);

  InboundDrops drops_;
  InboundDrops logged_;  // drops_ as of the last log line
  std::optional<Clock::time_point> last_log_;
};

}  // namespace roomcast::peer
