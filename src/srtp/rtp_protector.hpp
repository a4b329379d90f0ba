// RtpProtector: SRTP encryption of outgoing RTP, AES_CM_128_HMAC_SHA1_80 (RFC 3711), on OpenSSL.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace roomcast::srtp {

/// The send path runs once per packet per participant, hundreds of participants a
/// process: Debian's libsrtp2 is built on NSS, which creates and destroys a PKCS#11
/// context per packet (most of the cost of a send). This does the same transform with
/// contexts keyed once: AES-128 in counter mode (§4.1.1) and HMAC-SHA1 truncated to
/// 80 bits (§4.2.1), keys from the master key and salt by the AES-CM PRF (§4.3), key
/// derivation rate 0. libsrtp2 still does everything else (RTCP, receiving).
class RtpProtector {
 public:
  static constexpr std::size_t kMasterKeyBytes = 16;
  static constexpr std::size_t kMasterSaltBytes = 14;
  static constexpr std::size_t kTagBytes = 10;

  /// `master` is key || salt (30 bytes, as DTLS-SRTP exports it). Throws Error(Transport)
  /// when the length is wrong or OpenSSL fails.
  explicit RtpProtector(std::span<const uint8_t> master);
  ~RtpProtector();
  RtpProtector(const RtpProtector&) = delete;
  RtpProtector& operator=(const RtpProtector&) = delete;

  /// Encrypts in place and appends the tag. False for a packet too short to be RTP.
  bool protect(std::vector<uint8_t>& packet);

  /// The session keys derived from the master (for tests against RFC 3711 B.3).
  struct SessionKeys {
    std::array<uint8_t, 16> encryption{};
    std::array<uint8_t, 20> authentication{};
    std::array<uint8_t, 14> salt{};
  };
  static SessionKeys derive(std::span<const uint8_t, kMasterKeyBytes> key,
                            std::span<const uint8_t, kMasterSaltBytes> salt);

 private:
  // §3.3.1: each SSRC (our audio, our video) has its own sequence numbers and rollover counter.
  struct StreamIndex {
    uint32_t ssrc = 0;
    std::optional<uint16_t> highest_sequence;
    uint32_t rollover = 0;
  };
  uint32_t rollover_for(uint32_t ssrc, uint16_t sequence);

  SessionKeys keys_;
  EVP_CIPHER_CTX* cipher_ = nullptr;
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* hmac_ = nullptr;
  std::vector<StreamIndex> streams_;  // a handful at most: a linear search is fastest
};

}  // namespace roomcast::srtp
