// SrtpSession: libsrtp2 contexts for one transport, outbound and inbound (RFC 3711).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <srtp2/srtp.h>

#include "srtp/rtp_protector.hpp"

namespace roomcast::srtp {

class SrtpSession {
 public:
  /// `profile` is the DTLS-SRTP profile name; keys are master key || salt.
  SrtpSession(const std::string& profile, std::span<const uint8_t> local_master,
              std::span<const uint8_t> remote_master);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  /// Encrypts in place; the packet grows by the auth tag. False on failure.
  bool protect_rtp(std::vector<uint8_t>& packet);
  bool protect_rtcp(std::vector<uint8_t>& packet);
  /// Decrypts in place; nullopt-like false for replayed, forged or malformed packets.
  bool unprotect_rtp(std::vector<uint8_t>& packet);
  bool unprotect_rtcp(std::vector<uint8_t>& packet);

  uint64_t rejected_packets() const { return rejected_; }
  /// Why the last unprotect failed (RFC 3711 §3.3: replay check, then authentication).
  enum class Failure { None, Authentication, Replay, Other };
  Failure last_failure() const { return last_failure_; }

 private:
  // op is srtp_unprotect or srtp_unprotect_rtcp.
  bool unprotect(std::vector<uint8_t>& packet, srtp_err_status_t (*op)(srtp_ctx_t_*, void*, int*));

  std::unique_ptr<RtpProtector> rtp_protector_;  // outgoing RTP, for the AES_CM_128_HMAC_SHA1_80 profile
  srtp_ctx_t_* outbound_ = nullptr;
  srtp_ctx_t_* inbound_ = nullptr;
  uint64_t rejected_ = 0;
  Failure last_failure_ = Failure::None;
};

}  // namespace roomcast::srtp
