// PeerSession: wires libnice datagrams through DTLS into SRTP and RTP/RTCP (RFC 7983 demux).
#include "peer/peer_session.hpp"

#include <stdexcept>
#include <type_traits>

#include "core/callback_guard.hpp"
#include "core/log.hpp"
#include "peer/random_value.hpp"
#include "sdp/sections.hpp"
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

uint32_t PeerSession::new_ssrc() const {
  // RFC 3550 §8.1: random; odd and apart from ours so an RTX SSRC (ours + 2) cannot collide either.
  for (;;) {
    const uint32_t candidate = random_value<uint32_t>() | 1;
    bool taken = candidate == ssrc_ || candidate + 2 == ssrc_;
    for (const auto& section : sections_) {
      std::visit([&](const auto& s) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, sdp::LocalDataParams>)
          taken = taken || s.ssrc == candidate || s.ssrc + 2 == candidate || candidate + 2 == s.ssrc;
      }, section.offer);
    }
    if (!taken) return candidate;
  }
}

void PeerSession::set_audio_timeline(const std::string& mid, std::chrono::steady_clock::time_point start,
                                     uint64_t first_sample) {
  auto* section = find_section(mid);
  if (!section) return;
  section->timeline = {start, first_sample};
  if (auto* audio = audio_sender(mid)) audio->set_timeline(start, first_sample);
}

bool PeerSession::send_audio(const std::string& mid, std::span<const uint8_t> opus, uint64_t first_sample,
                             uint8_t audio_level) {
  auto* audio = audio_sender(mid);
  if (!srtp_ || !audio || closed_) return false;
  const auto now = std::chrono::steady_clock::now();
  audio->packetize(opus, first_sample, audio_level, now);
  // Not paced: out at once, without visiting the other senders or their pacing timer.
  for (auto& packet : audio->take_due(now)) {
    if (srtp_->protect_rtp(packet)) ice_->send(packet);
  }
  return true;
}

bool PeerSession::send_video(const std::string& mid, std::span<const uint8_t> frame, bool keyframe,
                             std::chrono::microseconds track_time) {
  auto* video = video_sender(mid);
  if (!srtp_ || !video || closed_) return false;
  video->packetize(frame, keyframe, track_time, std::chrono::steady_clock::now());
  send_due();
  return true;
}

void PeerSession::send_due() {
  if (!srtp_ || closed_) return;
  const auto now = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> next;
  for (auto& section : sections_) {
    if (!section.sender) continue;
    for (auto& packet : section.sender->take_due(now)) {
      if (srtp_->protect_rtp(packet)) ice_->send(packet);
    }
    if (auto at = section.sender->next_send_time(); at && (!next || *at < *next)) next = at;
  }
  if (!next) return;
  if (!pace_timer_) {
    // One timer per session, armed only while packets wait; its deadlines fall on the pacer's
    // process-wide grid, so all sessions' wake-ups coincide (one loop wake-up per step).
    pace_timer_ = std::make_unique<core::Timer>(loop_.context(), [this] { send_due(); });
    pace_timer_->set_priority(G_PRIORITY_HIGH);
  }
  pace_timer_->arm_at(*next);
}

// ---- RTCP ----------------------------------------------------------------------------------------

void PeerSession::on_rtcp(std::vector<uint8_t> packet) {
  ++stats_.rtcp_received;
  auto compound = rtp::parse_rtcp(packet);
  if (!compound) return;
  const auto now = std::chrono::steady_clock::now();
  auto take = [&](const std::vector<rtp::ReportBlock>& blocks) {
    for (const auto& block : blocks) {
      for (auto& section : sections_) {
        if (section.sender && block.ssrc == section.sender->ssrc()) section.sender->on_report_block(block, now);
      }
    }
  };
  for (const auto& rr : compound->receiver_reports) take(rr.report_blocks);
  if (!compound->feedback.empty() && !sections_.empty()) {
    for (const auto& feedback : compound->feedback) {
      for (auto& section : sections_) {
        if (section.sender && section.sender->concerns(feedback)) section.sender->on_feedback(feedback, now);
      }
    }
    send_due();  // retransmissions go ahead of queued media
  }
  for (const auto& sr : compound->sender_reports) {
    take(sr.report_blocks);
    if (auto it = received_.find(sr.ssrc); it != received_.end())
      it->second.on_sender_report(sr.sender_info.ntp_timestamp, now);
  }
}

void PeerSession::send_reports() {
  if (closed_ || failed_ || !srtp_) return;
  const auto now = std::chrono::steady_clock::now();
  send_sender_reports(now);
  send_receiver_reports(now);
  // RFC 3550 §6.3.1: randomized around the 1 s interval, so sessions do not report in step.
  report_timer_->arm_in(std::chrono::milliseconds(500 + random_value<uint16_t>() % 1001));
}

