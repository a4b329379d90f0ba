// DataChannel: one WebRTC data channel (RFC 8831) on an SctpAssociation's stream pair.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sctp/dcep.hpp"

namespace roomcast::sctp {

class SctpAssociation;

/// What the application opens a channel with (W3C RTCDataChannelInit's transport part).
struct DataChannelInit {
  std::string label;
  std::string protocol;
  Reliability reliability;  // max_retransmits and max_packet_lifetime_ms exclude each other
  uint16_t priority = 256;
};

/// One received message, whole (reassembled from SCTP fragments).
struct DataMessage {
  std::vector<uint8_t> data;
  bool binary = false;  // PPID 53/57; text (51/56) otherwise, UTF-8 as sent
  std::string_view text() const {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
};

/// Why a send did not go out. Nothing is queued when it fails.
enum class SendError {
  None,
  NotOpen,     ///< still waiting for the peer's DATA_CHANNEL_ACK (or the
               ///< association)
  Closed,      ///< the channel or the association is closed
  TooLarge,    ///< above the peer's max-message-size
  BufferFull,  ///< the send buffer is full: wait for on_buffered_amount_low
};
struct SendResult {
  SendError error = SendError::None;
  std::string message;  ///< what went wrong and what to do, empty on success
  explicit operator bool() const { return error == SendError::None; }
};

/// Lives inside its SctpAssociation (valid until the association is destroyed, also once closed)
/// and is used on the loop thread only; its callbacks run there too, so the layer above hands
/// messages on to user code elsewhere.
class DataChannel {
 public:
  enum class State { Connecting, Open, Closing, Closed };
  struct Callbacks {
    std::function<void()> on_open;
    std::function<void(DataMessage)> on_message;
    /// buffered_amount() fell to the low threshold or below after being above it.
    std::function<void()> on_buffered_amount_low;
    std::function<void()> on_closed;
  };

  DataChannel(SctpAssociation& association, uint16_t stream_id, DataChannelInit init, State state);
  DataChannel(const DataChannel&) = delete;
  DataChannel& operator=(const DataChannel&) = delete;

  void set_callbacks(Callbacks callbacks) { callbacks_ = std::move(callbacks); }

  uint16_t id() const { return stream_id_; }
  const std::string& label() const { return init_.label; }
  const std::string& protocol() const { return init_.protocol; }
  const Reliability& reliability() const { return init_.reliability; }
  uint16_t priority() const { return init_.priority; }
  State state() const { return state_; }

  /// Queues one message (UTF-8 text or bytes; empty is allowed, RFC 8831 §6.6).
  SendResult send_text(std::string_view text);
  SendResult send_binary(std::span<const uint8_t> bytes);
  /// Bytes of this channel's messages not yet handed to SCTP.
  size_t buffered_amount() const { return buffered_bytes_; }
  void set_buffered_amount_low_threshold(size_t bytes) { low_threshold_bytes_ = bytes; }
  /// Resets the stream (RFC 8831 §6.7) after what is queued; on_closed when the peer has too.
  void close();

  // ---- for SctpAssociation ----
  void opened();  // the peer acknowledged our open
  void deliver(DataMessage message);
  void buffered(size_t bytes) { buffered_bytes_ += bytes; }
  void unbuffered(size_t bytes);  // handed to SCTP (or dropped on close)
  void closed();                  // both directions reset, or the association ended
  void set_closing() { state_ = State::Closing; }

 private:
  SendResult send(Ppid ppid, Ppid empty_ppid, std::span<const uint8_t> bytes);

  SctpAssociation& association_;
  uint16_t stream_id_;
  DataChannelInit init_;
  State state_;
  Callbacks callbacks_;
  size_t buffered_bytes_ = 0;
  size_t low_threshold_bytes_ = 0;
};

}  // namespace roomcast::sctp
