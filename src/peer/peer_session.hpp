// PeerSession: one WebRTC transport: ICE -> DTLS -> SRTP -> RTP/RTCP for any number of media
// sections, sent (publisher) or received (subscriber).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/event_loop.hpp"
#include "dtls/certificate.hpp"
#include "dtls/dtls_transport.hpp"
#include "ice/ice_transport.hpp"
#include "peer/audio_rtp_sender.hpp"
#include "peer/inbound_filter.hpp"
#include "peer/rtp_sender.hpp"
#include "peer/stream_demux.hpp"
#include "peer/video_rtp_sender.hpp"
#include "rtp/rtcp.hpp"
#include "rtp/receive_statistics.hpp"
#include "rtp/rtp_packet.hpp"
#include "sctp/sctp_association.hpp"
#include "sdp/multistream.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp/send_offer.hpp"
#include "sdp/video_section.hpp"
#include "srtp/srtp_session.hpp"

namespace roomcast::peer {

/// The transport's own figures; each sent stream has its own (AudioSendStats, VideoSendStats).
struct PeerStats {
  uint64_t rtcp_sent = 0;
  uint64_t rtp_packets_received = 0;
  uint64_t rtcp_received = 0;
  uint64_t srtp_rejected = 0;
  /// Subscriber side: packets whose SSRC (and mid extension) names no offered stream.
  uint64_t rtp_unknown_stream = 0;
  /// Receiving side: RTCP receiver reports we sent about the streams we receive.
  uint64_t receiver_reports_sent = 0;
  /// What the receive path dropped, by reason (plain RTP, SRTP failures, unknown streams).
  InboundDrops inbound;
};

/// A send section's options, given when it is added (before create_offer or renegotiation_offer).
struct AudioSectionOptions {
  bool stereo = false;  ///< the offer announces stereo Opus
  /// Continue this stream (a rejoin) instead of a fresh one: the first packet carries the marker.
  std::optional<RtpContinuation> continuation;
  bool sending = true;  ///< false: offered inactive (a muted microphone stays muted across a rejoin)
};
struct DataSectionOptions {
  size_t max_message_size = 256 * 1024;  ///< the largest message we take (a=max-message-size)
};
struct VideoSectionOptions {
  VideoCodec codec = VideoCodec::vp8;
  bool nack = true;  ///< offer NACK (and RTX) and answer it from a send history
  bool sending = true;
};

/// One WebRTC transport (ICE -> DTLS -> SRTP, BUNDLE, rtcp-mux) with any number of media
/// sections: as publisher, send sections added by add_audio_section / add_video_section, each
/// with its RtpSender once the server takes it; as subscriber, the server's offered sections,
/// received by mid. Lives and is used on the loop thread only.
class PeerSession {
 public:
  struct Callbacks {
    /// DTLS done, SRTP keys installed: media may flow.
    std::function<void()> on_connected;
    /// ICE or DTLS failed; the text says which and why.
    std::function<void(const std::string& why)> on_failed;
    /// Subscriber side: a decrypted RTP packet of the offered section `mid`.
    std::function<void(const std::string& mid, const rtp::RtpPacket&)> on_stream_rtp;
    /// Once connected, the path stopped working (consent expired, ICE failed): with this set,
    /// the session waits for an ICE restart (ice_restart_offer) instead of failing.
    std::function<void(const std::string& why)> on_path_lost;
    /// The path works again after an ICE restart; DTLS and SRTP never stopped.
    std::function<void()> on_path_restored;
    /// Publisher side: the server asks for a keyframe of the video we send in `mid` (PLI, FIR).
    std::function<void(const std::string& mid)> on_keyframe_request;
    /// Publisher side: what the path allows the video in `mid` (the lower of REMB and loss), bits/s.
    std::function<void(const std::string& mid, int bitrate_bps)> on_bandwidth_estimate;
    /// The data section's SCTP association is up: channels can be opened (data_channels()).
    std::function<void()> on_data_connected;
    /// The server opened a data channel to us (it is open already).
    std::function<void(sctp::DataChannel& channel)> on_data_channel;
    /// The SCTP association ended (every channel is closed); media goes on.
    std::function<void(const std::string& why)> on_data_closed;
  };

  PeerSession(core::EventLoop& loop, Callbacks callbacks);
  ~PeerSession();
  PeerSession(const PeerSession&) = delete;
  PeerSession& operator=(const PeerSession&) = delete;

  /// Before create_offer / create_answer: STUN and TURN servers, relay-only policy.
  void set_ice_config(ice::IceConfig config) { ice_config_ = std::move(config); }

