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

IceTransport::IceTransport(GMainContext* context, bool controlling, Callbacks callbacks)
    : context_(context), callbacks_(std::move(callbacks)) {
  // No NICE_AGENT_OPTION_CONSENT_FRESHNESS: libnice 0.1.21 fails a path after a few
  // seconds of loss; peer::PeerSession expires consent after RFC 7675's 30 s instead.
  agent_ = nice_agent_new_full(context_, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_NONE);
  // UDP only: Janus offers UDP host candidates, and ICE-TCP would only slow checks down.
  g_object_set(agent_, "controlling-mode", controlling ? TRUE : FALSE, "ice-tcp", FALSE,
               "upnp", FALSE, nullptr);
  stream_id_ = nice_agent_add_stream(agent_, 1);
  g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(on_gathering_done_cb), this);
  g_signal_connect(agent_, "component-state-changed", G_CALLBACK(on_state_cb), this);
  nice_agent_attach_recv(agent_, stream_id_, 1, context_, on_recv_cb, this);
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
                             const std::vector<std::string>& candidates) {
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
    return std::string(ip) + ":" + std::to_string(nice_address_get_port(&c->addr));
  };
  return describe(local) + " <-> " + describe(remote);
}

void IceTransport::set_state(IceState state) {
  if (state == state_) return;
  state_ = state;
  if (callbacks_.on_state) callbacks_.on_state(state);
}

void IceTransport::on_gathering_done_cb(NiceAgent*, guint, gpointer self) {
  auto* ice = static_cast<IceTransport*>(self);
  core::guard_callback("ice: gathering done", [&] {
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
