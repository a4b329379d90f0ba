// Received media for Python: decoded pictures of a remote camera as numpy planes (a sink's
// on_video_frame), and MediaRecorder (a participant's audio and video into one WebM file,
// written natively, off the callback thread).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <chrono>

#include "bindings.hpp"
#include "callbacks.hpp"

namespace py = pybind11;

namespace roomcast::python {

namespace {
std::chrono::milliseconds to_ms(double seconds, const char* what) {
  if (!(seconds >= 0) || seconds > 3600)
    throw Error(Error::Kind::Config, std::string("MediaRecorder: ") + what + " is " + std::to_string(seconds) +
                                         " s; give 0 to 3600 seconds");
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5));
}
}  // namespace

void register_receive(py::module_& m) {
  py::class_<PyVideoFrame>(m, "ReceivedVideoFrame",
                           "One decoded picture of a remote camera, I420: y (height x width), u and v "
                           "((height+1)//2 x (width+1)//2), numpy uint8 arrays the sink may keep.")
      .def_readonly("y", &PyVideoFrame::y)
      .def_readonly("u", &PyVideoFrame::u)
      .def_readonly("v", &PyVideoFrame::v)
      .def_readonly("width", &PyVideoFrame::width)
      .def_readonly("height", &PyVideoFrame::height)
      .def_readonly("timestamp_seconds", &PyVideoFrame::timestamp_seconds,
                    "When it is shown, from the stream's RTP time: seconds after the stream's first picture.")
      .def_readonly("participant_id", &PyVideoFrame::participant_id)
      .def("__repr__", [](const PyVideoFrame& f) {
        return "<ReceivedVideoFrame " + std::to_string(f.width) + "x" + std::to_string(f.height) + " at " +
               std::to_string(f.timestamp_seconds) + " s>";
      });

  py::class_<MediaRecorder, std::shared_ptr<MediaRecorder>>(
      m, "MediaRecorder",
      "Records one participant's audio and video into a WebM file, written live (a killed process leaves a "
      "playable file up to its last second). Give it to stream.add_sink() for the audio and for the video "
      "stream; close() (or leaving a `with` block) finishes the file.")
      .def(py::init([](const std::string& path, bool audio, bool video, int video_bitrate_bps,
                       double keyframe_interval_seconds, double start_wait_seconds, double audio_latency_seconds) {
             MediaRecorder::Options options;
             options.audio = audio;
             options.video = video;
             options.video_bitrate_bps = video_bitrate_bps;
             options.keyframe_interval = to_ms(keyframe_interval_seconds, "keyframe_interval_seconds");
             options.start_wait = to_ms(start_wait_seconds, "start_wait_seconds");
             options.audio_latency = to_ms(audio_latency_seconds, "audio_latency_seconds");
             return std::make_shared<MediaRecorder>(path, std::move(options));
           }),
           py::arg("path"), py::arg("audio") = true, py::arg("video") = true, py::arg("video_bitrate_bps") = 1000000,
           py::arg("keyframe_interval_seconds") = 2.0, py::arg("start_wait_seconds") = 3.0,
           py::arg("audio_latency_seconds") = 0.06)
      .def("close", &MediaRecorder::close, py::call_guard<py::gil_scoped_release>(),
           "Writes what is pending, the duration and the index; later frames are ignored.")
      .def_property_readonly("path", &MediaRecorder::path)
      .def_property_readonly("recording", &MediaRecorder::recording)
      .def_property_readonly("audio_packets", &MediaRecorder::audio_packets)
      .def_property_readonly("video_frames", &MediaRecorder::video_frames)
      .def("__enter__", [](std::shared_ptr<MediaRecorder> self) { return self; })
      .def("__exit__", [](MediaRecorder& self, py::args) {
        py::gil_scoped_release release;
        self.close();
      });
}

}  // namespace roomcast::python
