// DTLS handshake between two in-process transports: fingerprint check, SRTP key export, SRTP.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>

#include "core/event_loop.hpp"
#include "dtls/dtls_transport.hpp"
#include "rtp/rtp_packet.hpp"
#include "srtp/srtp_session.hpp"

using namespace roomcast;
using dtls::DtlsTransport;

namespace {

struct Outcome {
  std::optional<dtls::SrtpKeys> keys;
  std::optional<std::string> failure;
};

/// Runs a handshake between a client and a server on one loop; each side checks the
/// other's certificate against the fingerprint it is given.
std::pair<Outcome, Outcome> handshake(const std::string& client_expects,
                                      const std::string& server_expects,
                                      const dtls::Certificate& client_cert,
                                      const dtls::Certificate& server_cert) {
  core::EventLoop loop;
  std::promise<std::pair<Outcome, Outcome>> done;
  auto future = done.get_future();
  std::unique_ptr<DtlsTransport> client, server;
  Outcome client_outcome, server_outcome;
  int settled = 0;
  auto settle = [&] {
    if (++settled == 2) done.set_value({client_outcome, server_outcome});
  };
  loop.call([&] {
    auto callbacks = [&](std::unique_ptr<DtlsTransport>& peer, Outcome& outcome) {
      DtlsTransport::Callbacks c;
      // Deliver asynchronously, as a network would.
      c.send = [&loop, &peer](std::span<const uint8_t> datagram) {
        std::vector<uint8_t> copy(datagram.begin(), datagram.end());
        loop.post([&peer, copy] {
          if (peer) peer->handle_datagram(copy);
        });
      };
      c.on_connected = [&](const dtls::SrtpKeys& keys) { outcome.keys = keys; settle(); };
      c.on_failed = [&](const std::string& why) { outcome.failure = why; settle(); };
      return c;
    };
    client = std::make_unique<DtlsTransport>(loop.context(), client_cert, DtlsTransport::Role::Client,
                                             client_expects, callbacks(server, client_outcome));
    server = std::make_unique<DtlsTransport>(loop.context(), server_cert, DtlsTransport::Role::Server,
                                             server_expects, callbacks(client, server_outcome));
    server->start();
    client->start();
  });
  auto status = future.wait_for(std::chrono::seconds(10));
  EXPECT_EQ(status, std::future_status::ready) << "handshake did not settle within 10 s";
  std::pair<Outcome, Outcome> result;
  if (status == std::future_status::ready) result = future.get();
  loop.call([&] {
    client.reset();
    server.reset();
  });
  return result;
}

}  // namespace

TEST(Dtls, CertificateFingerprintIsSha256WithColons) {
  auto cert = dtls::Certificate::generate();
  const auto& fp = cert.fingerprint_sha256();
  EXPECT_EQ(fp.size(), 32u * 3 - 1);
  EXPECT_EQ(fp, dtls::sha256_fingerprint(cert.x509()));
  EXPECT_NE(fp, dtls::Certificate::generate().fingerprint_sha256()) << "each session gets its own key";
  EXPECT_TRUE(dtls::fingerprints_equal(fp, [&] {
    std::string lower = fp;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
  }()));
  EXPECT_FALSE(dtls::fingerprints_equal(fp, ""));
}

TEST(Dtls, MatchingFingerprintsConnectAndExportMirroredSrtpKeys) {
  auto client_cert = dtls::Certificate::generate();
  auto server_cert = dtls::Certificate::generate();
  auto [client, server] = handshake(server_cert.fingerprint_sha256(), client_cert.fingerprint_sha256(),
                                    client_cert, server_cert);
  ASSERT_FALSE(client.failure) << *client.failure;
  ASSERT_FALSE(server.failure) << *server.failure;
  ASSERT_TRUE(client.keys && server.keys);
  EXPECT_EQ(client.keys->profile, "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(client.keys->local_master.size(), 30u);  // 16-byte key + 14-byte salt
  EXPECT_EQ(client.keys->local_master, server.keys->remote_master);
  EXPECT_EQ(client.keys->remote_master, server.keys->local_master);
  EXPECT_NE(client.keys->local_master, client.keys->remote_master);
}

TEST(Dtls, WrongFingerprintIsRejected) {
  auto client_cert = dtls::Certificate::generate();
  auto server_cert = dtls::Certificate::generate();
  auto impostor = dtls::Certificate::generate();
  // The client expects a certificate other than the one the server presents.
  auto [client, server] = handshake(impostor.fingerprint_sha256(), client_cert.fingerprint_sha256(),
                                    client_cert, server_cert);
  ASSERT_TRUE(client.failure);
  EXPECT_FALSE(client.keys) << "no SRTP keys may come out of a mismatched handshake";
  EXPECT_NE(client.failure->find("does not match the SDP answer"), std::string::npos) << *client.failure;
  EXPECT_NE(client.failure->find(server_cert.fingerprint_sha256()), std::string::npos);
}

TEST(Srtp, ProtectedPacketsDecryptOnlyWithTheMirroredKeys) {
  std::vector<uint8_t> a(30), b(30);
  for (size_t i = 0; i < 30; ++i) {
    a[i] = static_cast<uint8_t>(i * 7 + 1);
    b[i] = static_cast<uint8_t>(i * 13 + 5);
  }
  srtp::SrtpSession sender("SRTP_AES128_CM_SHA1_80", a, b);
  srtp::SrtpSession receiver("SRTP_AES128_CM_SHA1_80", b, a);
  srtp::SrtpSession stranger("SRTP_AES128_CM_SHA1_80", b, b);

  rtp::RtpPacket packet;
  packet.payload_type = 111;
  packet.sequence = 4242;
  packet.timestamp = 960 * 7;
  packet.ssrc = 0x11223344;
  packet.payload = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto plain = packet.serialize();

  auto wire = plain;
  ASSERT_TRUE(sender.protect_rtp(wire));
  EXPECT_EQ(wire.size(), plain.size() + 10) << "HMAC-SHA1-80 adds a 10-byte tag";
  EXPECT_NE(std::vector<uint8_t>(wire.begin() + 12, wire.begin() + 21),
            std::vector<uint8_t>(plain.begin() + 12, plain.end()))
      << "payload must be encrypted";

  auto tampered = wire;
  tampered[14] ^= 0x01;
  EXPECT_FALSE(receiver.unprotect_rtp(tampered));
  auto wrong_key = wire;
  EXPECT_FALSE(stranger.unprotect_rtp(wrong_key));

  ASSERT_TRUE(receiver.unprotect_rtp(wire));
  EXPECT_EQ(wire, plain);
  EXPECT_EQ(receiver.rejected_packets(), 1u);
}
