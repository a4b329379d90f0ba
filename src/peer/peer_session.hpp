// PeerSession: one WebRTC transport to Janus: ICE -> DTLS -> SRTP -> RTP/RTCP, carrying our
// audio and video (publisher) or any number of received sections (subscriber).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "dtls/certificate.hpp"
#include "dtls/dtls_transport.hpp"
#include "ice/ice_transport.hpp"
#include "peer/inbound_filter.hpp"
#include "peer/stream_demux.hpp"
#include "peer/video_rtp_sender.hpp"
#include "rtp/opus_packetizer.hpp"
#include "rtp/rtcp.hpp"
#include "rtp/receive_statistics.hpp"
#include "rtp/rtp_packet.hpp"
#include "sdp/multistream.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp/video_section.hpp"
#include "srtp/srtp_session.hpp"

namespace roomcast::peer {

struct PeerStats {
  uint64_t rtp_packets_sent = 0;
  uint64_t rtp_payload_bytes_sent = 0;
  uint64_t rtcp_sent = 0;
  uint64_t rtp_packets_received = 0;
  uint64_t rtcp_received = 0;
  uint64_t srtp_rejected = 0;
  /// Subscriber side: packets whose SSRC (and mid extension) names no offered stream.
  uint64_t rtp_unknown_stream = 0;
  /// Report blocks about our stream received so far, and the latest one's figures.
  uint64_t receiver_reports = 0;
  double remote_fraction_lost = 0;
  int64_t remote_cumulative_lost = 0;
  uint32_t remote_jitter_samples = 0;
  /// From the latest report block with an LSR (RFC 3550 §6.4.1: A - LSR - DLSR).
  std::optional<std::chrono::microseconds> round_trip_time;
  /// Receiving side: RTCP receiver reports we sent about the streams we receive.
  uint64_t receiver_reports_sent = 0;
  /// What the receive path dropped, by reason (plain RTP, SRTP failures, unknown streams).
  InboundDrops inbound;
};

/// Where an RTP stream stands, so a new PeerSession (after a reconnect) continues it:
/// same SSRC, next sequence number, same timestamp origin.
struct RtpContinuation {
  uint32_t ssrc = 0;
  uint16_t next_sequence = 0;
  uint32_t first_timestamp = 0;
};

/// Lives and is used on the loop thread only.
class PeerSession {
 public:
  struct Callbacks {
    /// DTLS done, SRTP keys installed: media may flow.
    std::function<void()> on_connected;
    /// ICE or DTLS failed; the text says which and why.
    std::function<void(const std::string& why)> on_failed;
    /// A decrypted RTP packet from the peer.
    std::function<void(const rtp::RtpPacket&)> on_rtp;
    /// Subscriber side: the same, with the mid of the offered m=audio or m=video section it belongs to.
    std::function<void(const std::string& mid, const rtp::RtpPacket&)> on_stream_rtp;
    /// Publisher side: the server asks for a keyframe of our video (PLI or FIR).
    std::function<void()> on_keyframe_request;
    /// Publisher side: the server's estimate of what our path carries (REMB), bits/s.
    std::function<void(int bitrate_bps)> on_bandwidth_estimate;
  };

  PeerSession(core::EventLoop& loop, Callbacks callbacks);
  ~PeerSession();
  PeerSession(const PeerSession&) = delete;
  PeerSession& operator=(const PeerSession&) = delete;

