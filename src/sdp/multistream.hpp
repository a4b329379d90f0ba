// Multistream offer/answer: Janus's subscriber offer with N m=audio sections, and our answer
// that receives every audio section over one BUNDLEd transport (RFC 8843, RFC 8829 §5.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

struct RemoteMultiOffer {
  // ICE, DTLS and candidates of the BUNDLE transport (the first usable audio section's view,
  // as parse_remote_audio reads it), plus every m= line in order.
  RemoteMediaParams transport;
  std::vector<RemoteAudioStream> audio;
};

// nullopt (reason in *why_not) under the same conditions as parse_remote_audio. Audio sections
// without Opus are left out of `audio` (the answer rejects them).
std::optional<RemoteMultiOffer> parse_remote_multi_audio(std::string_view sdp,
                                                         std::string *why_not = nullptr);

// Our answer: the offer's m= lines in order; each section of `offer.audio` accepted with its
// mid, Opus payload type, audio-level and mid extension ids and the direction
// answer_direction(offered, local.direction) (recvonly for Janus's sendonly, inactive for a
// section Janus parked); every other section rejected with port 0. One BUNDLE group of the
// accepted mids; candidates only in the first accepted section (the BUNDLE tag, RFC 8843 §7.3).
std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local);
std::string build_multi_audio_answer(const RemoteMultiOffer &offer, const LocalMediaParams &local,
                                     uint64_t session_id);

} // namespace roomcast::sdp
