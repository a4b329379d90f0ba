// Dispatcher: the one thread per meeting that runs Python code (handlers, sinks), so the
// SDK's network thread never waits for the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace roomcast::python {

class Dispatcher : public std::enable_shared_from_this<Dispatcher> {
 public:
  // Starts the thread; it keeps the dispatcher alive until stop().
  static std::shared_ptr<Dispatcher> start();
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `task` to run with the GIL held. Never blocks on the GIL; callable from any
  // thread. Dropped once stopped. Tasks must not own Python references (use PyRef).
  void post(std::function<void()> task);
  // Runs what is queued, then ends the thread (waits for it unless called on it). Call
  // without holding the GIL.
  void stop();
  // Drops a Python reference: on the dispatcher thread while it runs, else under the GIL
  // taken here (skipped when the interpreter is finalizing).
  void release(PyObject* object);

 private:
  Dispatcher() = default;
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

// A strong Python reference that any thread may hold and drop: the decref goes through the
// dispatcher (the SDK drops handlers and sinks on its own threads).
class PyRef {
 public:
  PyRef(pybind11::object object, std::shared_ptr<Dispatcher> dispatcher)
      : object_(object.release().ptr()), dispatcher_(std::move(dispatcher)) {}
  ~PyRef() {
    if (object_) dispatcher_->release(object_);
  }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;

  // A new reference; GIL required.
  pybind11::object get() const { return pybind11::reinterpret_borrow<pybind11::object>(object_); }

 private:
  PyObject* object_;
  std::shared_ptr<Dispatcher> dispatcher_;
};

}  // namespace roomcast::python
