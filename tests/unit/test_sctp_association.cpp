// Two SctpAssociations back to back on one loop (the output of one is the input of the other,
// through a wire that can lose or hold packets): DCEP, ordering, size limits, loss, back-pressure.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "roomcast/error.hpp"
#include "sctp/sctp_association.hpp"
#include "sctp/usrsctp_stack.hpp"

using namespace roomcast;
using namespace std::chrono_literals;
using sctp::DataChannel;
using sctp::DataChannelInit;
using sctp::SctpAssociation;
using sctp::SctpConfig;
using sctp::SendError;

namespace {

// What a channel's callbacks saw (written on the loop thread, read under SctpPair's mutex).
struct ChannelLog {
  bool open = false;
  bool closed = false;
  int low_events = 0;
  std::vector<sctp::DataMessage> messages;
};

// One side's association and what it saw.
struct Side {
  std::unique_ptr<SctpAssociation> association;
  bool connected = false;
  std::string closed_why;
  std::vector<DataChannel*> opened_by_peer;
  // The wire from this side: every Nth packet lost, or all held until released.
  int drop_every = 0;
  uint64_t packets = 0;
  uint64_t dropped = 0;
  bool hold = false;
  std::vector<std::vector<uint8_t>> held;
};

class SctpPair {
 public:
  /// `server_role`: DtlsClient too for a peer that picks ids without regard to its role.
  explicit SctpPair(SctpConfig client_config = {}, SctpConfig server_config = {},
                    SctpAssociation::Role server_role = SctpAssociation::Role::DtlsServer) {
    loop_.call([&] {
      sides_[0].association = make(0, SctpAssociation::Role::DtlsClient, client_config);
      sides_[1].association = make(1, server_role, server_config);
      sides_[0].association->start();
      sides_[1].association->start();
    });
  }
  ~SctpPair() {
    loop_.call([&] {
      sides_[0].association.reset();
      sides_[1].association.reset();
    });
  }

  SctpAssociation& client() { return *sides_[0].association; }
  SctpAssociation& server() { return *sides_[1].association; }

  template <typename F>
  auto on_loop(F&& f) {
    return loop_.call(std::forward<F>(f));
  }

