// PushAudioTrack for Python voice agents: push() and wait_for_playout() release the GIL while
// they wait, so the agent's other threads (and asyncio via run_in_executor) keep running.
#include <pybind11/chrono.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"

namespace py = pybind11;

namespace roomcast::python {

namespace {

std::optional<std::chrono::milliseconds> timeout_of(std::optional<double> seconds) {
  if (!seconds) return std::nullopt;
  if (!std::isfinite(*seconds) || *seconds < 0) throw py::value_error("timeout must be >= 0 seconds or None");
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(*seconds, 1e9) * 1000));
}

double seconds_of(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

}  // namespace

void register_push(py::module_& m) {
  using Stats = PushAudioTrack::Stats;
  py::class_<Stats>(m, "PushAudioTrackStats")
      .def_property_readonly("pushed_seconds", [](const Stats& s) { return seconds_of(s.pushed); })
      .def_property_readonly("cleared_seconds", [](const Stats& s) { return seconds_of(s.cleared); })
      .def_property_readonly("sent_seconds", [](const Stats& s) { return seconds_of(s.sent); })
      .def_readonly("underruns", &Stats::underruns)
      .def_readonly("talkspurts", &Stats::talkspurts);

  py::class_<PushAudioTrack, CustomAudioTrack, std::shared_ptr<PushAudioTrack>>(
      m, "PushAudioTrack",
      "A microphone you feed: push() audio (any rate, channels, size) as it is produced; the SDK "
      "sends it in real time, silence when the queue runs dry. clear() is barge-in, "
      "wait_for_playout() returns once everything pushed went out. Thread-safe.")
      .def(py::init([](double max_queue_seconds, int channels) {
             if (!std::isfinite(max_queue_seconds)) throw py::value_error("max_queue_seconds must be finite");
             return std::make_shared<PushAudioTrack>(PushAudioTrack::Options{
                 std::chrono::milliseconds(static_cast<int64_t>(std::clamp(max_queue_seconds, -1.0, 1e6) * 1000)),
                 channels});
           }),
           py::kw_only(), py::arg("max_queue_seconds") = 0.2, py::arg("channels") = 1)
      .def(
          "push",
          [](PushAudioTrack& t, const AudioChunk& chunk, std::optional<double> timeout) {
            auto limit = timeout_of(timeout);
            py::gil_scoped_release release;
            return t.push(chunk, limit);
          },
          py::arg("chunk"), py::arg("timeout") = py::none(),
          "Queues a chunk; blocks while the queue is full. False on timeout, after end(), or when "
          "clear() was called while it waited.")
      .def("clear", &PushAudioTrack::clear, py::call_guard<py::gil_scoped_release>(),
           "Barge-in: drop everything queued; silence from the next 20 ms frame on.")
      .def(
          "wait_for_playout",
          [](PushAudioTrack& t, std::optional<double> timeout) {
            auto limit = timeout_of(timeout);
            py::gil_scoped_release release;
            return t.wait_for_playout(limit);
          },
          py::arg("timeout") = py::none(),
          "True once everything pushed so far has gone out on the wire; False on timeout.")
      .def_property_readonly("queued_seconds", [](const PushAudioTrack& t) { return seconds_of(t.queued_duration()); })
      .def("end", &PushAudioTrack::end, py::call_guard<py::gil_scoped_release>(),
           "End of stream after what is queued (the meeting then ends).")
      .def_property_readonly("stats", &PushAudioTrack::stats);
}

}  // namespace roomcast::python
