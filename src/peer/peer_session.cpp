// PeerSession: wires libnice datagrams through DTLS into SRTP and RTP/RTCP (RFC 7983 demux).
#include "peer/peer_session.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <type_traits>

#include "core/callback_guard.hpp"
#include "core/log.hpp"
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

// ---- send sections -------------------------------------------------------------------------------

const std::string& PeerSession::SendSection::mid() const {
  return std::visit([](const auto& s) -> const std::string& { return s.mid; }, offer);
}

bool PeerSession::SendSection::sending() const {
  return std::visit(
      [](const auto& s) {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, sdp::LocalDataParams>) return true;
        else return s.direction == sdp::Direction::SendOnly;
      },
      offer);
}

PeerSession::SendSection* PeerSession::find_section(const std::string& mid) {
  for (auto& section : sections_)
    if (section.mid() == mid) return &section;
  return nullptr;
}

const PeerSession::SendSection* PeerSession::find_section(const std::string& mid) const {
  return const_cast<PeerSession*>(this)->find_section(mid);
}

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

std::string PeerSession::add_audio_section(const AudioSectionOptions& options) {
  sdp::LocalAudioParams audio;
  audio.mid = std::to_string(sections_.size());
  audio.ssrc = options.continuation ? options.continuation->ssrc : new_ssrc();
  audio.stereo = options.stereo;
  audio.direction = options.sending ? sdp::Direction::SendOnly : sdp::Direction::Inactive;
  sections_.push_back(SendSection{audio, options.continuation, std::nullopt, nullptr, std::nullopt});
  return audio.mid;
}

std::string PeerSession::add_video_section(const VideoSectionOptions& options) {
  sdp::LocalVideoParams video;
  video.mid = std::to_string(sections_.size());
  video.msid_track = "roomcast-video" + (video.mid == "1" ? std::string() : "-" + video.mid);
  video.codec = options.codec;
  video.payload_type = options.codec == VideoCodec::h264 ? sdp::kH264PayloadType : sdp::kVp8PayloadType;
  video.nack = options.nack;
  video.ssrc = new_ssrc();
  if (options.nack) {
    // RFC 4588: retransmissions on a stream of their own, if the server takes it.
    video.rtx_payload_type = options.codec == VideoCodec::h264 ? sdp::kH264RtxPayloadType : sdp::kVp8RtxPayloadType;
    video.rtx_ssrc = video.ssrc + 2;
  }
  video.direction = options.sending ? sdp::Direction::SendOnly : sdp::Direction::Inactive;
  sections_.push_back(SendSection{video, std::nullopt, std::nullopt, nullptr, std::nullopt});
  return video.mid;
}

std::string PeerSession::add_data_section(const DataSectionOptions& options) {
  for (const auto& section : sections_)
    if (std::holds_alternative<sdp::LocalDataParams>(section.offer)) return section.mid();
  sdp::LocalDataParams data;
  data.mid = std::to_string(sections_.size());
  data.max_message_size = options.max_message_size;
  sections_.push_back(SendSection{data, std::nullopt, std::nullopt, nullptr, std::nullopt});
  return data.mid;
}

void PeerSession::set_sending(const std::string& mid, bool sending) {
  if (auto* section = find_section(mid)) {
    std::visit([&](auto& s) {
      if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, sdp::LocalDataParams>)
        s.direction = sending ? sdp::Direction::SendOnly : sdp::Direction::Inactive;
    }, section->offer);
  }
}

AudioRtpSender* PeerSession::audio_sender(const std::string& mid) {
  auto* section = find_section(mid);
  return section ? dynamic_cast<AudioRtpSender*>(section->sender.get()) : nullptr;
}

VideoRtpSender* PeerSession::video_sender(const std::string& mid) {
  auto* section = find_section(mid);
  return section ? dynamic_cast<VideoRtpSender*>(section->sender.get()) : nullptr;
}

const AudioRtpSender* PeerSession::audio_sender(const std::string& mid) const {
  return const_cast<PeerSession*>(this)->audio_sender(mid);
}

const VideoRtpSender* PeerSession::video_sender(const std::string& mid) const {
  return const_cast<PeerSession*>(this)->video_sender(mid);
}

std::optional<std::string> PeerSession::refusal(const std::string& mid) const {
  const auto* section = find_section(mid);
  return section ? section->refusal : std::nullopt;
}

