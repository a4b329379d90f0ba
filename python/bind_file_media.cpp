// FileMedia: a file's sound and picture from one demuxer, its two tracks and the controls.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"

namespace py = pybind11;

namespace roomcast::python {

namespace {

FileMedia::Options media_options(int audio_stream, int video_stream, int loop, double start_seconds,
                                 double gain_db, bool video_copy) {
  FileMedia::Options options;
  options.audio_stream = audio_stream;
  options.video_stream = video_stream;
  options.loop = loop;
  options.start = std::chrono::milliseconds(std::llround(start_seconds * 1000));
  options.gain_db = gain_db;
  options.video_copy = video_copy;
  return options;
}

std::optional<double> seconds_or_none(std::optional<std::chrono::milliseconds> t) {
  if (t) return t->count() / 1000.0;
  return std::nullopt;
}

}  // namespace

void register_file_media(py::module_& m) {
  py::class_<FileMedia, std::shared_ptr<FileMedia>>(
      m, "FileMedia",
      "A media file opened once for both kinds: audio_track (the microphone) and video_track (the "
      "camera) read it through one demuxer and stay in sync through seek/pause/resume/loop. Raises "
      "roomcast.Error when the file is missing, not media, or (video_copy) its video cannot be sent as it is.")
      .def(py::init([](const std::string& path, int audio_stream, int video_stream, int loop, double start_seconds,
                       double gain_db, bool video_copy) {
             return std::make_shared<FileMedia>(
                 path, media_options(audio_stream, video_stream, loop, start_seconds, gain_db, video_copy));
           }),
           py::arg("path"), py::arg("audio_stream") = 0, py::arg("video_stream") = 0, py::arg("loop") = 1,
           py::arg("start_seconds") = 0.0, py::arg("gain_db") = 0.0, py::arg("video_copy") = false,
           py::call_guard<py::gil_scoped_release>())
      .def_static(
          "playlist",
          [](const std::vector<std::string>& paths, int audio_stream, int video_stream, int loop,
             double start_seconds, double gain_db, bool video_copy) {
            return FileMedia::playlist(
                paths, media_options(audio_stream, video_stream, loop, start_seconds, gain_db, video_copy));
          },
          py::arg("paths"), py::arg("audio_stream") = 0, py::arg("video_stream") = 0, py::arg("loop") = 1,
          py::arg("start_seconds") = 0.0, py::arg("gain_db") = 0.0, py::arg("video_copy") = false,
          py::call_guard<py::gil_scoped_release>(),
          "Files played back to back, each opened and checked here; all must hold the same kinds.")
      .def_property_readonly("audio_track", &FileMedia::audio_track,
                             "A roomcast.CustomAudioTrack for MeetingConfig.custom_microphone_audio_track (None without audio).")
      .def_property_readonly("video_track", &FileMedia::video_track,
                             "A roomcast.CustomVideoTrack for MeetingConfig.custom_camera_video_track (None without video).")
      .def_property_readonly("has_audio", &FileMedia::has_audio)
      .def_property_readonly("has_video", &FileMedia::has_video)
      .def("seek",
           [](FileMedia& media, double seconds) { media.seek(std::chrono::milliseconds(std::llround(seconds * 1000))); },
           py::arg("seconds"), "Both tracks jump to this offset in the current file, at one point of their timeline.")
      .def("pause", &FileMedia::pause, "Silence and a standing picture until resume().")
      .def("resume", &FileMedia::resume)
      .def_property_readonly("paused", &FileMedia::paused)
      .def_property_readonly("position_seconds", [](const FileMedia& media) { return media.position().count() / 1000.0; })
      .def_property_readonly("duration_seconds", [](const FileMedia& media) { return seconds_or_none(media.duration()); })
      .def_property_readonly("current_file", &FileMedia::current_file)
      .def_property_readonly("current_play", &FileMedia::current_play)
      .def_property_readonly("audio_codec_name", &FileMedia::audio_codec_name)
      .def_property_readonly("video_codec_name", &FileMedia::video_codec_name)
      .def_property_readonly("source_sample_rate_hz", &FileMedia::source_sample_rate_hz)
      .def_property_readonly("source_channels", &FileMedia::source_channels)
      .def_property_readonly("source_width", &FileMedia::source_width)
      .def_property_readonly("source_height", &FileMedia::source_height)
      .def_property_readonly("source_frame_rate", &FileMedia::source_frame_rate)
      .def_property_readonly("description", &FileMedia::description);
}

}  // namespace roomcast::python
