// EventLoop and Timer implementation on GLib.
#include "core/event_loop.hpp"

#include <mutex>

#include "core/callback_guard.hpp"
#include "core/log.hpp"

namespace roomcast::core {

namespace {
// GLib hands a source from post()'s thread to the loop thread under its own GMutex, a futex
// that ThreadSanitizer cannot see: it would report every task's captures as a race. This
// lock it sees; post() holds it while creating and attaching the source, run_task() takes it
// before reading the task. Uncontended, once per task.
std::mutex& handoff() {
  static std::mutex mutex;
  return mutex;
}

gboolean run_task(gpointer data) {
  auto* task = static_cast<std::function<void()>*>(data);
  { std::lock_guard lock(handoff()); }
  guard_callback("loop task", *task);
  return G_SOURCE_REMOVE;
}
void delete_task(gpointer data) { delete static_cast<std::function<void()>*>(data); }
}  // namespace

EventLoop::EventLoop() : context_(g_main_context_new()), loop_(g_main_loop_new(context_, FALSE)) {
  std::promise<void> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &started] {
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
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

void EventLoop::post(std::function<void()> task) {
  std::lock_guard lock(handoff());
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, run_task, new std::function<void()>(std::move(task)), delete_task);
  g_source_attach(source, context_);
  g_source_unref(source);
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
