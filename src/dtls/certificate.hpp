// Certificate: a self-signed ECDSA P-256 certificate per session, and its SHA-256 fingerprint.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace roomcast::dtls {

class Certificate {
 public:
  /// Generates a fresh key pair and certificate (RFC 8827 §6.5: one per session is fine).
  static Certificate generate(const std::string& common_name = "roomcast");

  X509* x509() const { return x509_.get(); }
  EVP_PKEY* key() const { return key_.get(); }
  /// "AB:CD:..." uppercase, as in a=fingerprint:sha-256 (RFC 8122 §5).
  const std::string& fingerprint_sha256() const { return fingerprint_; }

 private:
  struct X509Free { void operator()(X509* x) const { X509_free(x); } };
  struct KeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
  std::shared_ptr<X509> x509_;
  std::shared_ptr<EVP_PKEY> key_;
  std::string fingerprint_;
};

/// SHA-256 fingerprint of any certificate, formatted like fingerprint_sha256().
std::string sha256_fingerprint(X509* certificate);

/// Case- and separator-insensitive comparison of two "AB:CD:.." fingerprints.
bool fingerprints_equal(const std::string& a, const std::string& b);

}  // namespace roomcast::dtls