  /// Waits (bounded) until `done` holds; it reads what callbacks recorded, under the lock.
  template <typename Pred>
  bool wait(Pred done, std::chrono::seconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(); });
  }
  template <typename F>
  auto locked(F&& f) {
    std::lock_guard lock(mutex_);
    return f();
  }

  bool connect() {
    return wait([&] { return sides_[0].connected && sides_[1].connected; });
  }
  // Records what a channel sees (call on the loop thread).
  void watch(DataChannel& channel) {
    DataChannel::Callbacks c;
    c.on_open = [this, &channel] { record([&] { logs_[&channel].open = true; }); };
    c.on_message = [this, &channel](sctp::DataMessage m) {
      record([&] { logs_[&channel].messages.push_back(std::move(m)); });
    };
    c.on_buffered_amount_low = [this, &channel] { record([&] { ++logs_[&channel].low_events; }); };
    c.on_closed = [this, &channel] { record([&] { logs_[&channel].closed = true; }); };
    channel.set_callbacks(std::move(c));
  }
  /// Opens a channel from the client and waits until both ends have it open.
  DataChannel* open_pair(DataChannelInit init, DataChannel** remote) {
    DataChannel* local = on_loop([&] {
      auto& ch = client().create_channel(std::move(init));
      watch(ch);
      return &ch;
    });
    const bool open = wait([&] { return logs_[local].open && !sides_[1].opened_by_peer.empty(); });
    EXPECT_TRUE(open) << "the channel did not open on both ends within 10 s";
    *remote = open ? locked([&] { return sides_[1].opened_by_peer.back(); }) : nullptr;
    return open ? local : nullptr;
  }

  Side& side(int i) { return sides_[i]; }
  ChannelLog& log(DataChannel* channel) { return logs_[channel]; }  // under the lock
  /// Delivers what the wire from `from` held, in order, and stops holding (loop thread).
  void release(int from) {
    auto held = std::move(sides_[from].held);
    sides_[from].hold = false;
    for (auto& packet : held) deliver(from, std::move(packet));
  }

 private:
  template <typename F>
  void record(F&& f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    changed_.notify_all();
  }

  std::unique_ptr<SctpAssociation> make(int i, SctpAssociation::Role role, SctpConfig config) {
    SctpAssociation::Callbacks c;
    c.send = [this, i](std::span<const uint8_t> packet) { wire(i, packet); };
    c.on_connected = [this, i] { record([&] { sides_[i].connected = true; }); };
    c.on_channel = [this, i](DataChannel& channel) {
      watch(channel);
      record([&] { sides_[i].opened_by_peer.push_back(&channel); });
    };
    c.on_closed = [this, i](const std::string& why) {
      record([&] { sides_[i].closed_why = why; });
    };
    return std::make_unique<SctpAssociation>(loop_, role, config, std::move(c));
  }

  // Runs inside usrsctp: never into the other association directly, always through the loop.
  void wire(int from, std::span<const uint8_t> packet) {
    Side& s = sides_[from];
    ++s.packets;
    if (s.drop_every != 0 && s.packets % s.drop_every == 0) {
      ++s.dropped;
      return;
    }
    std::vector<uint8_t> copy(packet.begin(), packet.end());
    if (s.hold) return s.held.push_back(std::move(copy));
    deliver(from, std::move(copy));
  }
  void deliver(int from, std::vector<uint8_t> packet) {
    loop_.post([this, from, packet = std::move(packet)] {
      auto& to = sides_[1 - from].association;
      if (to) to->handle_packet(packet);
    });
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<const DataChannel*, ChannelLog> logs_;
  Side sides_[2];
  core::EventLoop loop_;  // last: stopped first, while what its tasks touch still exists
};

std::string numbered(int i) { return "message " + std::to_string(i); }

std::vector<uint8_t> pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 31 + seed + i / 251);
  return bytes;
}

}  // namespace

TEST(DataChannel, OpenIsAcknowledgedAndThePeerSeesLabelProtocolAndReliability) {
  SctpPair pair;
  ASSERT_TRUE(pair.connect()) << "the associations did not connect within 10 s";
  DataChannelInit init{"chat", "roomcast-pubsub", {false, 3, std::nullopt}, 256};
  DataChannel* local = pair.on_loop([&] {
    auto& ch = pair.client().create_channel(init);
    pair.watch(ch);
    // Until the ACK arrives the channel cannot send.
    const auto early = ch.send_text("too early");
    EXPECT_EQ(early.error, SendError::NotOpen);
    EXPECT_EQ(early.message,
              "cannot send on data channel 'chat' yet: the peer has not "
              "acknowledged it (DCEP); wait for on_open");
    return &ch;
  });
  ASSERT_TRUE(
      pair.wait([&] { return pair.log(local).open && !pair.side(1).opened_by_peer.empty(); }));
  pair.on_loop([&] {
    DataChannel& remote = *pair.side(1).opened_by_peer.at(0);
    EXPECT_EQ(local->id() % 2, 0) << "the DTLS client's ids are even (RFC 8832 §6)";
    EXPECT_EQ(remote.id(), local->id());
    EXPECT_EQ(remote.label(), "chat");
    EXPECT_EQ(remote.protocol(), "roomcast-pubsub");
    EXPECT_EQ(remote.reliability(), init.reliability);
    EXPECT_EQ(remote.state(), DataChannel::State::Open);
    // The server's own channels take odd ids.
    auto& other = pair.server().create_channel({"from-server", "", {}, 256});
    EXPECT_EQ(other.id() % 2, 1);
    // Both reliability limits at once is a configuration error.
    try {
      pair.client().create_channel({"both", "", {true, 1, 100}, 256});
      ADD_FAILURE() << "no error for maxRetransmits with maxPacketLifeTime";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::Config);
      EXPECT_EQ(std::string(e.what()),
                "data channel 'both': maxRetransmits and maxPacketLifeTime "
                "exclude each other; give one");
    }
  });
  ASSERT_TRUE(pair.wait([&] { return pair.side(0).opened_by_peer.size() == 1; }));
  EXPECT_EQ(pair.locked([&] { return pair.side(0).opened_by_peer[0]->label(); }), "from-server");
}

