// SctpAssociation: SCTP over DTLS (RFC 8261) with usrsctp in AF_CONN mode, carrying data channels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "sctp/data_channel.hpp"
#include "sctp/dcep.hpp"
#include "sctp/usrsctp_stack.hpp"

struct socket;

namespace roomcast::sctp {

struct SctpConfig {
  uint16_t local_port = 5000;   // our a=sctp-port (RFC 8841 §5)
  uint16_t remote_port = 5000;  // the peer's a=sctp-port
  /// The largest message we take (the a=max-message-size we announce); larger ones are dropped.
  size_t max_message_size = 256 * 1024;
  /// The peer's a=max-message-size: 64 KiB when it gives none, 0 for no limit (RFC 8841 §6).
  size_t remote_max_message_size = 64 * 1024;
  /// Bytes of messages waiting to enter SCTP, all channels together; a send beyond fails.
  size_t send_buffer_bytes = 1024 * 1024;
  /// Streams each way, so channel ids 0 .. max_streams-1 (usrsctp keeps state per stream: 65535
  /// would cost megabytes per association).
  uint16_t max_streams = 1024;
  /// SCTP packet size: RFC 8261 §5 asks for at most 1200 when DF cannot be set.
  uint32_t mtu = 1200;
};

struct SctpStats {
  uint64_t messages_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t messages_received = 0;
  uint64_t bytes_received = 0;
  /// Received and not delivered: above max_message_size, unknown stream or PPID, bad DCEP.
  uint64_t messages_dropped = 0;
};

/// One association with the peer, both sides connecting at once (RFC 8841 §9.3), and its data
/// channels: ids of the DTLS client even, of the server odd (RFC 8832 §6). Lives and is used on its
/// loop's thread only; see UsrsctpStack for how usrsctp's callbacks reach it. Messages go out in
/// the order sent, across channels, one at a time (explicit EOR: a message enters SCTP in pieces as
/// the socket's buffer frees, so it may be larger than that buffer). Its callbacks and its
/// channels' run on the loop thread from inside its methods: they may send and open or close
/// channels, but must post the association's destruction.
class SctpAssociation : private detail::AssociationSink {
 public:
  enum class Role { DtlsClient, DtlsServer };
  enum class State { New, Connecting, Connected, Closed };
  struct Callbacks {
    /// One SCTP packet for DTLS to send as application data. Runs on the loop thread, sometimes
    /// from inside usrsctp: it must not call into an SctpAssociation synchronously.
    std::function<void(std::span<const uint8_t> packet)> send;
    std::function<void()> on_connected;
    /// The peer opened a channel (already open: our ACK is sent).
    std::function<void(DataChannel& channel)> on_channel;
    /// The association ended (shutdown, abort, lost); every channel is closed.
    std::function<void(const std::string& why)> on_closed;
  };

  /// Throws roomcast::Error (Transport) when usrsctp refuses the socket or an option.
  SctpAssociation(core::EventLoop& loop, Role role, SctpConfig config, Callbacks callbacks);
  ~SctpAssociation();
  SctpAssociation(const SctpAssociation&) = delete;
  SctpAssociation& operator=(const SctpAssociation&) = delete;

  /// Sends our INIT (once DTLS is up).
  void start();
  /// One SCTP packet that DTLS received.
  void handle_packet(std::span<const uint8_t> packet);
  /// Opens a channel (its DATA_CHANNEL_OPEN goes out once connected); it is Open when the peer
  /// acknowledges. Throws roomcast::Error: Config for both reliability limits set, Transport when
  /// closed or when every stream id of our parity is in use.
  DataChannel& create_channel(DataChannelInit init);
  /// Sends SHUTDOWN; on_closed follows.
  void close();

  State state() const { return state_; }
  Role role() const { return role_; }
  const SctpConfig& config() const { return config_; }
  const SctpStats& stats() const { return stats_; }
  /// Bytes waiting to enter SCTP, all channels.
  size_t buffered_amount() const { return queued_bytes_; }
  /// An open or opening channel on `stream_id` (null: none).
  DataChannel* channel(uint16_t stream_id);

  // ---- for DataChannel ----
  SendResult send_message(DataChannel& channel, Ppid ppid, std::vector<uint8_t> payload);
  void close_channel(DataChannel& channel);

 private:
  // One queued message, or a stream reset after the messages before it.
  struct Outgoing {
    uint16_t stream_id;
    Ppid ppid;
    Reliability reliability;
    std::vector<uint8_t> payload;
    size_t sent = 0;     // bytes already in SCTP
    size_t counted = 0;  // bytes counted in the channel's buffered amount
    bool reset = false;
  };
  struct Incoming {
    std::vector<uint8_t> data;
    bool too_large = false;
  };

  void on_sctp_output(std::span<const uint8_t> packet) override;
  void on_socket_events() override;
  void on_timer_tick() override;
  void set_option(int level, int name, const void* value, size_t size, const char* what);
  void read_all();
  void flush();
  bool send_piece(Outgoing& out);
  bool reset_stream(uint16_t stream_id);
  void on_notification(std::span<const uint8_t> bytes);
  void on_stream_reset(std::span<const uint16_t> streams, uint16_t flags);
  void on_message(uint16_t stream_id, uint32_t ppid, std::vector<uint8_t> data);
  void on_dcep(uint16_t stream_id, std::span<const uint8_t> payload);
  void enqueue(Outgoing out, DataChannel* channel);
  void connected();
  void lost(const std::string& why);
  void finish_channel(uint16_t stream_id);
  uint16_t free_stream_id() const;
  void drop(const std::string& why);

  core::EventLoop& loop_;
  Role role_;
  SctpConfig config_;
  Callbacks callbacks_;
  uintptr_t id_ = 0;  // our AF_CONN address in usrsctp
  struct socket* socket_ = nullptr;
  State state_ = State::New;
  std::map<uint16_t, std::unique_ptr<DataChannel>> channels_;  // open, opening or closing
  std::vector<std::unique_ptr<DataChannel>> finished_;         // closed: kept for holders
  std::map<uint16_t, uint16_t> resets_seen_;  // stream id -> SCTP_STREAM_RESET_* flags seen
  std::set<uint16_t> pending_resets_;         // refused while another reset was outstanding
  std::deque<Outgoing> queue_;
  size_t queued_bytes_ = 0;
  std::map<uint16_t, Incoming> incoming_;                    // by stream id, until MSG_EOR
  std::map<uint16_t, std::vector<uint8_t>> legacy_partial_;  // PPID 52/54 pieces (deprecated)
  std::vector<uint8_t> notification_;                        // until MSG_EOR
  std::vector<uint8_t> read_buffer_;
  SctpStats stats_;
};

}  // namespace roomcast::sctp
