// DtlsTransport on OpenSSL memory BIOs: the loop thread feeds datagrams in and flushes flights out.
#include "dtls/dtls_transport.hpp"

#include <openssl/err.h>

#include <algorithm>

#include "core/log.hpp"
#include "roomcast/error.hpp"

namespace roomcast::dtls {

namespace {
constexpr int kMtu = 1200;
constexpr size_t kSrtpKeyLength = 16;   // AES-128
constexpr size_t kSrtpSaltLength = 14;  // RFC 3711 §8.2

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (!code) return "no OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

// OpenSSL waits 1 s before resending a lost flight (RFC 6347's default). On ICE, the peer
// often drops our first flight because its side of the pair is not yet selected, so start
// at 100 ms and back off to 2 s.
unsigned int retransmit_timer_us(SSL*, unsigned int previous_us) noexcept {
  if (previous_us == 0) return 100'000;
  return std::min(previous_us * 2, 2'000'000u);
}

// Self-signed peers are verified by fingerprint after the handshake, not by a CA chain.
int accept_any_certificate(int, X509_STORE_CTX*) noexcept { return 1; }
}  // namespace

DtlsTransport::DtlsTransport(GMainContext* context, const Certificate& certificate, Role role,
                             std::string expected_peer_fingerprint, Callbacks callbacks)
    : callbacks_(std::move(callbacks)),
      role_(role),
      expected_fingerprint_(std::move(expected_peer_fingerprint)),
      retransmit_(context, [this] {
        if (!ssl_ || connected_ || failed_) return;
        if (DTLSv1_handle_timeout(ssl_) < 0) return fail("DTLS retransmission failed: " + openssl_error());
        flush_outgoing();
        schedule_retransmit();
      }) {
  ctx_ = SSL_CTX_new(DTLS_method());
  if (!ctx_) throw Error(Error::Kind::Transport, "DTLS: SSL_CTX_new failed: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx_, DTLS1_2_VERSION);
  if (SSL_CTX_use_certificate(ctx_, certificate.x509()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx_, certificate.key()) != 1)
    throw Error(Error::Kind::Transport, "DTLS: cannot load certificate: " + openssl_error());
  // SSL_CTX_set_tlsext_use_srtp returns 0 on success.
  if (SSL_CTX_set_tlsext_use_srtp(ctx_, "SRTP_AES128_CM_SHA1_80") != 0)
    throw Error(Error::Kind::Transport, "DTLS: cannot enable DTLS-SRTP: " + openssl_error());
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     accept_any_certificate);
  SSL_CTX_set_read_ahead(ctx_, 1);

  ssl_ = SSL_new(ctx_);
  incoming_ = BIO_new(BIO_s_mem());
  outgoing_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(incoming_, -1);  // "no data yet", not EOF
  BIO_set_mem_eof_return(outgoing_, -1);
  SSL_set_bio(ssl_, incoming_, outgoing_);
  SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(ssl_, kMtu);
  DTLS_set_timer_cb(ssl_, retransmit_timer_us);
  if (role_ == Role::Server)
    SSL_set_accept_state(ssl_);
  else
    SSL_set_connect_state(ssl_);
}

DtlsTransport::~DtlsTransport() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
}

void DtlsTransport::start() {
  if (role_ == Role::Client) continue_handshake();
}

void DtlsTransport::handle_datagram(std::span<const uint8_t> datagram) {
  if (failed_ || !ssl_) return;
  BIO_write(incoming_, datagram.data(), static_cast<int>(datagram.size()));
  if (!connected_) return continue_handshake();
  read_application_data();
  flush_outgoing();
}

void DtlsTransport::read_application_data() {
  // After the handshake: application data (SCTP packets) and alerts (close_notify).
  uint8_t buffer[16384];  // one record's largest plaintext
  for (;;) {
    const int n = SSL_read(ssl_, buffer, sizeof buffer);
    if (n > 0) {
      if (callbacks_.on_application_data)
        callbacks_.on_application_data({buffer, static_cast<size_t>(n)});
      continue;
    }
    if (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN) {
      core::log_info("dtls: peer closed the connection");
      if (callbacks_.on_closed) callbacks_.on_closed();
    }
    ERR_clear_error();
    return;
  }
}