  /// Publisher side, before create_offer: continue `previous` instead of a fresh stream
  /// (the first packet carries the marker bit).
  void continue_rtp(const RtpContinuation& previous) { continuation_ = previous; ssrc_ = previous.ssrc; }
  /// Before create_offer / create_answer: STUN and TURN servers, relay-only policy.
  void set_ice_config(ice::IceConfig config) { ice_config_ = std::move(config); }
  /// Publisher side, before create_offer: the offer announces stereo Opus.
  void send_stereo(bool on) { stereo_ = on; }
  /// Publisher side, before create_offer: sections left inactive in the offer (a rejoin
  /// while the microphone or camera is muted stays muted).
  void mute_in_offer(bool audio, bool video) { offer_audio_muted_ = audio; offer_video_muted_ = video; }
  /// Publisher side, before offer_video: the codec our video section offers (VP8 unless said).
  void set_video_codec(VideoCodec codec) { video_codec_ = codec; }
  /// Publisher side, before create_offer: the offer has a video section too, in the codec
  /// set_video_codec chose.
  void offer_video(bool nack = true);
  /// After apply_answer: whether the server takes our video, and if not, why.
  bool video_accepted() const { return video_ != nullptr; }
  const std::optional<std::string>& video_refusal() const { return video_refusal_; }
  /// Sends one encoded frame (in the offered codec) shown at `track_time`; see VideoRtpSender::set_anchor.
  bool send_video(std::span<const uint8_t> frame, bool keyframe, std::chrono::microseconds track_time);
  VideoRtpSender* video_sender() { return video_.get(); }
  const VideoRtpSender* video_sender() const { return video_.get(); }
  /// Publisher side, connected: a new offer on the same transport (ICE credentials,
  /// candidates, certificate, SSRCs), each section sending or inactive as asked (RFC 3264
  /// §8: a muted camera or microphone stays negotiated, so the RTP streams continue).
  /// offer_video() before it adds the video section to a session that had none.
  std::string renegotiation_offer(bool send_audio, bool send_video);
  /// Applies the server's answer to renegotiation_offer(); the error text if unusable.
  std::optional<std::string> apply_renegotiation_answer(const std::string& sdp);
  /// Where our RTP stream stands, once the answer is applied.
  std::optional<RtpContinuation> rtp_continuation() const;
  /// Publisher side: gathers candidates, then hands over a complete sendonly offer.
  void create_offer(std::function<void(const std::string& sdp)> ready);
  /// Applies Janus's answer; returns an error text if it cannot be used.
  std::optional<std::string> apply_answer(const std::string& sdp);

  /// Subscriber side: takes Janus's offer with any number of m=audio and m=video sections and
  /// hands over an answer receiving each Opus and VP8 one. The first offer gathers and connects; later ones
  /// (renegotiations) are answered at once on the same ICE/DTLS/SRTP transport.
  void create_answer(const std::string& offer_sdp,
                     std::function<void(std::optional<std::string> sdp, std::string error)> ready);

  /// Sends one encoded 20 ms Opus frame; `first_sample` gives its RTP timestamp.
  bool send_audio(std::span<const uint8_t> opus, uint64_t first_sample, uint8_t audio_level);
  /// The next packet starts a talkspurt (RTP marker bit): after silence or DTX.
  void mark_talkspurt() {
    if (packetizer_) packetizer_->mark_next_talkspurt();
  }
  /// Sends an RTCP sender report if one is due (about once a second, RFC 3550 §6.2).
  void maybe_send_sender_report(std::chrono::steady_clock::time_point now);
  /// The audio's timeline: sample `first_sample` is due at `start` (a media-clock tick). Sender
  /// reports pair the wall clock with the RTP time of that instant on it, as the video's do
  /// with its anchor, not with the last frame sent (which a late tick sends late).
  void set_audio_timeline(std::chrono::steady_clock::time_point start, uint64_t first_sample) {
    audio_timeline_ = {start, first_sample};
  }