std::optional<RtpContinuation> PeerSession::continuation(const std::string& mid) const {
  if (const auto* audio = audio_sender(mid)) return audio->continuation();
  const auto* section = find_section(mid);
  return section ? section->continuation : std::nullopt;
}

sdp::LocalMediaParams PeerSession::local_params(sdp::Direction direction) const {
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
  return params;
}

// ---- publisher: offer and answer -----------------------------------------------------------------

void PeerSession::create_offer(std::function<void(const std::string&)> ready) {
  start_ice(true, [this, ready = std::move(ready)] {
    if (ice_->local_candidates().empty()) return fail(kNoInterface);
    offer_session_id_ = (uint64_t{random_value<uint32_t>()} << 30) | random_value<uint32_t>() | 1;
    ready(renegotiation_offer());
  });
}

std::string PeerSession::renegotiation_offer() {
  std::vector<sdp::LocalSection> offer;
  for (const auto& section : sections_) offer.push_back(section.offer);
  return sdp::build_offer(local_params(sdp::Direction::SendOnly), offer, offer_session_id_);
}

std::optional<std::string> PeerSession::apply_answer(const std::string& sdp_text) {
  std::string why;
  // The transport (ICE, fingerprint, setup) from the first section with a non-zero port.
  auto remote = sdp::detail::parse_remote_media(sdp_text, &why, true);
  if (!remote) return "the server's SDP answer is unusable: " + why;
  // Janus answers active, so we are the DTLS server (RFC 5763 §5).
  auto role = remote->setup == "passive" ? dtls::DtlsTransport::Role::Client : dtls::DtlsTransport::Role::Server;
  accept_sections(sdp_text);
  return connect_to(*remote, role);
}

std::optional<std::string> PeerSession::apply_renegotiation_answer(const std::string& sdp_text) {
  std::string why;
  auto remote = sdp::detail::parse_remote_media(sdp_text, &why, true);
  if (!remote) return "the server's SDP answer is unusable: " + why;
  if (remote_ && remote->fingerprint != remote_->fingerprint)
    return "the server changed its DTLS fingerprint in a renegotiation";
  if (remote_ && remote->ice_ufrag != remote_->ice_ufrag) {
    if (!restarting_) return "the server changed its ICE credentials in a renegotiation we did not restart ICE in";
    // The answer to our restart: check the new credentials and candidates.
    if (ice_->set_remote(remote->ice_ufrag, remote->ice_pwd, remote->candidates) <= 0)
      return "the server's ICE restart answer has no candidate we can use";
    remote_->ice_ufrag = remote->ice_ufrag;
    remote_->ice_pwd = remote->ice_pwd;
  } else if (restarting_) {
    return "the server answered our ICE restart with its old ICE credentials";
  }
  accept_sections(sdp_text);
  return std::nullopt;
}

void PeerSession::accept_sections(const std::string& answer_sdp) {
  // A section offered inactive (a muted camera or microphone) gets its sender when it first
  // sends; one that has a sender keeps it, so its RTP stream continues.
  for (auto& section : sections_) {
    if (std::holds_alternative<sdp::LocalDataParams>(section.offer)) {
      if (!data_remote_) accept_data(section, answer_sdp);
      continue;
    }
    if (section.sender || !section.sending()) continue;
    section.refusal.reset();
    if (std::holds_alternative<sdp::LocalAudioParams>(section.offer)) accept_audio(section, answer_sdp);
    else accept_video(section, answer_sdp);
  }
}

void PeerSession::accept_audio(SendSection& section, const std::string& answer_sdp) {
  const auto& offer = std::get<sdp::LocalAudioParams>(section.offer);
  const auto answer = sdp::parse_remote_audio_answer(answer_sdp, offer.mid);
  if (!answer || !answer->accepted) {
    section.refusal = !answer            ? "the server's answer has no audio section"
                      : !answer->opus_pt ? "the server's SDP answer accepts no Opus audio"
                                         : "the server does not receive our audio (m-line " +
                                               std::string(sdp::to_string(answer->direction)) + ")";
    return;
  }
  // RFC 3550 §5.1: random initial sequence number and timestamp, unless we continue a stream.
  const auto& previous = section.continuation;
  const uint16_t first_sequence = previous ? previous->next_sequence : random_value<uint16_t>() & 0x7fff;
  const uint32_t first_timestamp = previous ? previous->first_timestamp : random_value<uint32_t>();
  auto audio = std::make_unique<AudioRtpSender>(offer.ssrc, *answer->opus_pt, answer->audio_level_ext_id,
                                                first_sequence, first_timestamp);
  if (section.timeline) audio->set_timeline(section.timeline->first, section.timeline->second);
  section.sender = std::move(audio);
}

