// roomcast._native: the pybind11 module (the roomcast package re-exports it).
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "roomcast/version.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_native, m) {
  m.doc() = "roomcast native core: meetings, audio tracks, events (see the roomcast package)";
  m.attr("__version__") = ROOMCAST_VERSION;

  py::enum_<roomcast::Error::Kind>(m, "ErrorKind", "What kind of setup failure a roomcast.Error is.")
      .value("CONFIG", roomcast::Error::Kind::Config)
      .value("MEDIA", roomcast::Error::Kind::Media)
      .value("SIGNALING", roomcast::Error::Kind::Signaling)
      .value("TRANSPORT", roomcast::Error::Kind::Transport);

  // roomcast::Error -> roomcast.Error (an Exception) carrying .kind.
  static py::exception<roomcast::Error> error_type(m, "Error");
  error_type.doc() = "A setup failure: the message says what failed, on which input and what to do.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const roomcast::Error& e) {
      py::object instance = py::reinterpret_borrow<py::object>(error_type.ptr())(e.what());
      instance.attr("kind") = py::cast(e.kind());
      PyErr_SetObject(error_type.ptr(), instance.ptr());
    }
  });

  roomcast::python::register_media(m);
  roomcast::python::register_video(m);
  roomcast::python::register_file_media(m);
  roomcast::python::register_receive(m);
  roomcast::python::register_meeting(m);
  roomcast::python::register_push(m);
  roomcast::python::register_pubsub(m);
}