// Janus opens its channels to a subscriber on the next free id, even ones included although it is
// the DTLS server: such an open is taken while the id is free, and our next channel skips it.
TEST(DataChannel, PeersOpenOnAnIdOfOurParityIsTakenAndSkippedByOurs) {
  SctpPair pair({}, {}, SctpAssociation::Role::DtlsClient);
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* ours = pair.open_pair({"ours", "", {}, 256}, &remote);
  ASSERT_TRUE(ours && remote);
  DataChannel* theirs = pair.on_loop([&] {
    auto& ch = pair.server().create_channel({"theirs", "", {}, 256});
    pair.watch(ch);
    return &ch;
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(theirs).open && pair.side(0).opened_by_peer.size() == 1; }))
      << "an open on an even id from the peer was not taken";
  pair.on_loop([&] {
    DataChannel& taken = *pair.side(0).opened_by_peer[0];
    EXPECT_EQ(taken.id(), 2);
    EXPECT_EQ(taken.label(), "theirs");
    EXPECT_TRUE(taken.send_text("back"));
    auto& next = pair.client().create_channel({"next", "", {}, 256});
    EXPECT_EQ(next.id(), 4) << "ids 0 and 2 are in use";
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(theirs).messages.size() == 1; }));
  EXPECT_EQ(pair.locked([&] { return std::string(pair.log(theirs).messages[0].text()); }), "back");
}

TEST(DataChannel, AThousandNumberedMessagesArriveAllAndInOrder) {
  SctpPair pair;
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"numbers", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  constexpr int kCount = 1000;
  pair.on_loop([&] {
    for (int i = 0; i < kCount; ++i) {
      const auto sent = local->send_text(numbered(i));
      ASSERT_TRUE(sent) << sent.message;
    }
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(remote).messages.size() >= kCount; }))
      << pair.locked([&] { return pair.log(remote).messages.size(); }) << " of " << kCount
      << " arrived";
  pair.locked([&] {
    const auto& got = pair.log(remote).messages;
    ASSERT_EQ(got.size(), size_t{kCount});
    for (int i = 0; i < kCount; ++i) {
      EXPECT_FALSE(got[i].binary);
      ASSERT_EQ(got[i].text(), numbered(i)) << "at " << i;
    }
  });
  EXPECT_EQ(pair.on_loop([&] { return pair.server().stats().messages_received; }),
            uint64_t{kCount});
}

TEST(DataChannel, EmptyTextAndBinaryMessagesKeepTheirType) {
  SctpPair pair;
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"empty", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  pair.on_loop([&] {
    EXPECT_TRUE(local->send_text(""));
    EXPECT_TRUE(local->send_binary({}));
    const uint8_t bytes[] = {0, 1, 2};
    EXPECT_TRUE(local->send_binary(bytes));
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(remote).messages.size() == 3; }));
  pair.locked([&] {
    const auto& got = pair.log(remote).messages;
    EXPECT_FALSE(got[0].binary);
    EXPECT_TRUE(got[0].data.empty()) << "the empty PPID's byte is not delivered (RFC 8831 §6.6)";
    EXPECT_TRUE(got[1].binary);
    EXPECT_TRUE(got[1].data.empty());
    EXPECT_TRUE(got[2].binary);
    EXPECT_EQ(got[2].data, (std::vector<uint8_t>{0, 1, 2}));
  });
}