// RFC 3550 §6.4.1: a sender report for every stream that has sent, each in a compound of its
// own: Janus routes RTCP on a BUNDLEd PeerConnection by the first SSRC in a compound. All carry
// one wall clock (NTP), so receivers line the streams up (lip sync).
void PeerSession::send_sender_reports(std::chrono::steady_clock::time_point now) {
  for (const auto& section : sections_) {
    if (!section.sender) continue;
    const auto info = section.sender->sender_info(now);
    if (!info) continue;
    auto report = rtp::build_sender_report(section.sender->ssrc(), *info, cname_);
    if (srtp_->protect_rtcp(report) && ice_->send(report)) ++stats_.rtcp_sent;
  }
}

// ---- transport -----------------------------------------------------------------------------------

void PeerSession::create_offer(std::function<void(const std::string&)> ready) {
  start_ice(true, [this, ready = std::move(ready)] {
    if (ice_->local_candidates().empty()) return fail(kNoInterface);
    offer_session_id_ = (uint64_t{random_value<uint32_t>()} << 30) | random_value<uint32_t>() | 1;
    ready(renegotiation_offer());
  });
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
        if (restarting_) return restored();
        if (dtls_ && !dtls_started_) {
          dtls_started_ = true;
          dtls_->start();
        }
      } else if (state == ice::IceState::Failed) {
        const std::string why = "ICE failed: no candidate pair with the server works; check that the server's "
                                "address is reachable over UDP (or TCP, where it offers ICE-TCP candidates) "
                                "from this host, or give a TURN server (--ice-server turn:HOST:PORT, "
                                "MeetingConfig::ice_servers)";
        // Once media flowed, a path that stops working may come back with an ICE restart.
        if (srtp_) return lose_path(why);
        fail(why);
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
      return ready(std::nullopt, "the server restarted ICE on what we receive (new credentials); roomcast restarts "
                                 "ICE only on what it publishes");
    if (offer->transport.fingerprint != remote_->fingerprint)
      return ready(std::nullopt, "the server's DTLS fingerprint changed in a renegotiation");
    demux_.set_streams(*offer);
    return ready(answer_offer(*offer, offer_sdp), {});
  }
  answering_ = true;
  start_ice(false, [this, offer = std::move(*offer), offer_sdp, ready = std::move(ready)] {
    answering_ = false;
    std::string answer = answer_offer(offer, offer_sdp);
    demux_.set_streams(offer);
    // We answer a=setup:active, so we are the DTLS client.
    if (auto error = connect_to(offer.transport, dtls::DtlsTransport::Role::Client))
      return ready(std::nullopt, *error);
    ready(answer, {});
  });
}

std::string PeerSession::answer_offer(const sdp::RemoteMultiOffer& offer, const std::string& offer_sdp) {
  std::optional<sdp::LocalDataParams> data;
  if (answer_data_) {
    data.emplace();
    data->max_message_size = answer_data_->max_message_size;
  }
  std::string answer = sdp::build_multi_audio_answer(offer, local_params(sdp::Direction::RecvOnly),
                                                     sdp::detail::random_session_id(), data ? &*data : nullptr);
  if (!data || data_remote_) return answer;
  // The section build_multi_audio_answer took: the first one offered.
  for (const auto& line : offer.transport.media_lines) {
    if (!sdp::offers_data_channels(line) || line.mid.empty()) continue;
    if (auto remote = sdp::parse_remote_data(offer_sdp, line.mid); remote && remote->accepted) {
      data_remote_ = *remote;
      // Offered in a renegotiation: DTLS is up already.
      if (dtls_ && dtls_->connected() && dtls_role_) start_data_channels(*dtls_role_);
    }
    break;
  }
  return answer;
}

