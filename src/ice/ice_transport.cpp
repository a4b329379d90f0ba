// IceTransport on libnice: gathering, remote candidates, datagrams in and out.
#include "ice/ice_transport.hpp"

#include <agent.h>

#include "core/callback_guard.hpp"
#include "core/log.hpp"

namespace roomcast::ice {

using core::log_debug;
using core::log_warn;

const char* to_string(IceState state) {
  switch (state) {
    case IceState::New: return "new";
    case IceState::Gathering: return "gathering";
    case IceState::Checking: return "checking";
    case IceState::Connected: return "connected";
    case IceState::Failed: return "failed";
    case IceState::Closed: return "closed";
  }
  return "?";
}

namespace {

const char* type_name(NiceCandidateType type) {
  switch (type) {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "?";
}

const char* transport_name(NiceCandidateTransport transport) {
  return transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp";
}

// libnice hides which TURN server a relay candidate came from, but its priority says how it
// was reached: the type preference (RFC 8445 §5.1.2.1, the top byte) is 30 for TURN over UDP
// and 20 for TURN over TCP (libnice candidate-priv.h; e2e_turn_relay_tcp checks it).
RelayTransport turn_transport_of(const NiceCandidate& relay) {
  return (relay.priority >> 24) == 30 ? RelayTransport::Udp : RelayTransport::Tcp;
}

}  // namespace

IceTransport::IceTransport(GMainContext* context, bool controlling, Callbacks callbacks, const IceConfig& config)
    : context_(context), callbacks_(std::move(callbacks)), config_(config) {
  // No NICE_AGENT_OPTION_CONSENT_FRESHNESS: libnice 0.1.21 fails a path after a few
  // seconds of loss; peer::PeerSession expires consent after RFC 7675's 30 s instead.
  agent_ = nice_agent_new_full(context_, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_NONE);
  // ICE-TCP costs nothing toward a server with UDP candidates only (no TCP pair is checked)
  // and is what still connects when UDP is blocked. The relay policy needs no host candidate.
  const bool tcp = config_.tcp && !config_.relay_only;
  g_object_set(agent_, "controlling-mode", controlling ? TRUE : FALSE, "ice-tcp", tcp ? TRUE : FALSE,
               "upnp", FALSE, nullptr);
  if (config_.stun)
    g_object_set(agent_, "stun-server", config_.stun->address.c_str(), "stun-server-port",
                 static_cast<guint>(config_.stun->port), nullptr);
  // force-relay: libnice pairs only relay candidates in its checks (conncheck.c), so no
  // packet of ours leaves from a host or server-reflexive address.
  if (config_.relay_only) g_object_set(agent_, "force-relay", TRUE, nullptr);
  stream_id_ = nice_agent_add_stream(agent_, 1);
  for (const auto& relay : config_.relays) {
    const auto type = relay.transport == RelayTransport::Tcp ? NICE_RELAY_TYPE_TURN_TCP : NICE_RELAY_TYPE_TURN_UDP;
    if (!nice_agent_set_relay_info(agent_, stream_id_, 1, relay.address.c_str(), relay.port, relay.username.c_str(),
                                   relay.credential.c_str(), type))
      log_warn("ice: libnice refused TURN server ", relay.url, " (address ", relay.address, ")");
  }
  g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(on_gathering_done_cb), this);
  g_signal_connect(agent_, "component-state-changed", G_CALLBACK(on_state_cb), this);
  nice_agent_attach_recv(agent_, stream_id_, 1, context_, on_recv_cb, this);
  read_local_credentials();
}

void IceTransport::read_local_credentials() {
  gchar* ufrag = nullptr;
  gchar* pwd = nullptr;
  if (nice_agent_get_local_credentials(agent_, stream_id_, &ufrag, &pwd)) {
    ufrag_ = ufrag;
    pwd_ = pwd;
  }
  g_free(ufrag);
  g_free(pwd);
}

IceTransport::~IceTransport() {
  if (!agent_) return;
  g_signal_handlers_disconnect_by_data(agent_, this);
  nice_agent_attach_recv(agent_, stream_id_, 1, context_, nullptr, nullptr);
  nice_agent_remove_stream(agent_, stream_id_);
  nice_agent_close_async(agent_, nullptr, nullptr);
  g_object_unref(agent_);
}

bool IceTransport::gather() {
  set_state(IceState::Gathering);
  return nice_agent_gather_candidates(agent_, stream_id_);
}

std::vector<std::string> IceTransport::local_candidates() const {
  std::vector<std::string> out;
  GSList* list = nice_agent_get_local_candidates(agent_, stream_id_, 1);
  for (GSList* it = list; it; it = it->next) {
    auto* candidate = static_cast<NiceCandidate*>(it->data);
    if (config_.relay_only && candidate->type != NICE_CANDIDATE_TYPE_RELAYED) continue;
    gchar* line = nice_agent_generate_local_candidate_sdp(agent_, candidate);
    std::string text = line ? line : "";
    g_free(line);
    if (text.rfind("a=", 0) == 0) text.erase(0, 2);
    if (!text.empty()) out.push_back(text);
  }
  g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
  return out;
}

int IceTransport::set_remote(const std::string& ufrag, const std::string& pwd,
                             const std::vector<std::string>& candidates, bool remote_lite) {
  // A lite agent never checks nor nominates (RFC 8445 §6.1.1): the full agent controls, even
  // as the answerer.
  if (remote_lite) g_object_set(agent_, "controlling-mode", TRUE, nullptr);
  if (!nice_agent_set_remote_credentials(agent_, stream_id_, ufrag.c_str(), pwd.c_str())) return -1;
  GSList* list = nullptr;
  for (const auto& line : candidates) {
    std::string sdp = line.rfind("a=", 0) == 0 ? line : "a=" + line;
    NiceCandidate* candidate = nice_agent_parse_remote_candidate_sdp(agent_, stream_id_, sdp.c_str());
    if (!candidate) {
      log_debug("ice: ignoring remote candidate '", line, "'");
      continue;
    }
    list = g_slist_append(list, candidate);
  }
  int added = list ? nice_agent_set_remote_candidates(agent_, stream_id_, 1, list) : 0;
  g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
  return added;
}

bool IceTransport::restart() {
  if (!nice_agent_restart_stream(agent_, stream_id_)) return false;
  read_local_credentials();
  set_state(IceState::Checking);
  return true;
}

bool IceTransport::send(std::span<const uint8_t> datagram) {
  if (state_ != IceState::Connected) return false;
  int sent = nice_agent_send(agent_, stream_id_, 1, static_cast<guint>(datagram.size()),
                             reinterpret_cast<const gchar*>(datagram.data()));
  return sent == static_cast<int>(datagram.size());
}

std::string IceTransport::selected_pair() const {
  NiceCandidate* local = nullptr;
  NiceCandidate* remote = nullptr;
  if (!nice_agent_get_selected_pair(agent_, stream_id_, 1, &local, &remote)) return {};
  auto describe = [](NiceCandidate* c) {
    gchar ip[INET6_ADDRSTRLEN] = {0};
    nice_address_to_string(&c->addr, ip);
    const std::string host = nice_address_ip_version(&c->addr) == 6 ? "[" + std::string(ip) + "]" : ip;
    return host + ":" + std::to_string(nice_address_get_port(&c->addr));
  };
  return describe(local) + " <-> " + describe(remote);
}

std::string IceTransport::selected_pair_types() const {
  NiceCandidate* local = nullptr;
  NiceCandidate* remote = nullptr;
  if (!agent_ || !nice_agent_get_selected_pair(agent_, stream_id_, 1, &local, &remote)) return {};
  std::string text = std::string(type_name(local->type)) + "/" + transport_name(local->transport) + " -> " +
                     type_name(remote->type) + "/" + transport_name(remote->transport);
  if (local->type == NICE_CANDIDATE_TYPE_RELAYED)
    text += turn_transport_of(*local) == RelayTransport::Udp ? " (TURN over udp)" : " (TURN over tcp)";
  return text;
}

void IceTransport::check_relays() {
  if (config_.relays.empty()) return;
  bool relayed = false;
  GSList* list = nice_agent_get_local_candidates(agent_, stream_id_, 1);
  for (GSList* it = list; it; it = it->next)
    relayed = relayed || static_cast<NiceCandidate*>(it->data)->type == NICE_CANDIDATE_TYPE_RELAYED;
  g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
  if (relayed) return;
  // libnice does not say why an allocation failed: a 401 to every attempt (wrong username or
  // credential) and an unreachable server look the same from here.
  std::string names;
  for (const auto& relay : config_.relays) names += (names.empty() ? "'" : ", '") + relay.url + "'";
  const std::string what = "no relay candidate from TURN server " + names +
                           ": the server refused the username or credential, or is unreachable from this host";
  if (config_.relay_only) {
    gathering_problem_ = "ICE: " + what + "; with the ICE transport policy relay nothing else may carry media: "
                         "check the TURN credentials and that the server's address and port are reachable";
  } else {
    log_warn("ice: ", what, "; trying the other candidates");
  }
}

void IceTransport::set_state(IceState state) {
  if (state == state_) return;
  state_ = state;
  if (callbacks_.on_state) callbacks_.on_state(state);
}

void IceTransport::on_gathering_done_cb(NiceAgent*, guint, gpointer self) {
  auto* ice = static_cast<IceTransport*>(self);
  core::guard_callback("ice: gathering done", [&] {
    ice->check_relays();
    if (ice->callbacks_.on_gathering_done) ice->callbacks_.on_gathering_done();
  });
}

void IceTransport::on_state_cb(NiceAgent*, guint, guint, guint state, gpointer self) {
  auto* ice = static_cast<IceTransport*>(self);
  core::guard_callback("ice: state change", [&] {
    switch (state) {
      case NICE_COMPONENT_STATE_CONNECTING: ice->set_state(IceState::Checking); break;
      case NICE_COMPONENT_STATE_CONNECTED:
      case NICE_COMPONENT_STATE_READY: ice->set_state(IceState::Connected); break;
      case NICE_COMPONENT_STATE_FAILED: ice->set_state(IceState::Failed); break;
      default: break;
    }
  });
}

void IceTransport::on_recv_cb(NiceAgent*, guint, guint, guint len, gchar* buf, gpointer self) {
  auto* ice = static_cast<IceTransport*>(self);
  core::guard_callback("ice: receive", [&] {
    if (ice->callbacks_.on_packet) ice->callbacks_.on_packet({reinterpret_cast<const uint8_t*>(buf), len});
  });
}

}  // namespace roomcast::ice
