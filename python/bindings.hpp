// What the binding files share: the per-meeting context that runs Python callbacks, and the
// functions that register each part of the module.
#pragma once

#include <pybind11/pybind11.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dispatcher.hpp"
#include "roomcast/roomcast.hpp"

namespace roomcast::python {

class PyMeetingHandler;

// One per Meeting: its dispatcher thread, and its meeting handlers (where an exception
// raised by any Python callback of this meeting is reported, as on_error).
struct MeetingContext {
  std::shared_ptr<Dispatcher> dispatcher = Dispatcher::start();
  std::mutex mutex;
  std::vector<std::shared_ptr<PyMeetingHandler>> handlers;

  // Calls `object.name(*args)` if the object has it; GIL held. A Python exception becomes
  // on_error on the meeting handlers (from on_error itself: printed, never raised further).
  void call(const pybind11::object& object, const char* name, const pybind11::tuple& args);
  // Delivers `message` to every meeting handler's on_error; GIL held.
  void report_error(const std::string& message);
};

// "Class.method raised ValueError: text" for a Python exception caught in a callback.
std::string describe_python_error(const pybind11::object& object, const char* name,
                                  const pybind11::error_already_set& error);

// Lets a Python CustomAudioTrack subclass describe itself by its class name.
void name_python_track(const pybind11::object& track);

void register_media(pybind11::module_& m);
// Lets a Python CustomVideoTrack subclass describe itself by its class name.
void name_python_video_track(const pybind11::object& track);
void register_video(pybind11::module_& m);
// FileMedia (after register_media and register_video: its tracks are their types).
void register_file_media(pybind11::module_& m);
// Received pictures and MediaRecorder (before register_meeting: Stream.add_sink takes them).
void register_receive(pybind11::module_& m);
void register_meeting(pybind11::module_& m);
void register_push(pybind11::module_& m);
// PubSub, its messages and MessageStats.
void register_pubsub(pybind11::module_& m);
// meeting.pubsub: `meeting` keeps the Python Meeting alive; `get` gives its Meeting or throws
// once it was closed (no SDK handle outlives the meeting).
pybind11::object make_pubsub(pybind11::object meeting, std::function<Meeting&()> get,
                             std::shared_ptr<MeetingContext> context);

}  // namespace roomcast::python
