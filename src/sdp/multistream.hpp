// Multistream offer/answer: Janus's subscriber offer with N m=audio and m=video sections, and
// our answer that receives every Opus, VP8 and H.264 section over one BUNDLEd transport (RFC 8843,
// RFC 8829 §5.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "roomcast/meeting_config.hpp"
#include "sdp/data_section.hpp"
#include "sdp/offer_answer.hpp"

namespace roomcast::sdp {

// One offered m=audio section we can receive (port not 0, Opus offered).
struct RemoteAudioStream {
  std::size_t index = 0; // its place among the offer's m= sections
  std::string mid;
  uint8_t opus_pt = 0;
  std::optional<uint8_t> audio_level_ext_id;
  std::optional<uint8_t> mid_ext_id; // RFC 8843 §15.2 sdes:mid header extension
  Direction direction = Direction::SendRecv;
  std::vector<uint32_t> ssrcs; // from a=ssrc; empty for an inactive section

  bool operator==(const RemoteAudioStream &) const = default;
};

// One offered m=video section we can receive (port not 0, VP8 or H.264 offered; VP8 is
// taken when both are).
struct RemoteVideoStream {
  std::size_t index = 0; // its place among the offer's m= sections
  std::string mid;
  VideoCodec codec = VideoCodec::vp8;
  uint8_t payload_type = 0;
  std::string fmtp; // the offer's a=fmtp for payload_type (H.264: the answer repeats it)
  // Of the feedback we act on ("ccm fir", "nack", "nack pli"), what the offer has for payload_type
  // (RFC 4585 §4.2); the answer mirrors it.
  std::set<std::string> feedback;
  std::optional<uint8_t> mid_ext_id;
  Direction direction = Direction::SendRecv;
  std::vector<uint32_t> ssrcs; // from a=ssrc (an RTX SSRC included, though RTX is not answered)

  bool operator==(const RemoteVideoStream &) const = default;
};

struct RemoteMultiOffer {
  // ICE, DTLS and candidates of the BUNDLE transport (the first usable audio section's view,
  // as parse_remote_audio reads it, else the first video section's), plus every m= line in order.
  RemoteMediaParams transport;
  std::vector<RemoteAudioStream> audio;
  std::vector<RemoteVideoStream> video;
};

// nullopt (reason in *why_not) under the same conditions as parse_remote_audio, except that an
// offer of video sections only is read too (its transport from the first). Audio sections
// without Opus and video sections without VP8 or H.264 are left out (the answer rejects them).
std::optional<RemoteMultiOffer> parse_remote_multi_audio(std::string_view sdp,
                                                         std::string *why_not = nullptr);

// Our answer: the offer's m= lines in order; each section of `offer.audio` accepted with its
// mid, Opus payload type, audio-level and mid extension ids and the direction
// answer_direction(offered, local.direction) (recvonly for Janus's sendonly, inactive for a
// section Janus parked); each section of `offer.video` accepted the same way with its codec alone
// (its offered payload type and, for H.264, a=fmtp; no RTX) and the feedback the offer had of "ccm fir", "nack", "nack pli";
// every other section rejected with port 0. One BUNDLE group of the
// accepted mids; candidates only in the first accepted section (the BUNDLE tag, RFC 8843 §7.3).
std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local);
std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local,
                                     uint64_t session_id);
// With `data`: the offer's first data channel section (offers_data_channels) is accepted too, with
// its mid, our SCTP port and max-message-size (RFC 8841); without, it is rejected like the rest.
std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local,
                                     uint64_t session_id, const LocalDataParams *data);

} // namespace roomcast::sdp
