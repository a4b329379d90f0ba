// RtpSender: what the transport asks of one outgoing RTP stream, whatever its kind. The stream's
// own work (packetizer, send history, pacer, feedback handling) sits behind it as small units;
// the transport only protects and sends what a sender hands over, and routes RTCP to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/rtcp.hpp"

namespace roomcast::peer {

/// Where an RTP stream stands, so a new PeerSession (after a reconnect) continues it:
/// same SSRC, next sequence number, same timestamp origin.
struct RtpContinuation {
  uint32_t ssrc = 0;
  uint16_t next_sequence = 0;
  uint32_t first_timestamp = 0;
};

/// Loop thread only.
class RtpSender {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~RtpSender() = default;

  /// The media SSRC: sender reports and report blocks are about it.
  virtual uint32_t ssrc() const = 0;
  /// Every SSRC the stream sends on (media, RTX): a BYE names them all.
  virtual std::vector<uint32_t> ssrcs() const { return {ssrc()}; }
  /// The sender-report figures for `now` (nullopt before the first packet).
  virtual std::optional<rtp::SenderInfo> sender_info(Clock::time_point now) const = 0;
  /// A receiver's report block about ssrc().
  virtual void on_report_block(const rtp::ReportBlock& block, Clock::time_point now) = 0;
  /// Whether this RTCP feedback concerns the stream (media SSRC, or a FIR entry naming it).
  virtual bool concerns(const rtp::Feedback&) const { return false; }
  virtual void on_feedback(const rtp::Feedback&, Clock::time_point) {}
  /// Packets due at `now`, serialized, not yet SRTP-protected, in send order.
  virtual std::vector<std::vector<uint8_t>> take_due(Clock::time_point now) = 0;
  /// When take_due() has something next; nullopt: nothing queued.
  virtual std::optional<Clock::time_point> next_send_time() const = 0;
};

}  // namespace roomcast::peer
