// Self-signed certificate generation and fingerprints with OpenSSL 3.
#include "dtls/certificate.hpp"

#include <openssl/rand.h>

#include <cctype>

#include "roomcast/error.hpp"

namespace roomcast::dtls {

namespace {
[[noreturn]] void fail(const char* what) {
  throw Error(Error::Kind::Transport, std::string("DTLS certificate: ") + what + " failed");
}
}  // namespace

Certificate Certificate::generate(const std::string& common_name) {
  Certificate cert;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) fail("EC P-256 key generation");
  cert.key_.reset(key, [](EVP_PKEY* k) { EVP_PKEY_free(k); });
  X509* x509 = X509_new();
  if (!x509) fail("X509_new");
  cert.x509_.reset(x509, [](X509* x) { X509_free(x); });

  X509_set_version(x509, 2);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509));
  BN_free(bn);
  // Backdate a day so peers with a slightly wrong clock still accept it.
  X509_gmtime_adj(X509_getm_notBefore(x509), -86400);
  X509_gmtime_adj(X509_getm_notAfter(x509), 30L * 86400);
  X509_NAME* name = X509_get_subject_name(x509);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x509, name);
  if (!X509_set_pubkey(x509, key)) fail("X509_set_pubkey");
  if (!X509_sign(x509, key, EVP_sha256())) fail("X509_sign");
  cert.fingerprint_ = sha256_fingerprint(x509);
  return cert;
}

std::string sha256_fingerprint(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!X509_digest(certificate, EVP_sha256(), digest, &length)) return {};
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    if (i) out += ':';
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

bool fingerprints_equal(const std::string& a, const std::string& b) {
  auto normalise = [](const std::string& s) {
    std::string out;
    for (char c : s)
      if (std::isxdigit(static_cast<unsigned char>(c)))
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  };
  auto na = normalise(a);
  return !na.empty() && na == normalise(b);
}

}  // namespace roomcast::dtls
