// The process's one usrsctp instance: refcounted init, its timers, and routing of its C callbacks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/event_loop.hpp"

struct socket;

namespace roomcast::sctp::detail {

/// What the stack hands to one association, always on that association's loop thread.
class AssociationSink {
 public:
  virtual void on_sctp_output(std::span<const uint8_t> packet) = 0;
  /// The socket became readable or writable (posted: never from inside usrsctp).
  virtual void on_socket_events() = 0;
  /// Every kTimerTick on the loop's one SCTP timer, after usrsctp's timers ran.
  virtual void on_timer_tick() = 0;

 protected:
  ~AssociationSink() = default;
};

/// usrsctp keeps global state, so the first attach initializes it and the last detach finishes it.
/// It runs without threads of its own (usrsctp_init_nothreads): its timers advance on one timer
/// per loop that has associations (usrsctp's timers are global: one call serves every
/// association; a timer each would wake a loop N times per tick), so conninput, sendv, timers
/// and every callback run on loop threads. A callback for an association of another loop (two engines in one process, as unit
/// tests have) is copied and posted to that loop; usrsctp's internal locks make the concurrent
/// calls safe.
///
/// usrsctp knows an association by an opaque id (its AF_CONN address), never by a pointer: a
/// callback that comes after detach() finds nothing and is dropped.
class UsrsctpStack {
 public:
  /// Registers `sink` on `loop` (call on that loop's thread) and returns its AF_CONN address.
  static uintptr_t attach(core::EventLoop& loop, AssociationSink& sink);
  /// Unregisters `id` (after usrsctp_close of its socket); the last one finishes usrsctp.
  static void detach(uintptr_t id);
  /// Runs usrsctp's timers that are due (elapsed time since the last call, any loop).
  static void advance_timers();
  /// How often a loop with associations advances usrsctp's timers.
  static constexpr std::chrono::milliseconds kTimerTick{10};
  /// The timers a loop runs for its associations (0 or 1: for tests).
  static size_t timers_on(const core::EventLoop& loop);

  /// For usrsctp_set_upcall: posts one on_socket_events() to the owner of `arg` (its id).
  static void upcall(struct socket* sock, void* arg, int flags);
};

}  // namespace roomcast::sctp::detail