std::optional<std::string> PeerSession::connect_to(const sdp::RemoteMediaParams& remote,
                                                   dtls::DtlsTransport::Role role) {
  if (remote.fingerprint.empty()) return "the server's SDP has no DTLS fingerprint";
  if (remote.fingerprint_algorithm != "sha-256")
    return "the server's DTLS fingerprint uses " + remote.fingerprint_algorithm +
           "; only sha-256 is supported";
  remote_ = remote;
  dtls_role_ = role;
  dtls::DtlsTransport::Callbacks callbacks;
  callbacks.send = [this](std::span<const uint8_t> datagram) { ice_->send(datagram); };
  // RFC 8261: SCTP packets of the data channels are DTLS application data.
  callbacks.on_application_data = [this](std::span<const uint8_t> packet) {
    if (sctp_) sctp_->handle_packet(packet);
  };
  callbacks.on_connected = [this, role](const dtls::SrtpKeys& keys) {
    try {
      srtp_ = std::make_unique<srtp::SrtpSession>(keys.profile, keys.local_master, keys.remote_master);
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    connect_timeout_.reset();
    last_heard_ = std::chrono::steady_clock::now();
    consent_timer_ = std::make_unique<core::Timer>(loop_.context(), [this] { check_consent(); });
    consent_timer_->arm_in(kConsentCheck);
    report_timer_ = std::make_unique<core::Timer>(loop_.context(), [this] { send_reports(); });
    report_timer_->arm_in(kReportInterval);
    send_due();  // anything a sender made before the keys were there
    start_data_channels(role);
    if (callbacks_.on_connected) callbacks_.on_connected();
  };
  callbacks.on_failed = [this](const std::string& why) { fail(why); };
  callbacks.on_closed = [] {};
  dtls_ = std::make_unique<dtls::DtlsTransport>(loop_.context(), certificate_, role,
                                                remote.fingerprint, std::move(callbacks));
  int accepted = ice_->set_remote(remote.ice_ufrag, remote.ice_pwd, remote.candidates, remote.ice_lite);
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
  consent_timer_->arm_in(kConsentCheck);
  if (path_lost_ || std::chrono::steady_clock::now() - last_heard_ < kConsentExpiry) return;
  lose_path("nothing arrived from the server for 30 s: the media path is dead (consent expired, RFC 7675)");
}

void PeerSession::lose_path(const std::string& why) {
  // Once lost, only a restart whose checks failed says so again (the owner may retry).
  if ((path_lost_ && !restarting_) || closed_ || failed_) return;
  if (!callbacks_.on_path_lost) return fail(why);
  path_lost_ = true;
  restarting_ = false;
  core::log_info("peer: ", why);
  callbacks_.on_path_lost(why);
}

std::string PeerSession::ice_restart_offer() {
  // RFC 8445 §9: fresh credentials on the same agent, candidates and DTLS association kept.
  if (!ice_ || !ice_->restart()) throw std::runtime_error("libnice refused to restart ICE");
  restarting_ = true;
  return renegotiation_offer();
}

void PeerSession::restored() {
  core::log_info("peer: media path back", restarting_ ? " after an ICE restart" : "", " (", ice_->selected_pair_types(), ")");
  restarting_ = false;
  path_lost_ = false;
  last_heard_ = std::chrono::steady_clock::now();
  if (callbacks_.on_path_restored) callbacks_.on_path_restored();
}

void PeerSession::on_datagram(std::span<const uint8_t> datagram) {
  if (closed_) return;
  last_heard_ = std::chrono::steady_clock::now();
  // The old path came back by itself before any restart took over. Not after a restart whose
  // checks failed: our agent sends nothing then (and the server's may not be connected either),
  // so only the next restart brings the path back.
  if (path_lost_ && !restarting_ && srtp_ && ice_ && ice_->state() == ice::IceState::Connected) restored();
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
  }
  stats_.inbound = inbound_.drops();
  stats_.rtp_unknown_stream = stats_.inbound.unknown_ssrc;
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

// RFC 3550 §6.4.2: a receiver report about every stream heard lately, so the server can tell
// loss, jitter and, from LSR/DLSR, its round-trip time to us.
void PeerSession::send_receiver_reports(std::chrono::steady_clock::time_point now) {
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
}

bool PeerSession::send_rtcp(std::vector<uint8_t> packet) {
  if (!srtp_ || closed_ || failed_ || packet.empty()) return false;
  if (!srtp_->protect_rtcp(packet) || !ice_->send(packet)) return false;
  ++stats_.rtcp_sent;
  return true;
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
  if (srtp_) {
    // RFC 3550 §6.1: a BYE travels in a compound packet that starts with a report; it names
    // every SSRC we sent on (RTX included).
    const auto now = std::chrono::steady_clock::now();
    std::optional<std::vector<uint8_t>> report;
    std::vector<uint32_t> ssrcs;
    for (const auto& section : sections_) {
      if (!section.sender) continue;
      const auto info = section.sender->sender_info(now);
      if (!info) continue;
      if (!report) report = rtp::build_sender_report(section.sender->ssrc(), *info, cname_);
      for (uint32_t ssrc : section.sender->ssrcs()) ssrcs.push_back(ssrc);
    }
    if (report) {
      auto goodbye = rtp::build_goodbye(ssrcs, "leaving");
      report->insert(report->end(), goodbye.begin(), goodbye.end());
      if (srtp_->protect_rtcp(*report)) ice_->send(*report);
    }
  }
  sctp_.reset();  // ABORT: the server's channels close at once
  if (dtls_) dtls_->close();
  closed_ = true;
  connect_timeout_.reset();
  consent_timer_.reset();
  report_timer_.reset();
  pace_timer_.reset();
  dtls_.reset();
  srtp_.reset();
  ice_.reset();
}

}  // namespace roomcast::peer
