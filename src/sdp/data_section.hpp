// Our m=application section for data channels (RFC 8841) and the answer's view of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sdp/offer_answer.hpp"
#include "sdp/session_description.hpp"

namespace roomcast::sdp {

inline constexpr std::string_view kDataProto = "UDP/DTLS/SCTP";
inline constexpr std::string_view kDataFormat = "webrtc-datachannel";
/// RFC 8841 §6.1: what a peer that gives no a=max-message-size takes.
inline constexpr size_t kDefaultMaxMessageSize = 64 * 1024;

/// The data channels section we offer: SCTP over the BUNDLEd DTLS transport.
struct LocalDataParams {
  std::string mid = "0";
  uint16_t sctp_port = 5000;
  size_t max_message_size = 256 * 1024;  ///< the largest message we take
};

/// `local` gives the transport (ICE credentials, candidates, fingerprint); the rest is unused.
/// `setup`: actpass in an offer, active or passive in an answer (RFC 5763 §5); candidates only
/// where asked (an answer carries them in its first BUNDLEd section).
MediaSection data_section(const LocalMediaParams& local, const LocalDataParams& data,
                          std::string_view setup = "actpass", bool with_candidates = true);

/// Whether an offered m= line is a data channel section we can take: m=application, port not
/// 0, UDP/DTLS/SCTP (or TCP/DTLS/SCTP) with webrtc-datachannel, or the older DTLS/SCTP form.
bool offers_data_channels(const RemoteMediaLine& line);

/// The remote side of a data section (an answer to ours, or an offer).
struct RemoteData {
  bool accepted = false;  ///< port not 0, SCTP over DTLS, webrtc-datachannel
  uint16_t sctp_port = 5000;
  /// The largest message the peer takes; 0: no limit (RFC 8841 §6.1).
  size_t max_message_size = kDefaultMaxMessageSize;
};

/// Reads the m=application section with `mid` (nullopt when there is none). The older
/// "DTLS/SCTP 5000" + a=sctpmap form (draft-ietf-mmusic-sctp-sdp-05) is read too.
std::optional<RemoteData> parse_remote_data(std::string_view sdp, std::string_view mid);

}  // namespace roomcast::sdp
