// MeetingContext: where exceptions raised by Python callbacks are reported (on_error).
#include "callbacks.hpp"

namespace roomcast::python {

std::string describe_python_error(const py::object& object, const char* name, const py::error_already_set& error) {
  std::string where;
  if (name) where = std::string(py::str(py::type::of(object).attr("__name__"))) + "." + name + " raised ";
  return where + std::string(py::str(error.type().attr("__name__"))) + ": " + std::string(py::str(error.value()));
}

void MeetingContext::call(const py::object& object, const char* name, const py::tuple& args) {
  try {
    py::object method = py::getattr(object, name, py::none());
    if (method.is_none()) return;
    method(*args);
  } catch (py::error_already_set& e) {
    if (std::string(name) == "on_error") {
      e.discard_as_unraisable(name);  // printed by Python; an error about an error goes no further
      return;
    }
    report_error(describe_python_error(object, name, e));
  }
}

void MeetingContext::report_error(const std::string& message) {
  std::vector<std::shared_ptr<PyMeetingHandler>> targets;
  {
    std::lock_guard lock(mutex);
    targets = handlers;
  }
  bool heard = false;
  for (const auto& handler : targets) {
    py::object object = handler->object();
    if (!py::hasattr(object, "on_error")) continue;
    heard = true;
    call(object, "on_error", py::make_tuple(message));
  }
  // Nobody listens: say it on stderr rather than lose it.
  if (!heard) py::print("roomcast: error in a callback:", message, py::arg("file") = py::module_::import("sys").attr("stderr"));
}

}  // namespace roomcast::python
