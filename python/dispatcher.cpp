// Dispatcher implementation.
#include "dispatcher.hpp"

namespace py = pybind11;

namespace roomcast::python {

namespace {
bool interpreter_usable() { return Py_IsInitialized() && !_Py_IsFinalizing(); }
}  // namespace

std::shared_ptr<Dispatcher> Dispatcher::start() {
  std::shared_ptr<Dispatcher> dispatcher(new Dispatcher());
  dispatcher->thread_ = std::thread([self = dispatcher] { self->run(); });
  return dispatcher;
}

Dispatcher::~Dispatcher() {
  // The thread's own reference may be the last one: then this runs on that thread.
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
}

void Dispatcher::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  // From a Python callback (a meeting dropped inside its own handler): the thread ends
  // by itself once this batch is done.
  if (thread_.get_id() == std::this_thread::get_id()) return;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  stopped_ = true;
}

void Dispatcher::release(PyObject* object) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      tasks_.push_back([object] { Py_DECREF(object); });
      wake_.notify_one();
      return;
    }
  }
  if (!interpreter_usable()) return;  // at exit: leaking beats touching a dying interpreter
  PyGILState_STATE state = PyGILState_Ensure();
  Py_DECREF(object);
  PyGILState_Release(state);
}

void Dispatcher::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, and everything queued has run
    // Take the whole batch: one GIL acquisition for every task queued so far.
    std::deque<std::function<void()>> batch;
    batch.swap(tasks_);
    lock.unlock();
    if (interpreter_usable()) {
      py::gil_scoped_acquire gil;
      for (auto& task : batch) {
        task();
        task = nullptr;  // its captures go while we hold the GIL
      }
    }
    batch.clear();  // before locking: a capture's destructor may call release()
    lock.lock();
  }
}

}  // namespace roomcast::python