void PeerSession::accept_data(SendSection& section, const std::string& answer_sdp) {
  const auto& offer = std::get<sdp::LocalDataParams>(section.offer);
  const auto answer = sdp::parse_remote_data(answer_sdp, offer.mid);
  if (!answer || !answer->accepted) {
    section.refusal = !answer ? "the server's answer has no data channel section"
                              : "the server does not take data channels (its m=application is refused)";
    return;
  }
  section.refusal.reset();
  data_remote_ = *answer;
  // Added in a renegotiation: DTLS is up already.
  if (dtls_ && dtls_->connected() && dtls_role_) start_data_channels(*dtls_role_);
}

void PeerSession::start_data_channels(dtls::DtlsTransport::Role role) {
  if (sctp_ || !data_remote_ || closed_) return;
  size_t max_message_size =
      answer_data_ ? answer_data_->max_message_size : sdp::LocalDataParams{}.max_message_size;
  for (const auto& section : sections_)
    if (const auto* data = std::get_if<sdp::LocalDataParams>(&section.offer)) max_message_size = data->max_message_size;
  sctp::SctpConfig config;
  config.remote_port = data_remote_->sctp_port;
  config.remote_max_message_size = data_remote_->max_message_size;
  config.max_message_size = max_message_size;
  sctp::SctpAssociation::Callbacks callbacks;
  // Inside usrsctp: straight to DTLS, never back into an association.
  callbacks.send = [this](std::span<const uint8_t> packet) {
    if (dtls_) dtls_->send_application_data(packet);
  };
  callbacks.on_connected = [this] {
    if (callbacks_.on_data_connected) callbacks_.on_data_connected();
  };
  callbacks.on_channel = [this](sctp::DataChannel& channel) {
    if (callbacks_.on_data_channel) callbacks_.on_data_channel(channel);
  };
  callbacks.on_closed = [this](const std::string& why) {
    if (callbacks_.on_data_closed) callbacks_.on_data_closed(why);
  };
  const auto sctp_role = role == dtls::DtlsTransport::Role::Client ? sctp::SctpAssociation::Role::DtlsClient
                                                                   : sctp::SctpAssociation::Role::DtlsServer;
  try {
    sctp_ = std::make_unique<sctp::SctpAssociation>(loop_, sctp_role, config, std::move(callbacks));
  } catch (const std::exception& e) {
    // Data channels are lost, media goes on.
    core::log_warn("peer: no data channels: ", e.what());
    if (callbacks_.on_data_closed) callbacks_.on_data_closed(e.what());
    return;
  }
  sctp_->start();
}

void PeerSession::accept_video(SendSection& section, const std::string& answer_sdp) {
  const auto& offer = std::get<sdp::LocalVideoParams>(section.offer);
  const auto answer = sdp::parse_remote_video(answer_sdp, offer.mid, offer.codec);
  if (!answer || !answer->accepted) {
    // Janus answers a codec the room does not allow as an inactive m-line: audio goes on.
    section.refusal = !answer ? "the server's answer has no video section"
                      : !answer->payload_type
                          ? "the room does not accept " + std::string(sdp::codec_name(offer.codec)) +
                                " video (its videocodec setting)"
                          : "the server does not receive our video (m-line " +
                                std::string(sdp::to_string(answer->direction)) + ")";
    return;
  }
  VideoRtpSender::Callbacks callbacks;
  callbacks.on_keyframe_request = [this, mid = offer.mid] {
    if (callbacks_.on_keyframe_request) callbacks_.on_keyframe_request(mid);
  };
  callbacks.on_bandwidth_estimate = [this, mid = offer.mid](int bps) {
    if (callbacks_.on_bandwidth_estimate) callbacks_.on_bandwidth_estimate(mid, bps);
  };
  auto video = std::make_unique<VideoRtpSender>(offer.codec, offer.ssrc, *answer->payload_type,
                                                random_value<uint16_t>() & 0x7fff, random_value<uint32_t>(),
                                                offer.nack, std::move(callbacks));
  if (offer.nack && offer.rtx_ssrc && answer->rtx_payload_type)
    video->enable_rtx(*offer.rtx_ssrc, *answer->rtx_payload_type, random_value<uint16_t>() & 0x7fff);
  section.sender = std::move(video);
}

// ---- publisher: sending --------------------------------------------------------------------------

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