TEST(DataChannel, SixtyKibMessageArrivesIntactBothWays) {
  SctpPair pair;
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"big", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  const auto there = pattern(60 * 1024, 7);
  const auto back = pattern(60 * 1024, 99);
  pair.on_loop([&] {
    const auto a = local->send_binary(there);
    EXPECT_TRUE(a) << a.message;
    const auto b = remote->send_binary(back);
    EXPECT_TRUE(b) << b.message;
  });
  ASSERT_TRUE(pair.wait([&] {
    return pair.log(remote).messages.size() == 1 && pair.log(local).messages.size() == 1;
  }));
  pair.locked([&] {
    EXPECT_TRUE(pair.log(remote).messages[0].data == there) << "client to server differs";
    EXPECT_TRUE(pair.log(local).messages[0].data == back) << "server to client differs";
  });
}

TEST(DataChannel, MessageAboveThePeersMaxMessageSizeIsRefused) {
  SctpConfig client;
  client.remote_max_message_size = 64 * 1024;
  SctpPair pair(client);
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"limits", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  pair.on_loop([&] {
    const auto refused = local->send_binary(pattern(64 * 1024 + 1, 1));
    EXPECT_EQ(refused.error, SendError::TooLarge);
    EXPECT_EQ(refused.message,
              "message of 65537 bytes on data channel 'limits' is above the peer's "
              "max-message-size of 65536 bytes (a=max-message-size); split it");
    EXPECT_EQ(local->buffered_amount(), 0u) << "nothing is queued when a send fails";
    EXPECT_TRUE(local->send_binary(pattern(64 * 1024, 1))) << "exactly the limit goes";
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(remote).messages.size() == 1; }));
  EXPECT_EQ(pair.locked([&] { return pair.log(remote).messages[0].data.size(); }),
            size_t{64 * 1024});
}

TEST(DataChannel, MessageAboveOurMaxMessageSizeIsDroppedAndCounted) {
  SctpConfig client;
  client.remote_max_message_size = 0;  // the peer claims no limit...
  SctpConfig server;
  server.max_message_size = 32 * 1024;  // ...but takes 32 KiB at most
  SctpPair pair(client, server);
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"oversize", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  pair.on_loop([&] {
    EXPECT_TRUE(local->send_binary(pattern(40 * 1024, 3)));
    EXPECT_TRUE(local->send_text("after"));
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(remote).messages.size() == 1; }));
  EXPECT_EQ(pair.locked([&] { return std::string(pair.log(remote).messages[0].text()); }), "after");
  EXPECT_EQ(pair.on_loop([&] { return pair.server().stats().messages_dropped; }), 1u);
}

namespace {

// Sends 300 messages of 1000 bytes (a packet each) on an unreliable ordered channel over a wire
// that loses every 4th packet: some are lost, the rest arrive in order and intact, and nothing
// arrives twice. Returns how many arrived.
size_t lossy_delivery(sctp::Reliability reliability, const char* label) {
  SctpPair pair;
  EXPECT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({label, "", reliability, 256}, &remote);
  if (!local || !remote) return 0;
  constexpr int kCount = 300;
  pair.on_loop([&] {
    pair.side(0).drop_every = 4;
    for (int i = 0; i < kCount; ++i) {
      std::string text = numbered(i);
      text.resize(1000, '.');
      EXPECT_TRUE(local->send_text(text));
    }
  });
  // Every packet sent so far has met the wire's loss; a last message on a clean wire arrives only
  // after every earlier one was delivered or abandoned (ordered PR-SCTP, RFC 3758).
  pair.on_loop([&] {
    pair.side(0).drop_every = 0;
    EXPECT_TRUE(local->send_text("end"));
  });
  const bool ended = pair.wait([&] {
    const auto& got = pair.log(remote).messages;
    return !got.empty() && got.back().text() == "end";
  });
  EXPECT_TRUE(ended) << "the last message did not arrive within 10 s";
  if (!ended) return 0;
  EXPECT_GT(pair.on_loop([&] { return pair.side(0).dropped; }), 0u);
  return pair.locked([&] {
    const auto& got = pair.log(remote).messages;
    const size_t delivered = got.size() - 1;
    EXPECT_LT(delivered, size_t{kCount})
        << "a quarter of the packets was lost, none resent in time";
    int previous = -1;
    for (size_t i = 0; i < delivered; ++i) {
      const std::string text(got[i].text());
      EXPECT_EQ(text.size(), 1000u);
      const int number = std::stoi(text.substr(8));
      EXPECT_GT(number, previous) << "out of order or duplicated";
      previous = number;
      std::string expected = numbered(number);
      expected.resize(1000, '.');
      EXPECT_EQ(text, expected);
    }
    return delivered;
  });
}

}  // namespace

