// Data channels over a real DTLS handshake: SCTP packets travel as DTLS application data (RFC
// 8261).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "dtls/dtls_transport.hpp"
#include "sctp/sctp_association.hpp"

using namespace roomcast;
using namespace std::chrono_literals;

namespace {

// One end: DTLS below, SCTP above, as PeerSession stacks them.
struct End {
  std::unique_ptr<dtls::DtlsTransport> dtls;
  std::unique_ptr<sctp::SctpAssociation> sctp;
  std::vector<std::string> received;  // guarded by the test's mutex
  sctp::DataChannel* opened_by_peer = nullptr;
  bool channel_open = false;
};

}  // namespace

TEST(SctpOverDtls, DataChannelMessagesCrossTheDtlsTransport) {
  std::mutex mutex;
  std::condition_variable changed;
  End ends[2];  // 0: DTLS client, 1: DTLS server
  core::EventLoop loop;
  auto record = [&](auto&& f) {
    {
      std::lock_guard lock(mutex);
      f();
    }
    changed.notify_all();
  };
  const auto client_cert = dtls::Certificate::generate();
  const auto server_cert = dtls::Certificate::generate();
  sctp::DataChannel* channel = nullptr;

  loop.call([&] {
    for (int i = 0; i < 2; ++i) {
      End& end = ends[i];
      dtls::DtlsTransport::Callbacks d;
      d.send = [&loop, &ends, i](std::span<const uint8_t> datagram) {
        loop.post([&ends, i, copy = std::vector<uint8_t>(datagram.begin(), datagram.end())] {
          if (ends[1 - i].dtls) ends[1 - i].dtls->handle_datagram(copy);
        });
      };
      d.on_connected = [&end](const dtls::SrtpKeys&) { end.sctp->start(); };
      d.on_application_data = [&end](std::span<const uint8_t> packet) {
        end.sctp->handle_packet(packet);
      };
      sctp::SctpAssociation::Callbacks s;
      s.send = [&end](std::span<const uint8_t> packet) {
        EXPECT_TRUE(end.dtls->send_application_data(packet));
      };
      s.on_channel = [&, i](sctp::DataChannel& ch) {
        sctp::DataChannel::Callbacks c;
        c.on_message = [&, i](sctp::DataMessage m) {
          record([&] { ends[i].received.emplace_back(m.text()); });
        };
        ch.set_callbacks(std::move(c));
        record([&] { ends[i].opened_by_peer = &ch; });
      };
      const auto role = i == 0 ? sctp::SctpAssociation::Role::DtlsClient
                               : sctp::SctpAssociation::Role::DtlsServer;
      end.sctp = std::make_unique<sctp::SctpAssociation>(loop, role, sctp::SctpConfig{}, s);
      const auto& mine = i == 0 ? client_cert : server_cert;
      const auto& theirs = i == 0 ? server_cert : client_cert;
      end.dtls = std::make_unique<dtls::DtlsTransport>(
          loop.context(), mine,
          i == 0 ? dtls::DtlsTransport::Role::Client : dtls::DtlsTransport::Role::Server,
          theirs.fingerprint_sha256(), std::move(d));
    }
    EXPECT_FALSE(ends[0].dtls->send_application_data(std::vector<uint8_t>{1}))
        << "no application data before the handshake";
    channel = &ends[0].sctp->create_channel({"over-dtls", "", {}, 256});
    sctp::DataChannel::Callbacks c;
    c.on_open = [&] { record([&] { ends[0].channel_open = true; }); };
    channel->set_callbacks(std::move(c));
    ends[1].dtls->start();
    ends[0].dtls->start();
  });

  std::unique_lock lock(mutex);
  ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return ends[0].channel_open; }))
      << "the channel did not open over DTLS within 10 s";
  lock.unlock();
  const std::string big(60 * 1024, 'x');
  loop.call([&] {
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(channel->send_text("over dtls " + std::to_string(i)));
    EXPECT_TRUE(channel->send_text(big));
  });
  lock.lock();
  ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return ends[1].received.size() == 101; }))
      << ends[1].received.size() << " of 101 messages arrived";
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ends[1].received[i], "over dtls " + std::to_string(i));
  EXPECT_TRUE(ends[1].received[100] == big) << "the 60 KiB message differs";
  EXPECT_EQ(ends[1].opened_by_peer->label(), "over-dtls");
  lock.unlock();

  loop.call([&] {
    for (auto& end : ends) {
      end.sctp.reset();
      end.dtls.reset();
    }
  });
}
