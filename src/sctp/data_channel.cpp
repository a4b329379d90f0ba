// DataChannel: state, callbacks and buffered amount; the association does the wire work.
#include "sctp/data_channel.hpp"

#include <algorithm>

#include "sctp/sctp_association.hpp"

namespace roomcast::sctp {

DataChannel::DataChannel(SctpAssociation& association, uint16_t stream_id, DataChannelInit init,
                         State state)
    : association_(association), stream_id_(stream_id), init_(std::move(init)), state_(state) {}

SendResult DataChannel::send_text(std::string_view text) {
  return send(Ppid::String, Ppid::StringEmpty,
              {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

SendResult DataChannel::send_binary(std::span<const uint8_t> bytes) {
  return send(Ppid::Binary, Ppid::BinaryEmpty, bytes);
}

SendResult DataChannel::send(Ppid ppid, Ppid empty_ppid, std::span<const uint8_t> bytes) {
  // RFC 8831 §6.6: SCTP cannot carry an empty message, so one byte goes with the empty PPID.
  if (bytes.empty()) return association_.send_message(*this, empty_ppid, {0});
  return association_.send_message(*this, ppid, {bytes.begin(), bytes.end()});
}

void DataChannel::close() { association_.close_channel(*this); }

void DataChannel::opened() {
  if (state_ != State::Connecting) return;
  state_ = State::Open;
  if (callbacks_.on_open) callbacks_.on_open();
}

void DataChannel::deliver(DataMessage message) {
  if (callbacks_.on_message) callbacks_.on_message(std::move(message));
}

void DataChannel::unbuffered(size_t bytes) {
  const bool was_above = buffered_bytes_ > low_threshold_bytes_;
  buffered_bytes_ -= std::min(bytes, buffered_bytes_);
  if (was_above && buffered_bytes_ <= low_threshold_bytes_ && state_ != State::Closed &&
      callbacks_.on_buffered_amount_low)
    callbacks_.on_buffered_amount_low();
}

void DataChannel::closed() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  if (callbacks_.on_closed) callbacks_.on_closed();
}

}  // namespace roomcast::sctp
