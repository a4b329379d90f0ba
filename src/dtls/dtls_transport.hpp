// DtlsTransport: DTLS 1.2 handshake over ICE and DTLS-SRTP key export (RFC 5764).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "dtls/certificate.hpp"

namespace roomcast::dtls {

/// Keying material for one direction pair, as libsrtp wants it: key || salt.
struct SrtpKeys {
  std::string profile;                // "SRTP_AES128_CM_SHA1_80"
  std::vector<uint8_t> local_master;  // protects what we send
  std::vector<uint8_t> remote_master; // unprotects what we receive
};

class DtlsTransport {
 public:
  /// Janus answers a=setup:active to our actpass, making us the server (RFC 5763 §5).
  enum class Role { Server, Client };
  struct Callbacks {
    std::function<void(std::span<const uint8_t>)> send;
    std::function<void(const SrtpKeys&)> on_connected;
    std::function<void(const std::string& why)> on_failed;
    std::function<void()> on_closed;  // peer sent close_notify
    /// One DTLS application data record: an SCTP packet of the data channels (RFC 8261).
    std::function<void(std::span<const uint8_t>)> on_application_data;
  };

  DtlsTransport(GMainContext* context, const Certificate& certificate, Role role,
                std::string expected_peer_fingerprint, Callbacks callbacks);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  /// Begins the handshake (a client sends its ClientHello; a server waits for one).
  void start();
  /// Feeds one DTLS datagram received from the peer.
  void handle_datagram(std::span<const uint8_t> datagram);
  /// Sends one record of application data (an SCTP packet); false before the handshake is
  /// done, after close, or when OpenSSL refuses it.
  bool send_application_data(std::span<const uint8_t> data);
  /// Sends close_notify (best effort).
  void close();
  bool connected() const { return connected_; }

  /// RFC 7983 §7: first byte 20..63 is DTLS.
  static bool is_dtls(std::span<const uint8_t> datagram) {
    return !datagram.empty() && datagram[0] >= 20 && datagram[0] <= 63;
  }

 private:
  void continue_handshake();
  void flush_outgoing();
  void schedule_retransmit();
  void fail(const std::string& why);
  void finish_handshake();
  void read_application_data();

  Callbacks callbacks_;
  Role role_;
  std::string expected_fingerprint_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* incoming_ = nullptr;  // owned by ssl_
  BIO* outgoing_ = nullptr;  // owned by ssl_
  core::Timer retransmit_;
  bool connected_ = false;
  bool failed_ = false;
};

}  // namespace roomcast::dtls