  /// Sends RTCP BYE and DTLS close_notify; media stops.
  void close();
  bool media_ready() const { return srtp_ != nullptr; }
  /// Subscriber side: the RFC 6464 audio-level extension id of a receiving section, if offered.
  std::optional<uint8_t> audio_level_extension(const std::string& mid) const {
    return demux_.audio_level_extension(mid);
  }
  /// Subscriber side: the codec of a receiving video section (nullopt: no such section).
  std::optional<VideoCodec> video_codec(const std::string& mid) const { return demux_.video_codec(mid); }
  /// Receiving side: the SSRC our RTCP (receiver reports, feedback) is sent from.
  uint32_t local_ssrc() const { return ssrc_; }
  /// Receiving side: sends one RTCP packet we built (e.g. NACK or PLI about a received stream).
  /// False before media is up or when SRTP refuses it.
  bool send_rtcp(std::vector<uint8_t> packet);
  const PeerStats& stats() const { return stats_; }
  /// Receiving side: RTCP statistics of the stream that last arrived in the section `mid`
  /// (subscriber side) or of the one stream received (mid ""); null before its first packet.
  const rtp::ReceiveStatistics* receive_statistics(const std::string& mid) const;
  std::string selected_pair() const { return ice_ ? ice_->selected_pair() : std::string(); }
  /// "relay/udp -> host/udp (TURN over tcp)" once a pair carries media (see IceTransport).
  std::string selected_pair_types() const { return ice_ ? ice_->selected_pair_types() : std::string(); }

 private:
  void start_ice(bool controlling, std::function<void()> gathered);
  std::optional<std::string> connect_to(const sdp::RemoteMediaParams& remote, dtls::DtlsTransport::Role role);
  void on_datagram(std::span<const uint8_t> datagram);
  void check_consent();
  void on_rtcp(std::vector<uint8_t> packet);
  void count_received(const std::string& mid, const rtp::RtpPacket& packet, std::chrono::steady_clock::time_point now);
  void send_receiver_reports();
  void send_protected(std::vector<uint8_t> packet);
  void pace_video();  // sends the video packets due, then waits for the next on pace_timer_
  void accept_video(const std::string& sdp_text);
  void fail(const std::string& why);
  rtp::SenderInfo sender_info() const;
  sdp::LocalMediaParams local_params(sdp::LocalMediaParams::Direction direction) const;

  core::EventLoop& loop_;
  Callbacks callbacks_;
  dtls::Certificate certificate_;
  ice::IceConfig ice_config_;
  std::unique_ptr<ice::IceTransport> ice_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  std::unique_ptr<srtp::SrtpSession> srtp_;
  std::unique_ptr<rtp::OpusPacketizer> packetizer_;
  VideoCodec video_codec_ = VideoCodec::vp8;          // publisher: what offer_video offers
  bool offer_audio_muted_ = false;                    // publisher: create_offer's directions
  bool offer_video_muted_ = false;
  std::optional<sdp::LocalVideoParams> video_offer_;  // publisher: we offer video
  std::unique_ptr<VideoRtpSender> video_;             // publisher: the server takes it
  std::unique_ptr<core::Timer> pace_timer_;           // armed while video_'s pacer holds packets
  std::optional<std::string> video_refusal_;
  uint64_t offer_session_id_ = 0;  // o= of our offers: the same in every renegotiation
  std::unique_ptr<core::Timer> connect_timeout_;
  std::unique_ptr<core::Timer> consent_timer_;  // while connected: is the server still there?
  std::chrono::steady_clock::time_point last_heard_;
  uint32_t ssrc_;
  std::optional<RtpContinuation> continuation_;
  std::string cname_;
  std::optional<sdp::RemoteMediaParams> remote_;
  StreamDemux demux_;  // subscriber side: which offered section a packet belongs to
  InboundFilter inbound_;
  bool stereo_ = false;
  bool answering_ = false;  // first offer: gathering
  std::chrono::steady_clock::time_point last_report_{};
  std::optional<std::pair<std::chrono::steady_clock::time_point, uint64_t>> audio_timeline_;
  // Receiving side (RFC 3550 §6.4.2): per SSRC, reported about every second.
  std::map<uint32_t, rtp::ReceiveStatistics> received_;
  std::map<std::string, uint32_t> ssrc_by_mid_;
  std::unique_ptr<core::Timer> receiver_report_timer_;
  PeerStats stats_;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace roomcast::peer
