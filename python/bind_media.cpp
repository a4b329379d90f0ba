// Audio sources for Python: AudioChunk from numpy, CustomAudioTrack subclassed in Python,
// FileAudioTrack (native: decoding and pacing never touch the GIL).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>

#include "bindings.hpp"

namespace py = pybind11;

namespace roomcast::python {

namespace {

// Lets Python subclasses override recv(). The SDK calls recv() on a media worker thread;
// the GIL is taken only for the call into Python.
class PyCustomAudioTrack : public CustomAudioTrack {
 public:
  std::optional<AudioChunk> recv() override {
    py::gil_scoped_acquire gil;
    py::function override = py::get_override(static_cast<const CustomAudioTrack*>(this), "recv");
    if (!override) return std::nullopt;  // the Python object is gone: nothing more to send
    try {
      py::object chunk = override();
      if (chunk.is_none()) return std::nullopt;
      if (!py::isinstance<AudioChunk>(chunk)) {
        throw std::runtime_error("recv() returned " + std::string(py::str(py::type::of(chunk).attr("__name__"))) +
                                 "; return roomcast.AudioChunk (e.g. AudioChunk.from_float) or None");
      }
      return chunk.cast<AudioChunk>();
    } catch (py::error_already_set& e) {
      // The SDK reports it as on_error("audio track failed: ...") and leaves the meeting.
      std::string what = "recv() raised " + describe_python_error(py::none(), nullptr, e);
      throw std::runtime_error(what);
    }
  }

  // The Python subclass's name, for the SDK's logs and errors (asked without the GIL, so
  // it is stored, by set_class_name when the track is put in a MeetingConfig).
  std::string description() const override {
    std::lock_guard lock(mutex_);
    return class_name_;
  }
  void set_class_name(std::string name) {
    std::lock_guard lock(mutex_);
    class_name_ = std::move(name);
  }

