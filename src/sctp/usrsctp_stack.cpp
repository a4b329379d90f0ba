// usrsctp global state and callback routing (see usrsctp_stack.hpp for the thread rules).
#include "sctp/usrsctp_stack.hpp"

#include <usrsctp.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/callback_guard.hpp"
#include "core/log.hpp"

namespace roomcast::sctp::detail {

namespace {

struct Entry {
  core::EventLoop* loop;
  AssociationSink* sink;
  bool events_posted = false;  // one on_socket_events() task at a time
};

// Guards the registry. Never held while calling into usrsctp: its callbacks take it from inside
// usrsctp's own locks.
std::mutex registry_mutex;
std::unordered_map<uintptr_t, Entry> registry;
uintptr_t next_id = 1;

// Guards usrsctp's init and finish, and the count of attached associations.
std::mutex init_mutex;
size_t attached = 0;
bool initialized = false;

std::mutex timer_mutex;
std::chrono::steady_clock::time_point last_timers;

// One timer per loop with associations (under registry_mutex; a loop's timer is made, armed and
// destroyed on that loop's thread only).
struct LoopTimer {
  size_t associations = 0;
  std::unique_ptr<core::Timer> timer;
};
std::unordered_map<const core::EventLoop*, LoopTimer> loop_timers;

void on_loop_timer(core::EventLoop* loop) {
  UsrsctpStack::advance_timers();
  std::vector<AssociationSink*> sinks;
  {
    std::lock_guard lock(registry_mutex);
    for (auto& [id, entry] : registry)
      if (entry.loop == loop) sinks.push_back(entry.sink);
  }
  // On their loop's thread: destroyed only there (and never from inside their callbacks).
  for (auto* sink : sinks) core::guard_callback("sctp timer", [&] { sink->on_timer_tick(); });
  std::lock_guard lock(registry_mutex);
  auto it = loop_timers.find(loop);
  if (it != loop_timers.end() && it->second.timer) it->second.timer->arm_in(UsrsctpStack::kTimerTick);
}

// Finds the sink of `id` if it lives on the calling thread's loop (null otherwise).
AssociationSink* local_sink(uintptr_t id) {
  std::lock_guard lock(registry_mutex);
  auto it = registry.find(id);
  if (it == registry.end() || !it->second.loop->in_loop_thread()) return nullptr;
  return it->second.sink;
}

int output(void* addr, void* buffer, size_t length, uint8_t /*tos*/, uint8_t /*set_df*/) {
  const auto id = reinterpret_cast<uintptr_t>(addr);
  const auto* bytes = static_cast<const uint8_t*>(buffer);
  AssociationSink* direct = nullptr;
  {
    std::lock_guard lock(registry_mutex);
    auto it = registry.find(id);
    if (it == registry.end()) return -1;  // closed: usrsctp may still flush an ABORT
    if (it->second.loop->in_loop_thread()) {
      direct = it->second.sink;
    } else {
      // Posted under the lock: detach() cannot run in between, so the loop is still alive.
      it->second.loop->post([id, packet = std::vector<uint8_t>(bytes, bytes + length)] {
        core::guard_callback("sctp output", [&] {
          if (auto* sink = local_sink(id)) sink->on_sctp_output(packet);
        });
      });
      return 0;
    }
  }
  // On the owner's loop thread: the owner is destroyed only there, so it is alive.
  core::guard_callback("sctp output", [&] { direct->on_sctp_output({bytes, length}); });
  return 0;
}

void init_usrsctp() {
  usrsctp_init_nothreads(0, &output, nullptr);
  usrsctp_sysctl_set_sctp_ecn_enable(0);
  usrsctp_sysctl_set_sctp_pr_enable(1);        // RFC 3758, for maxRetransmits / maxPacketLifeTime
  usrsctp_sysctl_set_sctp_reconfig_enable(1);  // RFC 6525 stream reset closes channels
  usrsctp_sysctl_set_sctp_auth_enable(0);      // DTLS authenticates (RFC 8261 §4)
  usrsctp_sysctl_set_sctp_asconf_enable(0);
  // One path over DTLS: give up after 5 retransmissions, RTO 200 ms .. 10 s, SACK within 20 ms.
  usrsctp_sysctl_set_sctp_init_rtx_max_default(5);
  usrsctp_sysctl_set_sctp_path_rtx_max_default(5);
  usrsctp_sysctl_set_sctp_assoc_rtx_max_default(5);
  usrsctp_sysctl_set_sctp_rto_min_default(200);
  usrsctp_sysctl_set_sctp_rto_initial_default(1000);
  usrsctp_sysctl_set_sctp_rto_max_default(10000);
  usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
  usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
  usrsctp_sysctl_set_sctp_heartbeat_interval_default(10000);
  usrsctp_sysctl_set_sctp_initial_cwnd(10);  // RFC 6928
  std::lock_guard lock(timer_mutex);
  last_timers = std::chrono::steady_clock::now();
}

}  // namespace

uintptr_t UsrsctpStack::attach(core::EventLoop& loop, AssociationSink& sink) {
  std::lock_guard init_lock(init_mutex);
  if (!initialized) {
    init_usrsctp();
    initialized = true;
  }
  ++attached;
  uintptr_t id = 0;
  {
    std::lock_guard lock(registry_mutex);
    id = next_id++;
    registry.emplace(id, Entry{&loop, &sink});
    auto& timer = loop_timers[&loop];
    if (timer.associations++ == 0) {
      timer.timer = std::make_unique<core::Timer>(loop.context(), [l = &loop] { on_loop_timer(l); });
      timer.timer->arm_in(kTimerTick);
    }
  }
  usrsctp_register_address(reinterpret_cast<void*>(id));
  return id;
}

void UsrsctpStack::detach(uintptr_t id) {
  usrsctp_deregister_address(reinterpret_cast<void*>(id));
  std::unique_ptr<core::Timer> unused_timer;  // destroyed after the lock, on this loop's thread
  {
    std::lock_guard lock(registry_mutex);
    auto it = registry.find(id);
    if (it != registry.end()) {
      auto timer = loop_timers.find(it->second.loop);
      if (timer != loop_timers.end() && --timer->second.associations == 0) {
        unused_timer = std::move(timer->second.timer);
        loop_timers.erase(timer);
      }
      registry.erase(it);
    }
  }
  std::lock_guard init_lock(init_mutex);
  // usrsctp_finish refuses while a closed socket is still being torn down; then the stack stays up
  // for the next association (or the process's end).
  if (--attached == 0 && usrsctp_finish() == 0) initialized = false;
}

void UsrsctpStack::advance_timers() {
  uint32_t elapsed_ms = 0;
  {
    std::lock_guard lock(timer_mutex);
    const auto now = std::chrono::steady_clock::now();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_timers);
    if (elapsed.count() <= 0) return;
    elapsed_ms = static_cast<uint32_t>(elapsed.count());
    last_timers += elapsed;
  }
  usrsctp_handle_timers(elapsed_ms);
}

size_t UsrsctpStack::timers_on(const core::EventLoop& loop) {
  std::lock_guard lock(registry_mutex);
  auto it = loop_timers.find(&loop);
  return it != loop_timers.end() && it->second.timer ? 1 : 0;
}

void UsrsctpStack::upcall(struct socket*, void* arg, int) {
  const auto id = reinterpret_cast<uintptr_t>(arg);
  std::lock_guard lock(registry_mutex);
  auto it = registry.find(id);
  if (it == registry.end() || it->second.events_posted) return;
  it->second.events_posted = true;
  it->second.loop->post([id] {
    core::guard_callback("sctp socket events", [&] {
      AssociationSink* sink = nullptr;
      {
        std::lock_guard lock(registry_mutex);
        auto it = registry.find(id);
        if (it == registry.end()) return;
        it->second.events_posted = false;
        sink = it->second.sink;
      }
      sink->on_socket_events();
    });
  });
}

}  // namespace roomcast::sctp::detail
