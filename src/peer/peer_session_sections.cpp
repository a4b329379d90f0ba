// PeerSession's media sections: what each one offers, what the server's answer made of it
// (its RtpSender, a refusal, the data channels' association), and the offers and answers of
// the transport they share. The transport itself (ICE, DTLS, SRTP, RTCP) is peer_session.cpp.
#include <stdexcept>
#include <type_traits>

#include "core/log.hpp"
#include "peer/peer_session.hpp"
#include "peer/random_value.hpp"
#include "sdp/sections.hpp"

namespace roomcast::peer {


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

}  // namespace roomcast::peer
