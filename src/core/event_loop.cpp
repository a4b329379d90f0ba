// EventLoop and Timer implementation on GLib.
#include "core/event_loop.hpp"

#include <pthread.h>

#include <mutex>

#include "core/callback_guard.hpp"
#include "core/log.hpp"

namespace roomcast::core {

namespace {
struct TasksSource {
  GSource base;
  EventLoop* owner;
};
}  // namespace

EventLoop::EventLoop() : context_(g_main_context_new()), loop_(g_main_loop_new(context_, FALSE)) {
  static GSourceFuncs funcs = {nullptr, nullptr, &EventLoop::run_tasks, nullptr, nullptr, nullptr};
  tasks_source_ = g_source_new(&funcs, sizeof(TasksSource));
  reinterpret_cast<TasksSource*>(tasks_source_)->owner = this;
  g_source_set_priority(tasks_source_, G_PRIORITY_DEFAULT);
  g_source_set_ready_time(tasks_source_, -1);
  g_source_attach(tasks_source_, context_);
  std::promise<void> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &started] {
    pthread_setname_np(pthread_self(), "roomcast-loop");  // names it in top, perf and gdb
    g_main_context_push_thread_default(context_);
    // The idle source signals "running" from inside the loop, so post() never races start-up.
    GSource* idle = g_idle_source_new();
    g_source_set_callback(
        idle, [](gpointer p) { static_cast<std::promise<void>*>(p)->set_value(); return G_SOURCE_REMOVE; },
        &started, nullptr);
    g_source_attach(idle, context_);
    g_source_unref(idle);
    g_main_loop_run(loop_);
    // Let callbacks posted during shutdown run so their owners can release resources.
    while (g_main_context_iteration(context_, FALSE)) {
    }
    g_main_context_pop_thread_default(context_);
  });
  ready.wait();
}

EventLoop::~EventLoop() {
  post([this] { g_main_loop_quit(loop_); });
  if (thread_.joinable()) thread_.join();
  g_source_destroy(tasks_source_);
  g_source_unref(tasks_source_);
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

void EventLoop::post(std::function<void()> task) {
  std::lock_guard lock(tasks_mutex_);
  tasks_.push_back(std::move(task));
  // Thread-safe; wakes the loop if it sleeps in poll().
  if (tasks_.size() == 1) g_source_set_ready_time(tasks_source_, 0);
}

gboolean EventLoop::run_tasks(GSource* source, GSourceFunc, gpointer) {
  auto* self = reinterpret_cast<TasksSource*>(source)->owner;
  const auto slice_end = std::chrono::steady_clock::now() + kTaskSlice;
  for (;;) {
    std::function<void()> task;
    {
      std::lock_guard lock(self->tasks_mutex_);
      if (self->tasks_.empty()) {
        g_source_set_ready_time(source, -1);  // until post() adds one
        return G_SOURCE_CONTINUE;
      }
      task = std::move(self->tasks_.front());
      self->tasks_.pop_front();
    }
    guard_callback("loop task", task);
    // Still ready: the rest runs in a later iteration, after any source of higher
    // priority that became ready meanwhile.
    if (std::chrono::steady_clock::now() >= slice_end) return G_SOURCE_CONTINUE;
  }
}

namespace {
struct TimerSource {
  GSource base;
  Timer* owner;
};
}  // namespace

gboolean Timer::dispatch(GSource* source, GSourceFunc, gpointer) {
  g_source_set_ready_time(source, -1);  // one-shot until armed again
  auto* owner = reinterpret_cast<TimerSource*>(source)->owner;
  guard_callback("timer callback", owner->callback_);
  return G_SOURCE_CONTINUE;
}

Timer::Timer(GMainContext* context, std::function<void()> callback)
    : callback_(std::move(callback)) {
  static GSourceFuncs funcs = {nullptr, nullptr, &Timer::dispatch, nullptr, nullptr, nullptr};
  source_ = g_source_new(&funcs, sizeof(TimerSource));
  reinterpret_cast<TimerSource*>(source_)->owner = this;
  g_source_set_ready_time(source_, -1);
  g_source_attach(source_, context);
}

Timer::~Timer() {
  g_source_destroy(source_);
  g_source_unref(source_);
}

void Timer::arm_at(Clock::time_point deadline) {
  g_source_set_ready_time(source_, to_glib_monotonic_us(deadline));
}

void Timer::cancel() { g_source_set_ready_time(source_, -1); }

}  // namespace roomcast::core
