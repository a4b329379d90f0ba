// IceTransport: one libnice agent, one stream, one component (BUNDLE + rtcp-mux).
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ice/ice_config.hpp"

typedef struct _NiceAgent NiceAgent;

namespace roomcast::ice {

enum class IceState { New, Gathering, Checking, Connected, Failed, Closed };
const char* to_string(IceState state);

class IceTransport {
 public:
  struct Callbacks {
    std::function<void()> on_gathering_done;
    std::function<void(IceState)> on_state;
    std::function<void(std::span<const uint8_t>)> on_packet;
  };

  /// `controlling`: the offerer controls (RFC 8445 §6.1.1); we always offer to Janus.
  /// `config`: STUN and TURN servers (by address) and the relay-only policy.
  IceTransport(GMainContext* context, bool controlling, Callbacks callbacks, const IceConfig& config = {});
  ~IceTransport();
  IceTransport(const IceTransport&) = delete;
  IceTransport& operator=(const IceTransport&) = delete;

  /// Starts gathering (host, server-reflexive with a STUN server, relay with TURN servers);
  /// on_gathering_done fires when complete.
  /// Returns false when there is no usable interface.
  bool gather();
  const std::string& local_ufrag() const { return ufrag_; }
  const std::string& local_pwd() const { return pwd_; }
  /// "candidate:..." strings (no "a=" prefix), valid after gathering; relay ones only when
  /// the config says relay_only.
  std::vector<std::string> local_candidates() const;

  /// Applies the peer's credentials and candidates ("candidate:..." lines) and starts
  /// connectivity checks. Returns the number of candidates accepted. `remote_lite`: the peer
  /// is an ICE lite agent (a=ice-lite), so we take the controlling role whatever we were.
  int set_remote(const std::string& ufrag, const std::string& pwd,
                 const std::vector<std::string>& candidates, bool remote_lite = false);

  /// ICE restart (RFC 8445 §9): new local credentials, the remote ones and every check
  /// forgotten, the local candidates kept; set_remote() with the peer's new ones checks anew.
  /// False if libnice refused.
  bool restart();

  /// Sends one datagram on the selected pair; false if not connected or it failed.
  bool send(std::span<const uint8_t> datagram);
  IceState state() const { return state_; }
  /// "10.77.0.1:20012 <-> 10.77.0.2:43211" once a pair is selected.
  std::string selected_pair() const;
  /// "relay/udp -> host/udp (TURN over tcp)": the candidate types and transports of the
  /// selected pair (local -> remote); empty before one is selected.
  std::string selected_pair_types() const;
  /// After gathering: why these candidates cannot work (relay-only, but no TURN server gave
  /// a relay candidate), naming the TURN servers; nullopt when they may.
  const std::optional<std::string>& gathering_problem() const { return gathering_problem_; }

 private:
  void read_local_credentials();  // ufrag_ and pwd_ from the agent (new after a restart)
  static void on_gathering_done_cb(NiceAgent*, guint, gpointer self);
  static void on_state_cb(NiceAgent*, guint, guint, guint state, gpointer self);
  static void on_recv_cb(NiceAgent*, guint, guint, guint len, gchar* buf, gpointer self);
  void set_state(IceState state);
  void check_relays();

  GMainContext* context_;
  NiceAgent* agent_ = nullptr;
  guint stream_id_ = 0;
  Callbacks callbacks_;
  IceState state_ = IceState::New;
  std::string ufrag_, pwd_;  // ours, read again after a restart
  IceConfig config_;
  std::optional<std::string> gathering_problem_;
};

}  // namespace roomcast::ice
