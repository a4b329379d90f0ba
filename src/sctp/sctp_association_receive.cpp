// SctpAssociation's receive side: reads and reassembly, DCEP, notifications, stream resets.
#include <arpa/inet.h>
#include <usrsctp.h>

#include <cerrno>
#include <cstring>

#include "core/log.hpp"
#include "sctp/sctp_association.hpp"

namespace roomcast::sctp {

namespace {
constexpr uint16_t kBothResets = SCTP_STREAM_RESET_INCOMING_SSN | SCTP_STREAM_RESET_OUTGOING_SSN;
}  // namespace

void SctpAssociation::read_all() {
  while (socket_ && state_ != State::Closed) {
    sctp_rcvinfo info{};
    socklen_t info_bytes = sizeof info;
    socklen_t from_bytes = 0;
    unsigned int info_type = 0;
    int flags = 0;
    const ssize_t n = usrsctp_recvv(socket_, read_buffer_.data(), read_buffer_.size(), nullptr,
                                    &from_bytes, &info, &info_bytes, &info_type, &flags);
    if (n < 0) {
      if (errno != EWOULDBLOCK && errno != EAGAIN)
        core::log_debug("sctp: recv: ", std::strerror(errno));
      return;
    }
    if (n == 0) return;  // end of the association: its notification says why
    const std::span<const uint8_t> bytes(read_buffer_.data(), static_cast<size_t>(n));
    if (flags & MSG_NOTIFICATION) {
      notification_.insert(notification_.end(), bytes.begin(), bytes.end());
      if (flags & MSG_EOR) {
        const auto whole = std::move(notification_);
        notification_.clear();
        on_notification(whole);
      }
      continue;
    }
    if (info_type != SCTP_RECVV_RCVINFO) {
      drop("a message without its stream information");
      continue;
    }
    auto& in = incoming_[info.rcv_sid];
    if (!in.too_large) {
      if (in.data.size() + bytes.size() >
          config_.max_message_size + 1) {  // +1: an empty message's byte
        in.too_large = true;
        in.data = {};
      } else {
        in.data.insert(in.data.end(), bytes.begin(), bytes.end());
      }
    }
    if (!(flags & MSG_EOR)) continue;
    Incoming whole = std::move(in);
    incoming_.erase(info.rcv_sid);
    if (whole.too_large) {
      drop("a message on stream " + std::to_string(info.rcv_sid) +
           " above our max-message-size of " + std::to_string(config_.max_message_size) + " bytes");
      continue;
    }
    on_message(info.rcv_sid, ntohl(info.rcv_ppid), std::move(whole.data));
  }
}

void SctpAssociation::drop(const std::string& why) {
  ++stats_.messages_dropped;
  core::log_debug("sctp: dropped ", why);
}

void SctpAssociation::on_message(uint16_t stream_id, uint32_t ppid, std::vector<uint8_t> data) {
  if (ppid == static_cast<uint32_t>(Ppid::Dcep)) return on_dcep(stream_id, data);
  DataChannel* ch = channel(stream_id);
  if (!ch)
    return drop("a message on stream " + std::to_string(stream_id) + ", which has no channel");
  DataMessage message;
  switch (static_cast<Ppid>(ppid)) {
    case Ppid::String:
    case Ppid::Binary:
    case Ppid::StringEmpty:
    case Ppid::BinaryEmpty: {
      const auto type = static_cast<Ppid>(ppid);
      message.binary = type == Ppid::Binary || type == Ppid::BinaryEmpty;
      // Earlier pieces in the deprecated partial PPIDs come first.
      auto partial = legacy_partial_.extract(stream_id);
      if (partial) message.data = std::move(partial.mapped());
      if (!is_empty_ppid(type)) message.data.insert(message.data.end(), data.begin(), data.end());
      break;
    }
    case Ppid::StringPartial:
    case Ppid::BinaryPartial: {
      auto& partial = legacy_partial_[stream_id];
      if (partial.size() + data.size() > config_.max_message_size) {
        legacy_partial_.erase(stream_id);
        return drop("a partial-PPID message above our max-message-size");
      }
      partial.insert(partial.end(), data.begin(), data.end());
      return;
    }
    default:
      return drop("a message with unknown PPID " + std::to_string(ppid));
  }
  // RFC 8832 §6: a message before the ACK means the peer took the channel.
  if (ch->state() == DataChannel::State::Connecting) ch->opened();
  if (ch->state() != DataChannel::State::Open) return drop("a message on a closing channel");
  ++stats_.messages_received;
  stats_.bytes_received += message.data.size();
  ch->deliver(std::move(message));
}

void SctpAssociation::on_dcep(uint16_t stream_id, std::span<const uint8_t> payload) {
  auto parsed = parse_dcep(payload);
  if (!parsed.message) return drop(parsed.error + " (stream " + std::to_string(stream_id) + ")");
  if (std::holds_alternative<DcepAck>(*parsed.message)) {
    DataChannel* ch = channel(stream_id);
    if (!ch || ch->state() != DataChannel::State::Connecting)
      return drop("a DATA_CHANNEL_ACK on stream " + std::to_string(stream_id) +
                  ", which opened nothing");
    return ch->opened();
  }
  // RFC 8832 §6 gives the DTLS client the even ids, but Janus takes the next free id whatever
  // its role: an open on an id of our parity is taken while we do not use that id (ours then
  // skip it, free_stream_id() looks at channels_).
  if (channels_.count(stream_id))
    return drop("a DATA_CHANNEL_OPEN on stream " + std::to_string(stream_id) + ", which is in use");
  auto& open = std::get<DcepOpen>(*parsed.message);
  DataChannelInit init{std::move(open.label), std::move(open.protocol), open.reliability,
                       open.priority};
  auto& ch = *(channels_[stream_id] = std::make_unique<DataChannel>(
                   *this, stream_id, std::move(init), DataChannel::State::Open));
  resets_seen_.erase(stream_id);
  enqueue(Outgoing{stream_id, Ppid::Dcep, Reliability{}, serialize_dcep_ack()}, nullptr);
  flush();
  if (callbacks_.on_channel) callbacks_.on_channel(ch);
}

void SctpAssociation::on_notification(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(sctp_notification::sn_header)) return;
  const auto* n = reinterpret_cast<const sctp_notification*>(bytes.data());
  if (n->sn_header.sn_length != bytes.size()) return;
  switch (n->sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE: {
      if (bytes.size() < sizeof(sctp_assoc_change)) return;
      switch (n->sn_assoc_change.sac_state) {
        case SCTP_COMM_UP:
          return connected();
        case SCTP_COMM_LOST:
          return lost("SCTP: the association was lost (peer gone or aborted)");
        case SCTP_SHUTDOWN_COMP:
          return lost("SCTP: the association was shut down");
        case SCTP_CANT_STR_ASSOC:
          return lost("SCTP: the association could not be set up");
        default:
          return;
      }
    }
    case SCTP_STREAM_RESET_EVENT: {
      const auto& event = n->sn_strreset_event;
      if (bytes.size() < sizeof event) return;
      std::vector<uint16_t> streams((bytes.size() - sizeof event) / sizeof(uint16_t));
      std::memcpy(streams.data(), bytes.data() + sizeof event, streams.size() * sizeof(uint16_t));
      return on_stream_reset(streams, event.strreset_flags);
    }
    default:
      return;
  }
}

void SctpAssociation::on_stream_reset(std::span<const uint16_t> streams, uint16_t flags) {
  if (flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED))
    core::log_debug("sctp: a stream reset was refused (flags ", flags,
                    "); the channel closes anyway");
  for (const uint16_t id : streams) {
    auto& seen = resets_seen_[id];
    seen |= flags & kBothResets;
    DataChannel* ch = channel(id);
    if ((flags & SCTP_STREAM_RESET_INCOMING_SSN) && ch &&
        ch->state() != DataChannel::State::Closing) {
      // The peer closed: reset our side too (RFC 8831 §6.7).
      ch->set_closing();
      Outgoing reset{};
      reset.stream_id = id;
      reset.reset = true;
      queue_.push_back(std::move(reset));
    }
    if ((flags & SCTP_STREAM_RESET_INCOMING_SSN)) incoming_.erase(id);
    if ((seen & kBothResets) == kBothResets) finish_channel(id);
  }
  // A reset refused while another was outstanding can go now.
  for (auto it = pending_resets_.begin(); it != pending_resets_.end();)
    it = reset_stream(*it) ? pending_resets_.erase(it) : std::next(it);
  flush();
}

}  // namespace roomcast::sctp