TEST(DataChannel, UnreliableChannelOnALossyWireLosesSomeAndDeliversTheRestInOrder) {
  EXPECT_GT(lossy_delivery({true, 0, std::nullopt}, "no-retransmits"), 150u)
      << "maxRetransmits 0 loses what the wire loses, about a quarter";
}

TEST(DataChannel, TimedChannelOnALossyWireLosesSomeAndDeliversTheRestInOrder) {
  EXPECT_GT(lossy_delivery({true, std::nullopt, 0}, "0ms-lifetime"), 0u);
}

TEST(DataChannel, ReliableChannelOnTheSameLossyWireDeliversAll) {
  SctpPair pair;
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"reliable", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  constexpr int kCount = 300;
  pair.on_loop([&] {
    pair.side(0).drop_every = 4;
    pair.side(1).drop_every = 4;  // SACKs are lost too
    for (int i = 0; i < kCount; ++i) {
      std::string text = numbered(i);
      text.resize(1000, '.');
      ASSERT_TRUE(local->send_text(text));
    }
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(remote).messages.size() >= kCount; }, 20s))
      << pair.locked([&] { return pair.log(remote).messages.size(); }) << " of " << kCount
      << " arrived";
  pair.locked([&] {
    const auto& got = pair.log(remote).messages;
    ASSERT_EQ(got.size(), size_t{kCount});
    for (int i = 0; i < kCount; ++i) {
      std::string expected = numbered(i);
      expected.resize(1000, '.');
      ASSERT_EQ(got[i].text(), expected) << "at " << i;
    }
  });
  EXPECT_GT(pair.on_loop([&] { return pair.side(0).dropped; }), 0u);
}

TEST(DataChannel, FullSendBufferRefusesThenDrainsWhenThePeerAnswers) {
  SctpConfig client;
  client.send_buffer_bytes = 64 * 1024;
  SctpPair pair(client);
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"pressure", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  int accepted = 0;
  pair.on_loop([&] {
    local->set_buffered_amount_low_threshold(0);
    pair.side(0).hold = true;  // nothing reaches the peer, so nothing is acknowledged
    const auto message = pattern(1024, 5);
    for (int i = 0; i < 10000; ++i) {
      const auto sent = local->send_binary(message);
      if (!sent) {
        EXPECT_EQ(sent.error, SendError::BufferFull);
        EXPECT_EQ(sent.message.rfind("send buffer full on data channel 'pressure': ", 0), 0u)
            << sent.message;
        break;
      }
      ++accepted;
    }
    EXPECT_GT(local->buffered_amount(), 63u * 1024) << "the refusal comes when the buffer is full";
    EXPECT_LE(local->buffered_amount(), 64u * 1024);
    EXPECT_EQ(pair.client().buffered_amount(), local->buffered_amount());
  });
  ASSERT_GT(accepted, 64) << "more than our buffer was taken: SCTP's own buffer holds some";
  ASSERT_LT(accepted, 10000) << "the send buffer never filled";
  pair.on_loop([&] { pair.release(0); });
  ASSERT_TRUE(pair.wait([&] { return int(pair.log(remote).messages.size()) >= accepted; }, 20s))
      << pair.locked([&] { return pair.log(remote).messages.size(); }) << " of " << accepted
      << " arrived";
  EXPECT_EQ(pair.locked([&] { return int(pair.log(remote).messages.size()); }), accepted);
  EXPECT_EQ(pair.on_loop([&] { return local->buffered_amount(); }), 0u);
  EXPECT_GE(pair.locked([&] { return pair.log(local).low_events; }), 1);
}