bool DtlsTransport::send_application_data(std::span<const uint8_t> data) {
  if (!ssl_ || !connected_ || failed_ || data.empty()) return false;
  const int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
  if (n <= 0) {
    core::log_debug("dtls: application data refused: ", openssl_error());
    return false;
  }
  flush_outgoing();
  return true;
}

void DtlsTransport::continue_handshake() {
  int result = SSL_do_handshake(ssl_);
  flush_outgoing();
  if (result == 1) return finish_handshake();
  int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return schedule_retransmit();
  fail("DTLS handshake failed: " + openssl_error());
}

void DtlsTransport::finish_handshake() {
  retransmit_.cancel();
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (!peer) return fail("DTLS: the peer sent no certificate");
  std::string actual = sha256_fingerprint(peer);
  X509_free(peer);
  if (!fingerprints_equal(actual, expected_fingerprint_))
    return fail("DTLS: the peer's certificate fingerprint " + actual +
                " does not match the SDP answer's " + expected_fingerprint_ +
                "; refusing to send media");
  SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_);
  if (!profile) return fail("DTLS: the peer negotiated no SRTP profile");

  // RFC 5764 §4.2: client key | server key | client salt | server salt.
  uint8_t material[2 * (kSrtpKeyLength + kSrtpSaltLength)];
  static const char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl_, material, sizeof material, kLabel, sizeof kLabel - 1,
                                 nullptr, 0, 0) != 1)
    return fail("DTLS: keying material export failed: " + openssl_error());
  const uint8_t* client_key = material;
  const uint8_t* server_key = material + kSrtpKeyLength;
  const uint8_t* client_salt = material + 2 * kSrtpKeyLength;
  const uint8_t* server_salt = client_salt + kSrtpSaltLength;
  auto master = [](const uint8_t* key, const uint8_t* salt) {
    std::vector<uint8_t> out(key, key + kSrtpKeyLength);
    out.insert(out.end(), salt, salt + kSrtpSaltLength);
    return out;
  };
  SrtpKeys keys;
  keys.profile = profile->name;
  bool server = role_ == Role::Server;
  keys.local_master = server ? master(server_key, server_salt) : master(client_key, client_salt);
  keys.remote_master = server ? master(client_key, client_salt) : master(server_key, server_salt);
  connected_ = true;
  core::log_info("dtls: handshake done, profile ", keys.profile);
  // Last: the owner may destroy us from on_connected. Application data that came with the
  // peer's last flight is read with the next datagram (SCTP resends what is not acknowledged).
  if (callbacks_.on_connected) callbacks_.on_connected(keys);
}

void DtlsTransport::close() {
  if (!ssl_ || !connected_ || failed_) return;
  SSL_shutdown(ssl_);
  flush_outgoing();
  connected_ = false;
}

void DtlsTransport::flush_outgoing() {
  // Memory BIOs keep no datagram boundaries; a whole flight fits one datagram on our paths.
  uint8_t buffer[16384];
  while (BIO_ctrl_pending(outgoing_) > 0) {
    int n = BIO_read(outgoing_, buffer, sizeof buffer);
    if (n <= 0) break;
    if (callbacks_.send) callbacks_.send({buffer, static_cast<size_t>(n)});
  }
}

void DtlsTransport::schedule_retransmit() {
  timeval timeout{};
  if (DTLSv1_get_timeout(ssl_, &timeout) == 1)
    retransmit_.arm_in(std::chrono::seconds(timeout.tv_sec) + std::chrono::microseconds(timeout.tv_usec));
}

void DtlsTransport::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  retransmit_.cancel();
  core::log_warn(why);
  if (callbacks_.on_failed) callbacks_.on_failed(why);
}

}  // namespace roomcast::dtls
