// SctpAssociation: usrsctp socket options, connect and close, the send queue (explicit EOR).
#include "sctp/sctp_association.hpp"

#include <arpa/inet.h>
#include <usrsctp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/log.hpp"
#include "roomcast/error.hpp"

namespace roomcast::sctp {

namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kWindowBytes = 1024 * 1024;     // receive window: room for RTT x rate
constexpr int kSocketSendBytes = 256 * 1024;  // inside usrsctp; ours queue before it

std::string errno_text() { return std::strerror(errno); }

sockaddr_conn conn_address(uintptr_t id, uint16_t port) {
  sockaddr_conn address{};
  address.sconn_family = AF_CONN;
  address.sconn_port = htons(port);
  address.sconn_addr = reinterpret_cast<void*>(id);
  return address;
}

}  // namespace

SctpAssociation::SctpAssociation(core::EventLoop& loop, Role role, SctpConfig config,
                                 Callbacks callbacks)
    : loop_(loop),
      role_(role),
      config_(config),
      callbacks_(std::move(callbacks)),
      read_buffer_(kReadBufferBytes) {
  if (config_.max_streams == 0)
    throw Error(Error::Kind::Config,
                "SCTP: max_streams is 0; a data channel needs at least one stream");
  id_ = detail::UsrsctpStack::attach(loop_, *this);
  try {
    socket_ = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
    if (!socket_)
      throw Error(Error::Kind::Transport, "SCTP: usrsctp refused a socket: " + errno_text());
    if (usrsctp_set_upcall(socket_, &detail::UsrsctpStack::upcall, reinterpret_cast<void*>(id_)) !=
            0 ||
        usrsctp_set_non_blocking(socket_, 1) != 0)
      throw Error(Error::Kind::Transport,
                  "SCTP: cannot make the socket non-blocking: " + errno_text());
    // Destroyed means gone: abort at once instead of lingering over a DTLS that is closing too.
    const linger abort_on_close{1, 0};
    set_option(SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close, "SO_LINGER");
    set_option(SOL_SOCKET, SO_RCVBUF, &kWindowBytes, sizeof kWindowBytes, "SO_RCVBUF");
    set_option(SOL_SOCKET, SO_SNDBUF, &kSocketSendBytes, sizeof kSocketSendBytes, "SO_SNDBUF");
    const sctp_assoc_value reset{SCTP_ALL_ASSOC, SCTP_ENABLE_RESET_STREAM_REQ};
    set_option(IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset,
               "SCTP_ENABLE_STREAM_RESET");
    const int on = 1;
    set_option(IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO");
    // RFC 8831 §6.6: no Nagle; messages larger than the socket buffer enter it in pieces.
    set_option(IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY");
    set_option(IPPROTO_SCTP, SCTP_EXPLICIT_EOR, &on, sizeof on, "SCTP_EXPLICIT_EOR");
    // Level 0: a partially delivered message is read whole before anything else (RFC 6458 §8.1.20).
    const int no_interleave = 0;
    set_option(IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &no_interleave, sizeof no_interleave,
               "SCTP_FRAGMENT_INTERLEAVE");
    for (uint16_t type : {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT}) {
      sctp_event event{};
      event.se_assoc_id = SCTP_ALL_ASSOC;
      event.se_type = type;
      event.se_on = 1;
      set_option(IPPROTO_SCTP, SCTP_EVENT, &event, sizeof event, "SCTP_EVENT");
    }
    // usrsctp has no path MTU discovery: a fixed size that fits inside DTLS over UDP (RFC 8261 §5).
    sctp_paddrparams path{};
    path.spp_flags = SPP_HB_ENABLE | SPP_PMTUD_DISABLE;
    path.spp_pathmtu = config_.mtu;
    set_option(IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &path, sizeof path, "SCTP_PEER_ADDR_PARAMS");
    sctp_initmsg init{};
    init.sinit_num_ostreams = config_.max_streams;
    init.sinit_max_instreams = config_.max_streams;
    set_option(IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init, "SCTP_INITMSG");
    auto local = conn_address(id_, config_.local_port);
    if (usrsctp_bind(socket_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
      throw Error(
          Error::Kind::Transport,
          "SCTP: cannot bind port " + std::to_string(config_.local_port) + ": " + errno_text());
  } catch (...) {
    if (socket_) usrsctp_close(socket_);
    detail::UsrsctpStack::detach(id_);
    throw;
  }
}

SctpAssociation::~SctpAssociation() {
  usrsctp_close(socket_);  // ABORT goes out through send (SO_LINGER 0)
  socket_ = nullptr;
  detail::UsrsctpStack::detach(id_);
}

void SctpAssociation::set_option(int level, int name, const void* value, size_t size,
                                 const char* what) {
  if (usrsctp_setsockopt(socket_, level, name, value, static_cast<socklen_t>(size)) != 0)
    throw Error(Error::Kind::Transport,
                std::string("SCTP: usrsctp refused ") + what + ": " + errno_text());
}

void SctpAssociation::start() {
  if (state_ != State::New) return;
  state_ = State::Connecting;
  // RFC 8841 §9.3: both ends send INIT; SCTP resolves the collision into one association.
  auto remote = conn_address(id_, config_.remote_port);
  if (usrsctp_connect(socket_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
      errno != EINPROGRESS)
    lost("SCTP: connect failed: " + errno_text());
}

void SctpAssociation::handle_packet(std::span<const uint8_t> packet) {
  if (state_ == State::Closed || packet.empty()) return;
  usrsctp_conninput(reinterpret_cast<void*>(id_), packet.data(), packet.size(), 0);
}

void SctpAssociation::on_sctp_output(std::span<const uint8_t> packet) {
  if (callbacks_.send) callbacks_.send(packet);
}

void SctpAssociation::on_socket_events() {
  read_all();
  flush();
}

void SctpAssociation::on_timer_tick() {
  if (!queue_.empty()) flush();  // in case a writable upcall was missed
}

DataChannel* SctpAssociation::channel(uint16_t stream_id) {
  auto it = channels_.find(stream_id);
  return it == channels_.end() ? nullptr : it->second.get();
}

uint16_t SctpAssociation::free_stream_id() const {
  // RFC 8832 §6: the DTLS client uses even ids, the server odd ones.
  for (uint32_t id = role_ == Role::DtlsClient ? 0 : 1; id < config_.max_streams; id += 2)
    if (!channels_.count(static_cast<uint16_t>(id))) return static_cast<uint16_t>(id);
  return 0xffff;
}

DataChannel& SctpAssociation::create_channel(DataChannelInit init) {
  const std::string name = "data channel '" + init.label + "'";
  if (init.reliability.max_retransmits && init.reliability.max_packet_lifetime_ms)
    throw Error(Error::Kind::Config, name +
                                         ": maxRetransmits and maxPacketLifeTime exclude each "
                                         "other; give one");
  if (state_ == State::Closed)
    throw Error(Error::Kind::Transport, "cannot open " + name + ": the SCTP association is closed");
  const uint16_t id = free_stream_id();
  if (id == 0xffff)
    throw Error(Error::Kind::Transport,
                "cannot open " + name + ": all " + std::to_string(config_.max_streams / 2) +
                    " stream ids of our side are in use; close a channel first");
  DcepOpen open{init.reliability, init.priority, init.label, init.protocol};
  auto& channel = *(channels_[id] = std::make_unique<DataChannel>(*this, id, std::move(init),
                                                                  DataChannel::State::Connecting));
  resets_seen_.erase(id);
  enqueue(Outgoing{id, Ppid::Dcep, Reliability{}, serialize_dcep_open(open)}, nullptr);
  flush();
  return channel;
}

SendResult SctpAssociation::send_message(DataChannel& channel, Ppid ppid,
                                         std::vector<uint8_t> payload) {
  const std::string name = "data channel '" + channel.label() + "'";
  const size_t size = is_empty_ppid(ppid) ? 0 : payload.size();
  if (state_ == State::Closed)
    return {SendError::Closed, "cannot send on " + name + ": the SCTP association is closed"};
  switch (channel.state()) {
    case DataChannel::State::Connecting:
      return {SendError::NotOpen,
              "cannot send on " + name +
                  " yet: the peer has not acknowledged it (DCEP); wait for on_open"};
    case DataChannel::State::Closing:
    case DataChannel::State::Closed:
      return {SendError::Closed, "cannot send on " + name + ": it is closed"};
    case DataChannel::State::Open:
      break;
  }
  const size_t peer_limit = config_.remote_max_message_size;
  if (peer_limit != 0 && size > peer_limit)
    return {SendError::TooLarge, "message of " + std::to_string(size) + " bytes on " + name +
                                     " is above the peer's max-message-size of " +
                                     std::to_string(peer_limit) +
                                     " bytes (a=max-message-size); split it"};
  if (size > config_.send_buffer_bytes)
    return {SendError::TooLarge, "message of " + std::to_string(size) + " bytes on " + name +
                                     " is above the send buffer of " +
                                     std::to_string(config_.send_buffer_bytes) +
                                     " bytes; split it"};
  if (queued_bytes_ + size > config_.send_buffer_bytes)
    return {SendError::BufferFull,
            "send buffer full on " + name + ": " + std::to_string(queued_bytes_) +
                " bytes wait for SCTP (limit " + std::to_string(config_.send_buffer_bytes) +
                "); wait for on_buffered_amount_low"};
  enqueue(Outgoing{channel.id(), ppid, channel.reliability(), std::move(payload)}, &channel);
  flush();
  return {};
}

void SctpAssociation::enqueue(Outgoing out, DataChannel* channel) {
  if (channel && out.ppid != Ppid::Dcep) {
    out.counted = is_empty_ppid(out.ppid) ? 0 : out.payload.size();
    channel->buffered(out.counted);
    queued_bytes_ += out.counted;
  }
  queue_.push_back(std::move(out));
}

void SctpAssociation::close_channel(DataChannel& channel) {
  const auto state = channel.state();
  if (state == DataChannel::State::Closing || state == DataChannel::State::Closed) return;
  if (state_ != State::Connected) {
    // Nothing of it reached the peer that a reset would have to undo.
    std::erase_if(queue_, [&](const Outgoing& out) {
      if (out.stream_id != channel.id()) return false;
      queued_bytes_ -= out.counted;
      return true;
    });
    return finish_channel(channel.id());
  }
  channel.set_closing();
  Outgoing reset{};
  reset.stream_id = channel.id();
  reset.reset = true;
  queue_.push_back(std::move(reset));
  flush();
}

void SctpAssociation::close() {
  if (state_ == State::Closed) return;
  if (state_ != State::Connected) return lost("SCTP: closed before it connected");
  if (usrsctp_shutdown(socket_, SHUT_RDWR) != 0 && errno != ENOTCONN)
    core::log_debug("sctp: shutdown: ", errno_text());
}

void SctpAssociation::flush() {
  if (state_ != State::Connected) return;
  while (!queue_.empty()) {
    Outgoing& out = queue_.front();
    if (out.reset) {
      if (!reset_stream(out.stream_id)) pending_resets_.insert(out.stream_id);
      queue_.pop_front();
      continue;
    }
    if (!send_piece(out) || out.sent < out.payload.size()) return;  // the writable upcall resumes
    queued_bytes_ -= out.counted;
    if (out.ppid != Ppid::Dcep) {
      ++stats_.messages_sent;
      stats_.bytes_sent += out.counted;
    }
    const uint16_t id = out.stream_id;
    const size_t counted = out.counted;
    queue_.pop_front();
    if (auto* ch = channel(id)) ch->unbuffered(counted);  // may send more from its callback
  }
}

bool SctpAssociation::send_piece(Outgoing& out) {
  sctp_sendv_spa spa{};
  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
  spa.sendv_sndinfo.snd_sid = out.stream_id;
  spa.sendv_sndinfo.snd_ppid = htonl(static_cast<uint32_t>(out.ppid));
  // Complete only once every byte is in: usrsctp marks the end when the last one is taken.
  spa.sendv_sndinfo.snd_flags = SCTP_EOR;
  // RFC 8832 §6: DCEP goes reliable and ordered whatever the channel is.
  if (out.ppid != Ppid::Dcep) {
    if (!out.reliability.ordered) spa.sendv_sndinfo.snd_flags |= SCTP_UNORDERED;
    if (out.reliability.max_retransmits) {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
      spa.sendv_prinfo.pr_value = *out.reliability.max_retransmits;
    } else if (out.reliability.max_packet_lifetime_ms) {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_TTL;
      spa.sendv_prinfo.pr_value = *out.reliability.max_packet_lifetime_ms;
    }
  }
  const ssize_t n =
      usrsctp_sendv(socket_, out.payload.data() + out.sent, out.payload.size() - out.sent, nullptr,
                    0, &spa, sizeof spa, SCTP_SENDV_SPA, 0);
  if (n > 0) {
    out.sent += static_cast<size_t>(n);
    return true;
  }
  if (n == 0 || errno == EWOULDBLOCK || errno == EAGAIN) return false;
  // The stream is being reset or the association is going: the message cannot go out.
  core::log_debug("sctp: send on stream ", out.stream_id, " failed: ", errno_text());
  ++stats_.messages_dropped;
  out.sent = out.payload.size();
  return true;
}

bool SctpAssociation::reset_stream(uint16_t stream_id) {
  // RFC 8831 §6.7: closing a channel resets its outgoing stream (RFC 6525).
  std::vector<uint8_t> buffer(sizeof(sctp_reset_streams) + sizeof(uint16_t));
  auto* request = reinterpret_cast<sctp_reset_streams*>(buffer.data());
  request->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  request->srs_number_streams = 1;
  request->srs_stream_list[0] = stream_id;
  if (usrsctp_setsockopt(socket_, IPPROTO_SCTP, SCTP_RESET_STREAMS, request,
                         static_cast<socklen_t>(buffer.size())) == 0)
    return true;
  if (errno == EALREADY || errno == EBUSY || errno == EAGAIN) return false;  // one at a time
  core::log_debug("sctp: reset of stream ", stream_id, " refused: ", errno_text());
  on_stream_reset(std::span<const uint16_t>(&stream_id, 1), SCTP_STREAM_RESET_OUTGOING_SSN);
  return true;
}

void SctpAssociation::finish_channel(uint16_t stream_id) {
  resets_seen_.erase(stream_id);
  legacy_partial_.erase(stream_id);
  auto node = channels_.extract(stream_id);
  if (!node) return;
  auto& ch = *node.mapped();
  ch.unbuffered(ch.buffered_amount());
  finished_.push_back(std::move(node.mapped()));
  ch.closed();
}

void SctpAssociation::connected() {
  if (state_ == State::Connected) return;
  state_ = State::Connected;
  flush();
  if (callbacks_.on_connected) callbacks_.on_connected();
}

void SctpAssociation::lost(const std::string& why) {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  core::log_info(why);
  queue_.clear();
  queued_bytes_ = 0;
  pending_resets_.clear();
  std::vector<uint16_t> ids;
  for (const auto& [id, ch] : channels_) ids.push_back(id);
  for (const uint16_t id : ids) finish_channel(id);
  if (callbacks_.on_closed) callbacks_.on_closed(why);
}

}  // namespace roomcast::sctp