TEST(DataChannel, CloseOnOneSideIsSeenOnTheOther) {
  SctpPair pair;
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"closing", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  pair.on_loop([&] {
    EXPECT_TRUE(local->send_text("last words"));
    local->close();
    const auto after = local->send_text("too late");
    EXPECT_EQ(after.error, SendError::Closed);
    EXPECT_EQ(after.message, "cannot send on data channel 'closing': it is closed");
  });
  ASSERT_TRUE(pair.wait([&] { return pair.log(remote).closed && pair.log(local).closed; }))
      << "close was not seen on both ends within 10 s";
  pair.locked([&] {
    ASSERT_EQ(pair.log(remote).messages.size(), 1u) << "what was sent before close arrives";
    EXPECT_EQ(pair.log(remote).messages[0].text(), "last words");
  });
  pair.on_loop([&] {
    EXPECT_EQ(remote->state(), DataChannel::State::Closed);
    EXPECT_EQ(pair.server().channel(remote->id()), nullptr);
    // The stream id is free again once both directions are reset.
    auto& again = pair.client().create_channel({"again", "", {}, 256});
    EXPECT_EQ(again.id(), local->id());
  });
  ASSERT_TRUE(pair.wait([&] { return pair.side(1).opened_by_peer.size() == 2; }));
  EXPECT_EQ(pair.locked([&] { return pair.side(1).opened_by_peer[1]->label(); }), "again");
}

TEST(Sctp, ShutdownIsSeenByThePeer) {
  SctpPair pair;
  ASSERT_TRUE(pair.connect());
  DataChannel* remote = nullptr;
  DataChannel* local = pair.open_pair({"gone", "", {}, 256}, &remote);
  ASSERT_TRUE(local && remote);
  pair.on_loop([&] { pair.client().close(); });
  ASSERT_TRUE(pair.wait([&] {
    return !pair.side(1).closed_why.empty() && pair.log(remote).closed;
  })) << "the server did not see the shutdown within 10 s";
  pair.on_loop([&] {
    EXPECT_EQ(pair.server().state(), SctpAssociation::State::Closed);
    const auto refused = remote->send_text("anyone?");
    EXPECT_EQ(refused.error, SendError::Closed);
    EXPECT_EQ(refused.message,
              "cannot send on data channel 'gone': the SCTP association is closed");
  });
}

// usrsctp's timers are global: a loop runs one 10 ms timer for all its associations, made with
// the first and gone with the last (a timer each would wake the loop N times per tick).
TEST(Sctp, OneTimerPerLoopWhateverTheAssociations) {
  core::EventLoop loop;
  loop.call([&] {
    EXPECT_EQ(sctp::detail::UsrsctpStack::timers_on(loop), 0u);
    std::vector<std::unique_ptr<SctpAssociation>> associations;
    for (int i = 0; i < 3; ++i) {
      SctpAssociation::Callbacks callbacks;
      callbacks.send = [](std::span<const uint8_t>) {};
      associations.push_back(std::make_unique<SctpAssociation>(loop, SctpAssociation::Role::DtlsClient,
                                                               SctpConfig{}, std::move(callbacks)));
      EXPECT_EQ(sctp::detail::UsrsctpStack::timers_on(loop), 1u) << "with " << i + 1 << " associations";
    }
    associations.pop_back();
    associations.pop_back();
    EXPECT_EQ(sctp::detail::UsrsctpStack::timers_on(loop), 1u) << "one association left";
    associations.clear();
    EXPECT_EQ(sctp::detail::UsrsctpStack::timers_on(loop), 0u) << "none left";
  });
}
