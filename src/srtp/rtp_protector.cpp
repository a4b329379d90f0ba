// RtpProtector: RFC 3711 §3.3 packet processing for the sender, AES-CM + HMAC-SHA1-80.
#include "srtp/rtp_protector.hpp"

#include <algorithm>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <cstring>
#include <string>

#include "roomcast/error.hpp"

namespace roomcast::srtp {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(Error::Kind::Transport, "SRTP: " + what + " failed (OpenSSL)");
}

// AES-128 counter-mode keystream from a 16-byte IV into `out` (the PRF of §4.3.3 and the
// cipher of §4.1.1 are the same construction).
void keystream(std::span<const uint8_t, 16> key, const std::array<uint8_t, 16>& iv, std::span<uint8_t> out) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int written = 0;
  std::vector<uint8_t> zeros(out.size(), 0);
  bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, key.data(), iv.data()) == 1 &&
            EVP_EncryptUpdate(ctx, out.data(), &written, zeros.data(), static_cast<int>(zeros.size())) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) fail("key derivation");
}

std::size_t header_length(std::span<const uint8_t> packet) {
  if (packet.size() < 12 || (packet[0] >> 6) != 2) return 0;
  std::size_t length = 12 + 4 * static_cast<std::size_t>(packet[0] & 0x0F);
  if (packet[0] & 0x10) {  // header extension: 4 bytes, then `length` 32-bit words
    if (packet.size() < length + 4) return 0;
    length += 4 + 4 * ((static_cast<std::size_t>(packet[length + 2]) << 8) | packet[length + 3]);
  }
  return length <= packet.size() ? length : 0;
}

}  // namespace

RtpProtector::SessionKeys RtpProtector::derive(std::span<const uint8_t, kMasterKeyBytes> key,
                                               std::span<const uint8_t, kMasterSaltBytes> salt) {
  // §4.3.1 with key_derivation_rate 0: x = label << 48 XOR master_salt; IV = x * 2^16.
  auto prf = [&](uint8_t label, std::span<uint8_t> out) {
    std::array<uint8_t, 16> iv{};
    std::memcpy(iv.data(), salt.data(), kMasterSaltBytes);
    iv[7] ^= label;
    keystream(key, iv, out);
  };
  SessionKeys keys;
  prf(0x00, keys.encryption);
  prf(0x01, keys.authentication);
  prf(0x02, keys.salt);
  return keys;
}

RtpProtector::RtpProtector(std::span<const uint8_t> master) {
  if (master.size() != kMasterKeyBytes + kMasterSaltBytes)
    throw Error(Error::Kind::Transport, "SRTP: the master key and salt must be 30 bytes, got " +
                                            std::to_string(master.size()));
  keys_ = derive(master.first<kMasterKeyBytes>(), master.subspan<kMasterKeyBytes, kMasterSaltBytes>());
  cipher_ = EVP_CIPHER_CTX_new();
  if (!cipher_ || EVP_EncryptInit_ex(cipher_, EVP_aes_128_ctr(), nullptr, keys_.encryption.data(), nullptr) != 1)
    fail("cipher set-up");
  mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  hmac_ = mac_ ? EVP_MAC_CTX_new(mac_) : nullptr;
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (!hmac_ || EVP_MAC_init(hmac_, keys_.authentication.data(), keys_.authentication.size(), params) != 1)
    fail("HMAC set-up");
}

RtpProtector::~RtpProtector() {
  EVP_MAC_CTX_free(hmac_);
  EVP_MAC_free(mac_);
  EVP_CIPHER_CTX_free(cipher_);
}

// The sender's rollover counter (§3.3.1): it counts wraps of the 16-bit sequence number.
uint32_t RtpProtector::rollover_for(uint32_t ssrc, uint16_t sequence) {
  auto stream = std::find_if(streams_.begin(), streams_.end(), [ssrc](const StreamIndex& s) { return s.ssrc == ssrc; });
  if (stream == streams_.end()) stream = streams_.insert(streams_.end(), StreamIndex{ssrc, std::nullopt, 0});
  auto& highest = stream->highest_sequence;
  auto& rollover = stream->rollover;
  if (highest) {
    const int delta = static_cast<int>(sequence) - static_cast<int>(*highest);
    if (delta < -32768) {  // wrapped forward
      ++rollover;
      highest = sequence;
    } else if (delta > 32768) {  // a late packet (a retransmission) from before the last wrap
      return rollover - 1;
    } else if (delta > 0) {
      highest = sequence;
    }
  } else {
    highest = sequence;
  }
  return rollover;
}

bool RtpProtector::protect(std::vector<uint8_t>& packet) {
  const std::size_t header = header_length(packet);
  if (header == 0) return false;
  const uint16_t sequence = static_cast<uint16_t>((packet[2] << 8) | packet[3]);
  const uint32_t ssrc = (uint32_t{packet[8]} << 24) | (uint32_t{packet[9]} << 16) | (uint32_t{packet[10]} << 8) | packet[11];
  const uint32_t rollover = rollover_for(ssrc, sequence);
  // §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = 2^16 * ROC + SEQ.
  std::array<uint8_t, 16> iv{};
  std::memcpy(iv.data(), keys_.salt.data(), keys_.salt.size());
  for (int b = 0; b < 4; ++b) iv[4 + b] ^= packet[8 + b];
  const uint64_t index = (static_cast<uint64_t>(rollover) << 16) | sequence;
  for (int b = 0; b < 6; ++b) iv[8 + b] ^= static_cast<uint8_t>(index >> (8 * (5 - b)));
  int written = 0;
  uint8_t* payload = packet.data() + header;
  const int payload_bytes = static_cast<int>(packet.size() - header);
  if (EVP_EncryptInit_ex(cipher_, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(cipher_, payload, &written, payload, payload_bytes) != 1)
    return false;
  // §4.2: tag = HMAC-SHA1(k_a, packet || ROC) truncated to 80 bits; the key stays set.
  const uint8_t roc[4] = {static_cast<uint8_t>(rollover >> 24), static_cast<uint8_t>(rollover >> 16),
                          static_cast<uint8_t>(rollover >> 8), static_cast<uint8_t>(rollover)};
  uint8_t tag[EVP_MAX_MD_SIZE];
  std::size_t tag_size = 0;
  if (EVP_MAC_init(hmac_, nullptr, 0, nullptr) != 1 || EVP_MAC_update(hmac_, packet.data(), packet.size()) != 1 ||
      EVP_MAC_update(hmac_, roc, sizeof roc) != 1 || EVP_MAC_final(hmac_, tag, &tag_size, sizeof tag) != 1)
    return false;
  packet.insert(packet.end(), tag, tag + kTagBytes);
  return true;
}

}  // namespace roomcast::srtp
