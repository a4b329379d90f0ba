// PeerSession: wires libnice datagrams through DTLS into SRTP and RTP/RTCP (RFC 7983 demux).
#include "peer/peer_session.hpp"

#include <openssl/rand.h>

#include "core/callback_guard.hpp"
#include "core/log.hpp"
#include "rtp/rtcp.hpp"

namespace roomcast::peer {

namespace {
constexpr auto kConnectTimeout = std::chrono::seconds(10);
// RFC 7675 §5.1: consent expires 30 s after the last sign of life from the peer. Janus sends
// RTCP at least every few seconds on a live path; nothing for 30 s means the path is dead.
// (libnice's own consent checks fail a path after a few seconds of loss; an outage the
// network recovers from on its own must not force a renegotiation.)
constexpr auto kConsentExpiry = std::chrono::seconds(30);
constexpr auto kConsentCheck = std::chrono::seconds(2);
constexpr auto kReportInterval = std::chrono::seconds(1);
// A received stream silent this long is left out of our receiver reports (RFC 3550 §6.3.5
// times out senders after a few report intervals).
constexpr auto kSourceTimeout = std::chrono::seconds(5);
constexpr const char* kNoInterface =
    "ICE: this host has no network interface but loopback, and WebRTC media never uses loopback "
    "(Janus skips it too); run on a host with a LAN interface, or inside a network namespace with "
    "a veth pair (see README, tests/e2e/netns.sh)";

template <typename T>
T random_value() {
  T value{};
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

std::string random_token(size_t length) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  for (size_t i = 0; i < length; ++i) out += alphabet[random_value<uint8_t>() % (sizeof alphabet - 1)];
  return out;
}
}  // namespace

PeerSession::PeerSession(core::EventLoop& loop, Callbacks callbacks)
    : loop_(loop),
      callbacks_(std::move(callbacks)),
      certificate_(dtls::Certificate::generate()),
      ssrc_(random_value<uint32_t>() | 1),
      cname_(random_token(16)) {}

PeerSession::~PeerSession() { close(); }

std::optional<RtpContinuation> PeerSession::rtp_continuation() const {
  if (!packetizer_) return continuation_;
  return RtpContinuation{ssrc_, packetizer_->next_sequence(), packetizer_->timestamp_for_sample(0)};
}

sdp::LocalMediaParams PeerSession::local_params(sdp::LocalMediaParams::Direction direction) const {
  sdp::LocalMediaParams params;
  params.ice_ufrag = ice_->local_ufrag();
  params.ice_pwd = ice_->local_pwd();
  params.fingerprint_sha256 = certificate_.fingerprint_sha256();
  params.candidates = ice_->local_candidates();
  params.ssrc = ssrc_;
  params.cname = cname_;
  params.msid_stream = "roomcast";
  params.msid_track = "roomcast-audio";
  params.direction = direction;
  params.stereo = stereo_;
  return params;
}

void PeerSession::start_ice(bool controlling, std::function<void()> gathered) {
  ice::IceTransport::Callbacks callbacks;
  // libnice calls these: an exception in our code fails this session (the owner's on_failed).
  const auto on_exception = [this](const std::string& why) { fail(why); };
  callbacks.on_gathering_done = [this, gathered = std::move(gathered), on_exception] {
    if (const auto& problem = ice_->gathering_problem()) return fail(*problem);
    core::guard_callback("peer: gathering done", gathered, on_exception);
  };
  callbacks.on_state = [this, on_exception](ice::IceState state) {
    core::guard_callback("peer: ICE state", [&] {
      core::log_debug("ice: ", ice::to_string(state));
      if (state == ice::IceState::Connected) {
        core::log_info("ice: connected ", ice_->selected_pair(), " (", ice_->selected_pair_types(), ")");
        if (dtls_) dtls_->start();
      } else if (state == ice::IceState::Failed) {
        fail("ICE failed: no candidate pair with the server works; check that the server's "
             "address is reachable over UDP from this host");
      }
    }, on_exception);
  };
  callbacks.on_packet = [this, on_exception](std::span<const uint8_t> datagram) {
    core::guard_callback("peer: receive", [&] { on_datagram(datagram); }, on_exception);
  };
  ice_ = std::make_unique<ice::IceTransport>(loop_.context(), controlling, std::move(callbacks), ice_config_);
  if (!ice_->gather())
    fail(kNoInterface);
}

void PeerSession::create_offer(std::function<void(const std::string&)> ready) {
  start_ice(true, [this, ready = std::move(ready)] {
    auto candidates = ice_->local_candidates();
    if (candidates.empty())
      return fail(kNoInterface);
    using sdp::Direction;
    const auto local = local_params(offer_audio_muted_ ? Direction::Inactive : Direction::SendOnly);
    if (video_offer_) video_offer_->direction = offer_video_muted_ ? Direction::Inactive : Direction::SendOnly;
    offer_session_id_ = (uint64_t{random_value<uint32_t>()} << 30) | random_value<uint32_t>() | 1;
    ready(video_offer_ ? sdp::build_audio_video_offer(local, *video_offer_, offer_session_id_)
                       : sdp::build_audio_offer(local, offer_session_id_));
  });
}

std::optional<std::string> PeerSession::apply_answer(const std::string& sdp_text) {
  std::string why;
  auto remote = sdp::parse_remote_audio(sdp_text, &why);
  if (!remote) return "the server's SDP answer is unusable: " + why;
  if (!remote->opus_pt) return "the server's SDP answer accepts no Opus audio";
  // Janus answers active, so we are the DTLS server (RFC 5763 §5).
  auto role = remote->setup == "passive" ? dtls::DtlsTransport::Role::Client
                                         : dtls::DtlsTransport::Role::Server;
  // RFC 3550 §5.1: random initial sequence number and timestamp, unless we continue a stream.
  const uint16_t first_sequence = continuation_ ? continuation_->next_sequence : random_value<uint16_t>() & 0x7fff;
  const uint32_t first_timestamp = continuation_ ? continuation_->first_timestamp : random_value<uint32_t>();
  packetizer_ = std::make_unique<rtp::OpusPacketizer>(ssrc_, *remote->opus_pt, remote->audio_level_ext_id,
                                                      first_sequence, first_timestamp);
  // A muted camera's section is answered inactive: its sender comes with the unmuting.
  if (video_offer_ && video_offer_->direction == sdp::Direction::SendOnly) accept_video(sdp_text);
  return connect_to(*remote, role);
}

void PeerSession::offer_video(bool nack) {
  if (video_offer_) return;
  video_offer_.emplace();
  video_offer_->codec = video_codec_;
  video_offer_->payload_type = video_codec_ == VideoCodec::h264 ? sdp::kH264PayloadType : sdp::kVp8PayloadType;
  video_offer_->nack = nack;
  video_offer_->ssrc = random_value<uint32_t>() | 1;
  if (video_offer_->ssrc == ssrc_) video_offer_->ssrc ^= 2;
  if (nack) {
    // RFC 4588: retransmissions on a stream of their own, if the server takes it.
    video_offer_->rtx_payload_type =
        video_codec_ == VideoCodec::h264 ? sdp::kH264RtxPayloadType : sdp::kVp8RtxPayloadType;
    video_offer_->rtx_ssrc = (video_offer_->ssrc + 2) | 1;
    if (*video_offer_->rtx_ssrc == ssrc_) *video_offer_->rtx_ssrc += 2;
  }
}

std::string PeerSession::renegotiation_offer(bool send_audio, bool send_video) {
  using sdp::Direction;
  auto local = local_params(send_audio ? Direction::SendOnly : Direction::Inactive);
  if (!video_offer_) return sdp::build_audio_offer(local, offer_session_id_);
  video_offer_->direction = send_video ? Direction::SendOnly : Direction::Inactive;
  return sdp::build_audio_video_offer(local, *video_offer_, offer_session_id_);
}

std::optional<std::string> PeerSession::apply_renegotiation_answer(const std::string& sdp_text) {
  std::string why;
  auto remote = sdp::parse_remote_audio(sdp_text, &why);
  if (!remote) return "the server's SDP answer is unusable: " + why;
  if (remote_ && (remote->ice_ufrag != remote_->ice_ufrag || remote->fingerprint != remote_->fingerprint))
    return "the server changed its ICE credentials or DTLS fingerprint in a renegotiation";
  // A video section added now (enable_webcam on a session without one) gets its sender;
  // one that exists keeps its packetizer, so its RTP stream continues.
  if (video_offer_ && !video_ && video_offer_->direction == sdp::Direction::SendOnly) {
    video_refusal_.reset();
    accept_video(sdp_text);
  }
  return std::nullopt;
}

void PeerSession::accept_video(const std::string& sdp_text) {
  const auto answer = sdp::parse_remote_video(sdp_text, video_offer_->mid, video_offer_->codec);
  if (!answer || !answer->accepted) {
    // Janus answers a codec the room does not allow as an inactive m-line: audio goes on.
    video_refusal_ = !answer ? "the server's answer has no video section"
                     : !answer->payload_type
                         ? "the room does not accept " + std::string(sdp::codec_name(video_offer_->codec)) +
                               " video (its videocodec setting)"
                         : "the server does not receive our video (m-line " +
                               std::string(sdp::to_string(answer->direction)) + ")";
    return;
  }
  VideoRtpSender::Callbacks callbacks;
  callbacks.on_keyframe_request = [this] {
    if (callbacks_.on_keyframe_request) callbacks_.on_keyframe_request();
  };
  callbacks.on_bandwidth_estimate = [this](int bps) {
    if (callbacks_.on_bandwidth_estimate) callbacks_.on_bandwidth_estimate(bps);
  };
  video_ = std::make_unique<VideoRtpSender>(video_offer_->codec, video_offer_->ssrc, *answer->payload_type,
                                            random_value<uint16_t>() & 0x7fff,
                                            random_value<uint32_t>(), video_offer_->nack, std::move(callbacks));
  if (video_offer_->nack && video_offer_->rtx_ssrc && answer->rtx_payload_type)
    video_->enable_rtx(*video_offer_->rtx_ssrc, *answer->rtx_payload_type, random_value<uint16_t>() & 0x7fff);
}

bool PeerSession::send_video(std::span<const uint8_t> frame, bool keyframe, std::chrono::microseconds track_time) {
  if (!srtp_ || !video_ || closed_) return false;
  video_->packetize(frame, keyframe, track_time, std::chrono::steady_clock::now());
  pace_video();
  return true;
}

void PeerSession::pace_video() {
  if (!srtp_ || !video_ || closed_) return;
  for (auto& packet : video_->take_due(std::chrono::steady_clock::now())) send_protected(std::move(packet));
  const auto next = video_->next_send_time();
  if (!next) return;
  if (!pace_timer_) {
    // One timer per session, armed only while packets wait; its deadlines fall on the pacer's
    // process-wide grid, so all sessions' wake-ups coincide (one loop wake-up per step).
    pace_timer_ = std::make_unique<core::Timer>(loop_.context(), [this] { pace_video(); });
    pace_timer_->set_priority(G_PRIORITY_HIGH);
  }
  pace_timer_->arm_at(*next);
}

void PeerSession::send_protected(std::vector<uint8_t> packet) {
  // Video packets are counted in the video stream's own stats (VideoRtpSender::stats).
  if (srtp_->protect_rtp(packet)) ice_->send(packet);
}

void PeerSession::create_answer(
    const std::string& offer_sdp,
    std::function<void(std::optional<std::string>, std::string)> ready) {
  std::string why;
  auto offer = sdp::parse_remote_multi_audio(offer_sdp, &why);
  if (!offer) return ready(std::nullopt, "the server's SDP offer is unusable: " + why);
  if (closed_ || failed_) return ready(std::nullopt, "the media connection is closed");
  if (ice_) {
    // Renegotiation: same transport, so the same credentials and certificate on both sides.
    if (answering_ || !remote_) return ready(std::nullopt, "a new offer came before the first was answered");
    if (offer->transport.ice_ufrag != remote_->ice_ufrag || offer->transport.ice_pwd != remote_->ice_pwd)
      return ready(std::nullopt, "the server restarted ICE (new credentials); roomcast does not support ICE restarts");
    if (offer->transport.fingerprint != remote_->fingerprint)
      return ready(std::nullopt, "the server's DTLS fingerprint changed in a renegotiation");
    demux_.set_streams(*offer);
    return ready(sdp::build_multi_audio_answer(*offer, local_params(sdp::LocalMediaParams::Direction::RecvOnly)),
                 {});
  }
  answering_ = true;
  start_ice(false, [this, offer = std::move(*offer), ready = std::move(ready)] {
    answering_ = false;
    auto local = local_params(sdp::LocalMediaParams::Direction::RecvOnly);
    std::string answer = sdp::build_multi_audio_answer(offer, local);
    demux_.set_streams(offer);
    // We answer a=setup:active, so we are the DTLS client.
    if (auto error = connect_to(offer.transport, dtls::DtlsTransport::Role::Client))
      return ready(std::nullopt, *error);
    ready(answer, {});
  });
}

std::optional<std::string> PeerSession::connect_to(const sdp::RemoteMediaParams& remote,
                                                   dtls::DtlsTransport::Role role) {
  if (remote.fingerprint.empty()) return "the server's SDP has no DTLS fingerprint";
  if (remote.fingerprint_algorithm != "sha-256")
    return "the server's DTLS fingerprint uses " + remote.fingerprint_algorithm +
           "; only sha-256 is supported";
  remote_ = remote;
  dtls::DtlsTransport::Callbacks callbacks;
  callbacks.send = [this](std::span<const uint8_t> datagram) { ice_->send(datagram); };
  callbacks.on_connected = [this](const dtls::SrtpKeys& keys) {
    try {
      srtp_ = std::make_unique<srtp::SrtpSession>(keys.profile, keys.local_master, keys.remote_master);
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    connect_timeout_.reset();
    last_heard_ = std::chrono::steady_clock::now();
    consent_timer_ = std::make_unique<core::Timer>(loop_.context(), [this] { check_consent(); });
    consent_timer_->arm_in(kConsentCheck);
    receiver_report_timer_ = std::make_unique<core::Timer>(loop_.context(), [this] { send_receiver_reports(); });
    receiver_report_timer_->arm_in(kReportInterval);
    if (callbacks_.on_connected) callbacks_.on_connected();
  };
  callbacks.on_failed = [this](const std::string& why) { fail(why); };
  callbacks.on_closed = [] {};
  dtls_ = std::make_unique<dtls::DtlsTransport>(loop_.context(), certificate_, role,
                                                remote.fingerprint, std::move(callbacks));
  int accepted = ice_->set_remote(remote.ice_ufrag, remote.ice_pwd, remote.candidates);
  if (accepted <= 0) return "the server's SDP has no ICE candidate we can use";
  connect_timeout_ = std::make_unique<core::Timer>(loop_.context(), [this] {
    fail(std::string("could not establish media with the server within 10 s (ICE ") +
         ice::to_string(ice_->state()) + (dtls_ && !dtls_->connected() ? ", DTLS not done)" : ")"));
  });
  connect_timeout_->arm_in(kConnectTimeout);
  return std::nullopt;
}

void PeerSession::check_consent() {
  if (closed_ || failed_) return;
  if (std::chrono::steady_clock::now() - last_heard_ >= kConsentExpiry)
    return fail("nothing arrived from the server for 30 s: the media path is dead (consent expired, RFC 7675)");
  consent_timer_->arm_in(kConsentCheck);
}

void PeerSession::on_datagram(std::span<const uint8_t> datagram) {
  if (closed_) return;
  last_heard_ = std::chrono::steady_clock::now();
  if (dtls::DtlsTransport::is_dtls(datagram)) {
    if (dtls_) dtls_->handle_datagram(datagram);
    return;
  }
  // Only authentic RTP of a stream we receive, with its payload type, reaches the decoder.
  const auto now = InboundFilter::Clock::now();
  std::vector<uint8_t> packet;
  const auto kind = inbound_.unprotect(datagram, srtp_.get(), packet, now);
  stats_.inbound = inbound_.drops();
  stats_.srtp_rejected = srtp_ ? srtp_->rejected_packets() : 0;
  if (kind == InboundFilter::Kind::Rtcp) return on_rtcp(std::move(packet));
  if (kind != InboundFilter::Kind::Rtp) return;
  auto parsed = inbound_.parse_rtp(packet, now);
  if (parsed) ++stats_.rtp_packets_received;
  if (parsed && callbacks_.on_stream_rtp) {
    const std::string mid = demux_.mid_of(*parsed);
    if (inbound_.accept(*parsed, mid.empty() ? std::nullopt : demux_.payload_type(mid), now)) {
      count_received(mid, *parsed, now);
      callbacks_.on_stream_rtp(mid, *parsed);
    }
  } else if (parsed && callbacks_.on_rtp) {
    if (inbound_.accept(*parsed, remote_ ? remote_->opus_pt : std::nullopt, now)) {
      count_received("", *parsed, now);
      callbacks_.on_rtp(*parsed);
    }
  }
  stats_.inbound = inbound_.drops();
  stats_.rtp_unknown_stream = stats_.inbound.unknown_ssrc;
}

void PeerSession::on_rtcp(std::vector<uint8_t> packet) {
  ++stats_.rtcp_received;
  auto compound = rtp::parse_rtcp(packet);
  if (!compound) return;
  // RFC 3550 §6.4.1: the arrival time in the same (wall clock) NTP time our SRs carry.
  const uint32_t arrival = rtp::compact_ntp(rtp::to_ntp(std::chrono::system_clock::now()));
  auto take = [this, arrival](const std::vector<rtp::ReportBlock>& blocks) {
    for (const auto& block : blocks) {
      if (video_ && block.ssrc == video_->ssrc()) video_->on_report_block(block, std::chrono::steady_clock::now());
      if (block.ssrc != ssrc_) continue;
      ++stats_.receiver_reports;
      stats_.remote_fraction_lost = block.fraction_lost / 256.0;
      stats_.remote_cumulative_lost = block.cumulative_lost;
      stats_.remote_jitter_samples = block.jitter;
      if (auto rtt = rtp::round_trip_time(arrival, block)) stats_.round_trip_time = rtt;
    }
  };
  for (const auto& rr : compound->receiver_reports) take(rr.report_blocks);
  const auto now = std::chrono::steady_clock::now();
  if (video_) {
    for (const auto& feedback : compound->feedback) {
      if (video_->concerns(feedback)) video_->on_feedback(feedback, now);
    }
    pace_video();  // retransmissions go ahead of queued media
  }
  for (const auto& sr : compound->sender_reports) {
    take(sr.report_blocks);
    if (auto it = received_.find(sr.ssrc); it != received_.end())
      it->second.on_sender_report(sr.sender_info.ntp_timestamp, now);
  }
}

void PeerSession::count_received(const std::string& mid, const rtp::RtpPacket& packet,
                                 std::chrono::steady_clock::time_point now) {
  auto it = received_.find(packet.ssrc);
  if (it == received_.end()) {
    // RFC 3550 §6.4.1: jitter in the stream's own RTP clock units (RFC 7741 §4.1: 90 kHz video).
    const uint32_t clock_rate_hz = demux_.is_video(mid) ? 90000 : 48000;
    it = received_.emplace(packet.ssrc, rtp::ReceiveStatistics(packet.ssrc, clock_rate_hz)).first;
  }
  it->second.on_packet(packet.sequence, packet.timestamp, packet.payload.size(), now);
  ssrc_by_mid_[mid] = packet.ssrc;
}

const rtp::ReceiveStatistics* PeerSession::receive_statistics(const std::string& mid) const {
  auto ssrc = ssrc_by_mid_.find(mid);
  if (ssrc == ssrc_by_mid_.end()) return nullptr;
  auto it = received_.find(ssrc->second);
  return it == received_.end() ? nullptr : &it->second;
}

// RFC 3550 §6.4.2: a receiver report about every stream heard lately, every second on
// average (randomized 0.5..1.5 s, §6.3.1), so the server can tell loss, jitter and, from
// LSR/DLSR, its round-trip time to us.
void PeerSession::send_receiver_reports() {
  if (closed_ || failed_ || !srtp_) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<rtp::ReportBlock> blocks;
  for (auto& [ssrc, source] : received_) {
    // A silent stream is no longer reported on, but its counters stay (it may resume).
    const auto last = source.last_packet_at();
    if (last && now - *last <= kSourceTimeout) blocks.push_back(source.make_report_block(now));
  }
  // One compound per stream: Janus demultiplexes RTCP on a BUNDLEd PeerConnection by the
  // first report block's SSRC and reads only that block (janus_rtcp_get_receiver_ssrc), so
  // a second block in the same RR would never reach its stream.
  for (const auto& block : blocks) {
    auto report = rtp::build_receiver_report(ssrc_, std::span(&block, 1), cname_);
    if (srtp_->protect_rtcp(report) && ice_->send(report)) {
      ++stats_.rtcp_sent;
      ++stats_.receiver_reports_sent;
    }
  }
  const auto spread = std::chrono::milliseconds(500 + random_value<uint16_t>() % 1001);
  receiver_report_timer_->arm_in(spread);
}

bool PeerSession::send_rtcp(std::vector<uint8_t> packet) {
  if (!srtp_ || closed_ || failed_ || packet.empty()) return false;
  if (!srtp_->protect_rtcp(packet) || !ice_->send(packet)) return false;
  ++stats_.rtcp_sent;
  return true;
}

bool PeerSession::send_audio(std::span<const uint8_t> opus, uint64_t first_sample,
                             uint8_t audio_level) {
  if (!srtp_ || !packetizer_ || closed_) return false;
  auto packet = packetizer_->packetize(opus, first_sample, audio_level);
  if (!srtp_->protect_rtp(packet)) return false;
  if (!ice_->send(packet)) return false;
  ++stats_.rtp_packets_sent;
  stats_.rtp_payload_bytes_sent += opus.size();
  return true;
}

void PeerSession::maybe_send_sender_report(std::chrono::steady_clock::time_point now) {
  if (!srtp_ || !packetizer_ || closed_ || !packetizer_->last_timestamp()) return;
  if (now - last_report_ < kReportInterval) return;
  last_report_ = now;
  auto report = rtp::build_sender_report(ssrc_, sender_info(), cname_);
  if (srtp_->protect_rtcp(report) && ice_->send(report)) ++stats_.rtcp_sent;
  // The video's report goes separately: Janus routes RTCP by the first SSRC in a compound.
  if (video_) {
    if (auto info = video_->sender_info(now)) {
      auto video_report = rtp::build_sender_report(video_->ssrc(), *info, cname_);
      if (srtp_->protect_rtcp(video_report) && ice_->send(video_report)) ++stats_.rtcp_sent;
    }
  }
}

rtp::SenderInfo PeerSession::sender_info() const {
  // The wall clock now, paired with the RTP time of now on the audio's timeline (the one the
  // video's anchor shares), so both streams map a moment of the source to one NTP time
  // however late a tick ran; without a timeline, the last frame sent's.
  rtp::SenderInfo info;
  const auto steady = std::chrono::steady_clock::now();
  info.ntp_timestamp = rtp::to_ntp(std::chrono::system_clock::now());
  info.rtp_timestamp = packetizer_->last_timestamp().value_or(0);
  if (audio_timeline_) {
    const auto elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(steady - audio_timeline_->first);
    const int64_t samples = elapsed_us.count() * rtp::kOpusClockRateHz / 1'000'000;
    info.rtp_timestamp = packetizer_->timestamp_for_sample(audio_timeline_->second + static_cast<uint64_t>(samples));
  }
  info.packet_count = static_cast<uint32_t>(packetizer_->packets_sent());
  info.octet_count = static_cast<uint32_t>(packetizer_->octets_sent());
  return info;
}

void PeerSession::fail(const std::string& why) {
  if (failed_ || closed_) return;
  failed_ = true;
  connect_timeout_.reset();
  core::log_info("peer: ", why);  // the owner reports it
  if (callbacks_.on_failed) callbacks_.on_failed(why);
}

void PeerSession::close() {
  if (closed_) return;
  if (srtp_ && packetizer_ && packetizer_->last_timestamp()) {
    // RFC 3550 §6.1: a BYE travels in a compound packet that starts with a report.
    std::vector<uint32_t> ssrcs = {ssrc_};
    if (video_) ssrcs.push_back(video_->ssrc());
    auto bye = rtp::build_sender_report(ssrc_, sender_info(), cname_);
    auto goodbye = rtp::build_goodbye(ssrcs, "leaving");
    bye.insert(bye.end(), goodbye.begin(), goodbye.end());
    if (srtp_->protect_rtcp(bye)) ice_->send(bye);
  }
  if (dtls_) dtls_->close();
  closed_ = true;
  connect_timeout_.reset();
  consent_timer_.reset();
  receiver_report_timer_.reset();
  pace_timer_.reset();
  dtls_.reset();
  srtp_.reset();
  ice_.reset();
}

}  // namespace roomcast::peer