  // ---- publisher side ----
  /// Adds a send section to the next offer; returns its mid. Sections stay for the session's
  /// life (RFC 3264 §8: one that stops sending is offered inactive, its stream continues later).
  std::string add_audio_section(const AudioSectionOptions& options);
  std::string add_video_section(const VideoSectionOptions& options);
  /// Adds the data channels' m=application section (RFC 8841), one per session: a second call
  /// returns the first one's mid. Its SCTP association starts once DTLS is up, if the server
  /// takes the section (else refusal(mid) says why).
  std::string add_data_section(const DataSectionOptions& options = {});
  /// The data channels' association: null until the server takes the data section and DTLS is
  /// up. Used on the loop thread; its callbacks reach us as on_data_* above.
  sctp::SctpAssociation* data_channels() { return sctp_.get(); }
  /// Whether the section `mid` sends or is inactive in the next offer.
  void set_sending(const std::string& mid, bool sending);
  /// Gathers candidates, then hands over a complete offer of the sections added.
  void create_offer(std::function<void(const std::string& sdp)> ready);
  /// Applies the server's answer; the error text if it cannot be used. Sections the server
  /// does not take get no sender and a refusal().
  std::optional<std::string> apply_answer(const std::string& sdp);
  /// Connected: a new offer on the same transport (ICE credentials, candidates, certificate,
  /// SSRCs), each section sending or inactive as set, sections added since included.
  std::string renegotiation_offer();
  /// Connected: an ICE restart (RFC 8445 §9) as a new offer: fresh ICE credentials, the same
  /// DTLS association, SSRCs and sections; apply_renegotiation_answer() takes the answer, and
  /// on_path_restored follows once a pair works. Throws if libnice refuses.
  std::string ice_restart_offer();
  bool path_lost() const { return path_lost_; }
  /// Applies the server's answer to renegotiation_offer(); the error text if unusable. A
  /// section sending for the first time gets its sender; the others keep theirs (the RTP
  /// streams continue).
  std::optional<std::string> apply_renegotiation_answer(const std::string& sdp);
  /// The sender of a section the server takes (null: no such section, not taken, or not yet).
  AudioRtpSender* audio_sender(const std::string& mid);
  VideoRtpSender* video_sender(const std::string& mid);
  const AudioRtpSender* audio_sender(const std::string& mid) const;
  const VideoRtpSender* video_sender(const std::string& mid) const;
  /// Why the server did not take the section `mid` (nullopt: taken, or not answered yet).
  std::optional<std::string> refusal(const std::string& mid) const;
  /// Where the audio stream of `mid` stands, for the next session to continue it.
  std::optional<RtpContinuation> continuation(const std::string& mid) const;
  /// The audio of `mid` starts its timeline: sample `first_sample` is due at `start` (see
  /// AudioRtpSender::set_timeline); kept for a sender the section gets later (unmuting).
  void set_audio_timeline(const std::string& mid, std::chrono::steady_clock::time_point start, uint64_t first_sample);
  /// Sends one encoded 20 ms Opus frame in `mid`; `first_sample` gives its RTP timestamp.
  bool send_audio(const std::string& mid, std::span<const uint8_t> opus, uint64_t first_sample, uint8_t audio_level);
  /// Sends one encoded frame (in the section's codec) shown at `track_time` (see
  /// VideoRtpSender::set_anchor); its packets are paced.
  bool send_video(const std::string& mid, std::span<const uint8_t> frame, bool keyframe,
                  std::chrono::microseconds track_time);

  // ---- subscriber side ----
  /// Takes the server's offer with any number of m=audio and m=video sections and hands over
  /// an answer receiving each Opus, VP8 and H.264 one. The first offer gathers and connects;
  /// later ones (renegotiations) are answered at once on the same transport.
  void create_answer(const std::string& offer_sdp,
                     std::function<void(std::optional<std::string> sdp, std::string error)> ready);
  /// Subscriber side, before create_answer: answer the data channel section of the server's
  /// offers (Janus offers one when the room has data) and start its association once DTLS is up.
  void set_answer_data(const DataSectionOptions& options) { answer_data_ = options; }
  /// The RFC 6464 audio-level extension id of a receiving section, if offered.
  std::optional<uint8_t> audio_level_extension(const std::string& mid) const {
    return demux_.audio_level_extension(mid);
  }
  /// The codec of a receiving video section (nullopt: no such section).
  std::optional<VideoCodec> video_codec(const std::string& mid) const { return demux_.video_codec(mid); }
  /// The SSRC our RTCP about received streams (receiver reports, feedback) is sent from.
  uint32_t local_ssrc() const { return ssrc_; }
  /// Sends one RTCP packet we built (e.g. NACK or PLI about a received stream). False before
  /// media is up or when SRTP refuses it.
  bool send_rtcp(std::vector<uint8_t> packet);
  /// RTCP statistics of the stream that last arrived in the section `mid`; null before its
  /// first packet.
  const rtp::ReceiveStatistics* receive_statistics(const std::string& mid) const;

