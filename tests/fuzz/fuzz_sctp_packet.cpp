// Fuzz target: hostile SCTP packets into an established association (usrsctp's chunk parsing,
// then our DCEP, PPID, stream and reset handling); nothing crashes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <future>
#include <memory>
#include <span>
#include <vector>

#include "core/event_loop.hpp"
#include "sctp/sctp_association.hpp"

// From usrsctp.h, whose struct layouts need its pkg-config flags; only this function is used.
extern "C" uint32_t usrsctp_crc32c(void* buffer, size_t length);

namespace {

using roomcast::sctp::SctpAssociation;

// A client and a server association back to back on one loop; the input goes to the server as
// if the client had sent it: with the verification tag the client uses and a valid CRC32c, so
// that usrsctp parses its chunks instead of dropping the packet at the door, and DATA chunks
// numbered from the TSN the server expects next (plus 0..3 from the input), so that they are
// delivered to our DCEP and message handling.

uint32_t read32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
void write32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
// Calls f(offset of a DATA chunk) for each DATA chunk of an SCTP packet (RFC 9260 §3.2).
template <typename F>
void each_data_chunk(std::vector<uint8_t>& packet, F&& f) {
  size_t at = 12;
  while (at + 16 <= packet.size()) {
    const size_t length = size_t{packet[at + 2]} << 8 | packet[at + 3];
    if (length < 4) return;
    if (packet[at] == 0 && length >= 16) f(at);
    at += (length + 3) & ~size_t{3};
  }
}
struct Pair {
  roomcast::core::EventLoop loop;
  std::unique_ptr<SctpAssociation> client, server;
  uint8_t server_tag[4] = {};
  bool have_tag = false;
  uint32_t next_tsn = 0;  // what the server expects from the client next
  int connected = 0;
  bool crc_checked = false;
  std::promise<void> up;

  void wire(int from, std::span<const uint8_t> packet) {
    std::vector<uint8_t> copy(packet.begin(), packet.end());
    if (!crc_checked && copy.size() >= 12) {
      // The harness's own check: usrsctp_crc32c gives the header's checksum as usrsctp writes it.
      std::vector<uint8_t> zeroed = copy;
      std::memset(zeroed.data() + 8, 0, 4);
      const uint32_t crc = usrsctp_crc32c(zeroed.data(), zeroed.size());
      if (std::memcmp(&crc, copy.data() + 8, 4) != 0) __builtin_trap();
      crc_checked = true;
    }
    if (from == 0 && copy.size() >= 13 && copy[12] != 1) {  // not INIT: it carries the tag
      std::memcpy(server_tag, copy.data() + 4, 4);
      have_tag = true;
      each_data_chunk(copy, [&](size_t at) {
        const uint32_t tsn = read32(copy.data() + at + 4);
        if (int32_t(tsn + 1 - next_tsn) > 0) next_tsn = tsn + 1;
      });
    }
    loop.post([this, from, copy = std::move(copy)] {
      auto& to = from == 0 ? server : client;
      if (to) to->handle_packet(copy);
    });
  }
  std::unique_ptr<SctpAssociation> make(int i) {
    SctpAssociation::Callbacks c;
    c.send = [this, i](std::span<const uint8_t> p) { wire(i, p); };
    c.on_connected = [this] {
      if (++connected == 2) up.set_value();
    };
    c.on_channel = [](roomcast::sctp::DataChannel& channel) {
      roomcast::sctp::DataChannel::Callbacks callbacks;
      callbacks.on_message = [&channel](roomcast::sctp::DataMessage) {
        (void)channel.send_text("echo");
      };
      channel.set_callbacks(std::move(callbacks));
    };
    const auto role =
        i == 0 ? SctpAssociation::Role::DtlsClient : SctpAssociation::Role::DtlsServer;
    return std::make_unique<SctpAssociation>(loop, role, roomcast::sctp::SctpConfig{}, c);
  }
  // (Re)connects when the last input closed the association.
  void ensure_up() {
    const bool open = loop.call([&] {
      return server && client && server->state() == SctpAssociation::State::Connected &&
             client->state() == SctpAssociation::State::Connected && have_tag;
    });
    if (open) return;
    up = std::promise<void>();
    auto ready = up.get_future();
    loop.call([&] {
      server.reset();
      client.reset();
      connected = 0;
      have_tag = false;
      next_tsn = 0;
      client = make(0);
      server = make(1);
      client->start();
      server->start();
      client->create_channel({"fuzz", "", {}, 256});  // a channel to hit with resets and data
    });
    if (ready.wait_for(std::chrono::seconds(10)) != std::future_status::ready) __builtin_trap();
    // The client's first packets after COOKIE-ACK carry the tag.
    for (int i = 0; i < 100 && !loop.call([&] { return have_tag; }); ++i) loop.call([] {});
  }
};

Pair* pair = nullptr;  // one for the process: reachable, not leaked

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 12) return 0;  // not even a common header
  if (!pair) pair = new Pair;
  pair->ensure_up();
  std::vector<uint8_t> packet(data, data + size);
  pair->loop.call([&] {
    // Port numbers as the association uses them; an INIT keeps its tag (0 or not: hostile too).
    packet[0] = packet[2] = 0x13;
    packet[1] = packet[3] = 0x88;
    if ((packet.size() == 12 || packet[12] != 1) && pair->have_tag)
      std::memcpy(packet.data() + 4, pair->server_tag, 4);
    each_data_chunk(packet, [&](size_t at) {
      const uint32_t tsn = pair->next_tsn + read32(packet.data() + at + 4) % 4;
      write32(packet.data() + at + 4, tsn);
      if (int32_t(tsn + 1 - pair->next_tsn) > 0) pair->next_tsn = tsn + 1;
    });
    std::memset(packet.data() + 8, 0, 4);
    const uint32_t crc = usrsctp_crc32c(packet.data(), packet.size());
    std::memcpy(packet.data() + 8, &crc, 4);
    pair->server->handle_packet(packet);
  });
  pair->loop.call([] {});  // what the packet made usrsctp post (reads, replies) runs first
  return 0;
}