 private:
  mutable std::mutex mutex_;
  std::string class_name_ = "Python CustomAudioTrack";
};

py::array_t<int16_t> chunk_samples_s16(const AudioChunk& chunk) {
  if (chunk.format != SampleFormat::S16) throw py::value_error("this chunk does not hold s16 samples");
  py::array_t<int16_t> out(static_cast<py::ssize_t>(chunk.data.size() / sizeof(int16_t)));
  std::memcpy(out.mutable_data(), chunk.data.data(), chunk.data.size());
  return out;
}

}  // namespace

void name_python_track(const py::object& track) {
  if (auto* python_track = dynamic_cast<PyCustomAudioTrack*>(track.cast<CustomAudioTrack*>()))
    python_track->set_class_name(py::str(py::type::of(track).attr("__name__")));
}

void register_media(py::module_& m) {
  py::enum_<SampleFormat>(m, "SampleFormat", "Layout of one sample in an AudioChunk.")
      .value("S16", SampleFormat::S16)
      .value("S32", SampleFormat::S32)
      .value("FLOAT32", SampleFormat::Float32);

  py::class_<AudioChunk>(m, "AudioChunk",
                         "PCM audio of any size, rate and channel count (interleaved). The SDK "
                         "resamples to 48 kHz, cuts exact 20 ms frames and paces them.")
      .def_static(
          "from_float",
          [](py::array_t<float, py::array::c_style | py::array::forcecast> samples, int sample_rate_hz,
             int channels) {
            return AudioChunk::from_float(std::span<const float>(samples.data(), static_cast<size_t>(samples.size())),
                                          sample_rate_hz, channels);
          },
          py::arg("samples"), py::arg("sample_rate_hz"), py::arg("channels") = 1,
          "A chunk from float samples in [-1, 1] (numpy array; interleaved when channels > 1).")
      .def_static(
          "from_s16",
          [](py::array_t<int16_t, py::array::c_style | py::array::forcecast> samples, int sample_rate_hz,
             int channels) {
            return AudioChunk::from_s16(std::span<const int16_t>(samples.data(), static_cast<size_t>(samples.size())),
                                        sample_rate_hz, channels);
          },
          py::arg("samples"), py::arg("sample_rate_hz"), py::arg("channels") = 1,
          "A chunk from 16-bit samples (numpy int16 array; interleaved when channels > 1).")
      .def_property_readonly("frames", &AudioChunk::frames, "samples per channel")
      .def_readonly("sample_rate_hz", &AudioChunk::sample_rate_hz)
      .def_readonly("channels", &AudioChunk::channels)
      .def_readonly("format", &AudioChunk::format)
      .def("samples_s16", &chunk_samples_s16, "The samples as a numpy int16 array (s16 chunks only).")
      .def("__repr__", [](const AudioChunk& c) {
        return "<AudioChunk " + std::to_string(c.frames()) + " frames, " + std::to_string(c.sample_rate_hz) +
               " Hz, " + std::to_string(c.channels) + " ch>";
      });

  py::class_<CustomAudioTrack, PyCustomAudioTrack, std::shared_ptr<CustomAudioTrack>>(
      m, "CustomAudioTrack",
      "Subclass it and override recv() to return the next roomcast.AudioChunk (any size), or "
      "None at the end. recv() runs on an SDK media thread, ahead of time, as fast as asked: "
      "pacing is the SDK's job. A subclass __init__ must call super().__init__().")
      .def(py::init<>())
      .def("recv", &CustomAudioTrack::recv, py::call_guard<py::gil_scoped_release>());

  py::class_<FileAudioTrack, CustomAudioTrack, std::shared_ptr<FileAudioTrack>>(
      m, "FileAudioTrack",
      "Audio from a media file (anything FFmpeg decodes). Raises roomcast.Error when the file is "
      "missing, not media or has no audio. One track may feed several meetings (encoded once).")
      .def(py::init([](const std::string& path, int audio_stream, int loop, double start_seconds,
                       double gain_db) {
             FileAudioTrack::Options options;
             options.audio_stream = audio_stream;
             options.loop = loop;
             options.start = std::chrono::milliseconds(std::llround(start_seconds * 1000));
             options.gain_db = gain_db;
             return std::make_shared<FileAudioTrack>(path, options);
           }),
           py::arg("path"), py::arg("audio_stream") = 0, py::arg("loop") = 1,
           py::arg("start_seconds") = 0.0, py::arg("gain_db") = 0.0,
           py::call_guard<py::gil_scoped_release>())
      .def_static(
          "playlist",
          [](const std::vector<std::string>& paths, int audio_stream, int loop, double start_seconds,
             double gain_db) {
            FileAudioTrack::Options options;
            options.audio_stream = audio_stream;
            options.loop = loop;
            options.start = std::chrono::milliseconds(std::llround(start_seconds * 1000));
            options.gain_db = gain_db;
            return FileAudioTrack::playlist(paths, options);
          },
          py::arg("paths"), py::arg("audio_stream") = 0, py::arg("loop") = 1,
          py::arg("start_seconds") = 0.0, py::arg("gain_db") = 0.0,
          py::call_guard<py::gil_scoped_release>(),
          "Files played back to back with no gap; each opened and checked here.")
      .def("seek",
           [](FileAudioTrack& t, double seconds) {
             t.seek(std::chrono::milliseconds(std::llround(seconds * 1000)));
           },
           py::arg("seconds"))
      .def("pause", &FileAudioTrack::pause)
      .def("resume", &FileAudioTrack::resume)
      .def_property_readonly("paused", &FileAudioTrack::paused)
      .def_property_readonly("position_seconds",
                             [](const FileAudioTrack& t) { return t.position().count() / 1000.0; })
      .def_property_readonly("duration_seconds",
                             [](const FileAudioTrack& t) -> std::optional<double> {
                               if (auto d = t.duration()) return d->count() / 1000.0;
                               return std::nullopt;
                             })
      .def_property_readonly("source_sample_rate_hz", &FileAudioTrack::source_sample_rate_hz)
      .def_property_readonly("source_channels", &FileAudioTrack::source_channels)
      .def_property_readonly("codec_name", &FileAudioTrack::codec_name)
      .def_property_readonly("skipped_packets", &FileAudioTrack::skipped_packets);
}

}  // namespace roomcast::python