  /// Sends RTCP BYE for every stream we sent and DTLS close_notify; media stops.
  void close();
  bool media_ready() const { return srtp_ != nullptr; }
  const PeerStats& stats() const { return stats_; }
  std::string selected_pair() const { return ice_ ? ice_->selected_pair() : std::string(); }
  /// "relay/udp -> host/udp (TURN over tcp)" once a pair carries media (see IceTransport).
  std::string selected_pair_types() const { return ice_ ? ice_->selected_pair_types() : std::string(); }

 private:
  // One m= section of our offer, and its sender once the server takes it.
  struct SendSection {
    sdp::LocalSection offer;
    std::optional<RtpContinuation> continuation;  // audio: the stream to continue
    std::optional<std::pair<std::chrono::steady_clock::time_point, uint64_t>> timeline;  // audio
    std::unique_ptr<RtpSender> sender;
    std::optional<std::string> refusal;
    const std::string& mid() const;
    bool sending() const;
  };

  void start_ice(bool controlling, std::function<void()> gathered);
  std::optional<std::string> connect_to(const sdp::RemoteMediaParams& remote, dtls::DtlsTransport::Role role);
  void on_datagram(std::span<const uint8_t> datagram);
  void check_consent();
  void on_rtcp(std::vector<uint8_t> packet);
  void count_received(const std::string& mid, const rtp::RtpPacket& packet, std::chrono::steady_clock::time_point now);
  void send_reports();           // ours about what we send (SR), and about what we receive (RR)
  void send_sender_reports(std::chrono::steady_clock::time_point now);
  void send_receiver_reports(std::chrono::steady_clock::time_point now);
  void send_due();               // every sender's packets due now; then waits on pace_timer_
  void accept_sections(const std::string& answer_sdp);
  void accept_audio(SendSection& section, const std::string& answer_sdp);
  void accept_video(SendSection& section, const std::string& answer_sdp);
  void accept_data(SendSection& section, const std::string& answer_sdp);
  void start_data_channels(dtls::DtlsTransport::Role role);
  std::string answer_offer(const sdp::RemoteMultiOffer& offer, const std::string& offer_sdp);
  SendSection* find_section(const std::string& mid);
  const SendSection* find_section(const std::string& mid) const;
  uint32_t new_ssrc() const;     // random, odd, and unlike any SSRC of this session
  void fail(const std::string& why);
  void lose_path(const std::string& why);  // on_path_lost, or fail() without one
  void restored();                          // ICE connected again after a restart
  sdp::LocalMediaParams local_params(sdp::Direction direction) const;

  core::EventLoop& loop_;
  Callbacks callbacks_;
  dtls::Certificate certificate_;
  ice::IceConfig ice_config_;
  std::unique_ptr<ice::IceTransport> ice_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  std::unique_ptr<srtp::SrtpSession> srtp_;
  // After dtls_: destroyed first, its ABORT still goes out through DTLS.
  std::optional<sdp::RemoteData> data_remote_;  // the server took our data section
  std::unique_ptr<sctp::SctpAssociation> sctp_;
  std::optional<dtls::DtlsTransport::Role> dtls_role_;  // once connect_to chose it
  std::optional<DataSectionOptions> answer_data_;       // subscriber: take offered data sections
  std::vector<SendSection> sections_;         // publisher: in m-line order
  std::unique_ptr<core::Timer> pace_timer_;   // armed while a sender's pacer holds packets
  uint64_t offer_session_id_ = 0;  // o= of our offers: the same in every renegotiation
  std::unique_ptr<core::Timer> connect_timeout_;
  std::unique_ptr<core::Timer> consent_timer_;  // while connected: is the server still there?
  std::chrono::steady_clock::time_point last_heard_;
  uint32_t ssrc_;  // subscriber side: our RTCP's sender SSRC
  std::string cname_;
  std::optional<sdp::RemoteMediaParams> remote_;
  StreamDemux demux_;  // subscriber side: which offered section a packet belongs to
  InboundFilter inbound_;
  bool answering_ = false;  // first offer: gathering
  // Receiving side (RFC 3550 §6.4.2): per SSRC, reported about every second.
  std::map<uint32_t, rtp::ReceiveStatistics> received_;
  std::map<std::string, uint32_t> ssrc_by_mid_;
  std::unique_ptr<core::Timer> report_timer_;
  PeerStats stats_;
  bool failed_ = false;
  bool dtls_started_ = false;  // once: an ICE restart keeps the association
  bool path_lost_ = false;
  bool restarting_ = false;    // our restart offer is out; Connected means the path is back
  bool closed_ = false;
};

}  // namespace roomcast::peer
