// EventLoop: one GLib main context on its own thread; owns all network I/O and protocol state.
#pragma once

#include <glib.h>

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

namespace roomcast::core {

/// libnice and libsoup both run on a GMainContext, so one loop thread serves ICE,
/// DTLS, SRTP, RTP and signaling for every participant of the process (the process's
/// engine::Engine owns it). Other threads
/// only post() tasks to it; protocol code therefore needs no locks.
///
/// Posted tasks run in order from one queue, a slice of at most kTaskSlice at a time: GLib
/// dispatches every ready source of a priority in one go, and hundreds of participants
/// post bursts (a join announced to a room of 200 is 200 events at once), so a source per
/// task would hold the loop for tens of milliseconds and make the media clock's tick late.
class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  GMainContext* context() const { return context_; }
  bool in_loop_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

  /// Runs `task` on the loop thread, after the tasks posted before it (thread-safe,
  /// never blocks).
  void post(std::function<void()> task);
  /// How long the loop runs posted tasks before it lets other sources (the media clock's
  /// tick first) have their turn.
  static constexpr std::chrono::microseconds kTaskSlice{2000};

  /// Runs `task` on the loop thread and waits for its result; exceptions propagate.
  template <typename F>
  auto call(F&& task) -> decltype(task()) {
    using R = decltype(task());
    if (in_loop_thread()) return task();
    std::packaged_task<R()> packaged(std::forward<F>(task));
    auto result = packaged.get_future();
    post([&packaged] { packaged(); });
    return result.get();
  }

 private:
  static gboolean run_tasks(GSource* source, GSourceFunc, gpointer);

  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  GSource* tasks_source_ = nullptr;  // ready while `tasks_` holds something
  std::mutex tasks_mutex_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
};

/// A one-shot or repeating callback at absolute monotonic deadlines on a loop.
/// Destroying it (on the loop thread) cancels it.
class Timer {
 public:
  using Clock = std::chrono::steady_clock;
  Timer(GMainContext* context, std::function<void()> callback);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// Fires once at `deadline` (absolute: no drift from late wake-ups).
  void arm_at(Clock::time_point deadline);
  void arm_in(std::chrono::microseconds delay) { arm_at(Clock::now() + delay); }
  void cancel();
  /// GLib source priority (G_PRIORITY_HIGH runs before pending I/O and tasks).
  void set_priority(int priority) { g_source_set_priority(source_, priority); }

 private:
  static gboolean dispatch(GSource* source, GSourceFunc, gpointer);
  GSource* source_ = nullptr;
  std::function<void()> callback_;
};

/// steady_clock and g_get_monotonic_time() both read CLOCK_MONOTONIC on Linux.
inline gint64 to_glib_monotonic_us(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace roomcast::core
