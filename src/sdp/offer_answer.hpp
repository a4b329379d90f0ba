// Typed JSEP audio offer/answer for Janus (RFC 8829, RFC 3264): build ours, read theirs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roomcast::sdp {

// RFC 3264 §5.1 / RFC 8866 §6.7 direction attributes.
enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };

std::string_view to_string(Direction direction);
std::optional<Direction> parse_direction(std::string_view attribute_name);
// RFC 3264 §6.1: what an answerer that wants `local` may answer to an offer of `offered`.
Direction answer_direction(Direction offered, Direction local);

inline constexpr std::string_view kOpusCodecName = "opus";
inline constexpr std::string_view kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

struct LocalMediaParams {
  using Direction = sdp::Direction;
  static constexpr Direction SendOnly = Direction::SendOnly;
  static constexpr Direction RecvOnly = Direction::RecvOnly;
  static constexpr Direction SendRecv = Direction::SendRecv;

  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint_sha256;      // "AB:CD:..."; written uppercase whatever the input case
  std::vector<std::string> candidates; // "candidate:..." (a leading "a=" is tolerated)
  uint32_t ssrc = 0;
  std::string cname;
  std::string msid_stream;
  std::string msid_track;
  Direction direction = Direction::SendOnly;
  std::string mid = "0";
  uint8_t opus_pt = 111;
  std::optional<uint8_t> audio_level_ext_id = 1;
  bool stereo = false;  // we send stereo: fmtp stereo=1; sprop-stereo=1 (RFC 7587 §7.1)
};

// Publisher offer for Janus VideoRoom: one BUNDLEd, rtcp-mux'd m=audio with Opus, our ICE
// credentials, DTLS fingerprint with a=setup:actpass, and every candidate followed by
// a=end-of-candidates (no a=ice-options:trickle; with no candidates, end-of-candidates is left
// out so that they can still be trickled). a=msid and a=ssrc only when we send.
// The o= session id is random; the second overload fixes it (tests, renegotiation).
std::string build_audio_offer(const LocalMediaParams& local);
std::string build_audio_offer(const LocalMediaParams& local, uint64_t session_id);

// One m= section of the remote description, to mirror as rejected in an answer.
struct RemoteMediaLine {
  std::string media;
  uint16_t port = 0;
  std::string proto;
  std::vector<std::string> formats;
  std::string mid;

  bool operator==(const RemoteMediaLine&) const = default;
};

struct RemoteMediaParams {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint_algorithm; // lowercase, e.g. "sha-256"
  std::string fingerprint;           // uppercase hex with colons
  std::string setup;                 // "active", "passive" or "actpass"
  std::string mid;
  std::optional<uint8_t> opus_pt;
  std::optional<uint8_t> audio_level_ext_id;
  Direction direction = Direction::SendRecv;
  std::vector<uint32_t> ssrcs;
  std::vector<std::string> candidates; // "candidate:..." without "a="
  bool rtcp_mux = false;
  bool has_end_of_candidates = false;
  bool ice_lite = false;  // a=ice-lite (session level): the server never checks, we must control
  std::string connection_address; // from c= (media, else session); "" when absent
  std::string opus_fmtp;          // the offer's a=fmtp parameters for opus_pt, if any

  std::vector<RemoteMediaLine> media_lines; // every m= section, in order
  std::size_t audio_index = 0;              // which of them was chosen
};

// Reads the first m=audio section whose port isn't 0. ICE credentials and fingerprint come
// from that section, else from the first section of its BUNDLE group, else session level.
// nullopt (with the reason in *why_not) when there is no usable audio section, no Opus
// payload type, no ICE credentials, no fingerprint, or an a=setup of another value.
std::optional<RemoteMediaParams> parse_remote_audio(std::string_view sdp,
                                                    std::string* why_not = nullptr);

// Our answer to a remote offer (e.g. a Janus subscriber offer): same m= lines in the same
// order, the chosen audio one accepted with the offer's mid, Opus payload type and
// audio-level id, a=setup:active (passive if the offer was active), the direction from
// answer_direction(offer, local.direction); every other section is rejected with port 0.
std::string build_audio_answer(const RemoteMediaParams& offer, const LocalMediaParams& local);
std::string build_audio_answer(const RemoteMediaParams& offer, const LocalMediaParams& local,
                               uint64_t session_id);

// "ab:cd" -> "AB:CD"; trims spaces.
std::string normalize_fingerprint(std::string_view fingerprint);

} // namespace roomcast::sdp
