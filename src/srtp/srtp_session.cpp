// SrtpSession on libsrtp2; srtp_init is refcounted across sessions.
#include "srtp/srtp_session.hpp"

#include <srtp2/srtp.h>

#include <mutex>

#include "core/log.hpp"
#include "roomcast/error.hpp"

namespace roomcast::srtp {

namespace {
std::mutex init_mutex;
int init_count = 0;

void library_acquire() {
  std::lock_guard lock(init_mutex);
  if (init_count++ == 0 && srtp_init() != srtp_err_status_ok) {
    --init_count;
    throw Error(Error::Kind::Transport, "SRTP: srtp_init failed");
  }
}
void library_release() {
  std::lock_guard lock(init_mutex);
  if (--init_count == 0) srtp_shutdown();
}

srtp_t make_context(const std::string& profile, std::span<const uint8_t> master, bool outbound) {
  srtp_policy_t policy{};
  if (profile == "SRTP_AES128_CM_SHA1_80") {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  } else if (profile == "SRTP_AES128_CM_SHA1_32") {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  } else {
    throw Error(Error::Kind::Transport, "SRTP: unsupported profile " + profile);
  }
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = const_cast<uint8_t*>(master.data());
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;  // retransmitted packets are legitimate
  srtp_t context = nullptr;
  if (srtp_create(&context, &policy) != srtp_err_status_ok)
    throw Error(Error::Kind::Transport, "SRTP: cannot create the session context");
  return context;
}

bool grow_and(std::vector<uint8_t>& packet, srtp_err_status_t (*op)(srtp_t, void*, int*),
              srtp_t context) {
  int length = static_cast<int>(packet.size());
  packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN);
  bool ok = op(context, packet.data(), &length) == srtp_err_status_ok;
  packet.resize(ok ? static_cast<size_t>(length) : packet.size() - SRTP_MAX_TRAILER_LEN);
  return ok;
}
}  // namespace

SrtpSession::SrtpSession(const std::string& profile, std::span<const uint8_t> local_master,
                         std::span<const uint8_t> remote_master) {
  library_acquire();
  try {
    outbound_ = make_context(profile, local_master, true);
    if (profile == "SRTP_AES128_CM_SHA1_80") rtp_protector_ = std::make_unique<RtpProtector>(local_master);
    inbound_ = make_context(profile, remote_master, false);
  } catch (...) {
    if (outbound_) srtp_dealloc(outbound_);
    library_release();
    throw;
  }
}

SrtpSession::~SrtpSession() {
  srtp_dealloc(outbound_);
  srtp_dealloc(inbound_);
  library_release();
}

bool SrtpSession::protect_rtp(std::vector<uint8_t>& packet) {
  if (rtp_protector_) return rtp_protector_->protect(packet);
  return grow_and(packet, srtp_protect, outbound_);
}
bool SrtpSession::protect_rtcp(std::vector<uint8_t>& packet) {
  return grow_and(packet, srtp_protect_rtcp, outbound_);
}

bool SrtpSession::unprotect_rtp(std::vector<uint8_t>& packet) {
  return unprotect(packet, srtp_unprotect);
}

bool SrtpSession::unprotect_rtcp(std::vector<uint8_t>& packet) {
  return unprotect(packet, srtp_unprotect_rtcp);
}

bool SrtpSession::unprotect(std::vector<uint8_t>& packet, srtp_err_status_t (*op)(srtp_t, void*, int*)) {
  int length = static_cast<int>(packet.size());
  const srtp_err_status_t status = op(inbound_, packet.data(), &length);
  if (status != srtp_err_status_ok) {
    ++rejected_;
    if (status == srtp_err_status_auth_fail)
      last_failure_ = Failure::Authentication;
    else if (status == srtp_err_status_replay_fail || status == srtp_err_status_replay_old)
      last_failure_ = Failure::Replay;
    else
      last_failure_ = Failure::Other;
    return false;
  }
  last_failure_ = Failure::None;
  packet.resize(static_cast<size_t>(length));
  return true;
}

}  // namespace roomcast::srtp
