// Video sources for Python: VideoFrame from numpy (H x W x 3 RGB, H x W x 4 RGBA, I420
// planes), CustomVideoTrack subclassed in Python, FileVideoTrack (native decoding),
// PushVideoTrack (frames pushed by a renderer).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>

#include "bindings.hpp"

namespace py = pybind11;

namespace roomcast::python {

namespace {

using Pixels = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>;

std::chrono::microseconds to_us(double seconds) {
  return std::chrono::microseconds(std::llround(seconds * 1e6));
}

// Python subclasses override recv(); the SDK calls it from its video thread about when the
// previous frame is due, so the GIL is taken once a frame.
class PyCustomVideoTrack : public CustomVideoTrack {
 public:
  std::optional<VideoFrame> recv() override {
    py::gil_scoped_acquire gil;
    py::function override = py::get_override(static_cast<const CustomVideoTrack*>(this), "recv");
    if (!override) return std::nullopt;
    try {
      py::object frame = override();
      if (frame.is_none()) return std::nullopt;
      if (!py::isinstance<VideoFrame>(frame))
        throw std::runtime_error("recv() returned " + std::string(py::str(py::type::of(frame).attr("__name__"))) +
                                 "; return roomcast.VideoFrame (e.g. VideoFrame.from_rgb) or None");
      return frame.cast<VideoFrame>();
    } catch (py::error_already_set& e) {
      throw std::runtime_error("recv() raised " + describe_python_error(py::none(), nullptr, e));
    }
  }
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
  std::string class_name_ = "Python CustomVideoTrack";
};

// An H x W x C array of bytes: C = 3 or 4, as the format says.
VideoFrame packed(const Pixels& pixels, PixelFormat format, int channels, double timestamp_seconds) {
  if (pixels.ndim() != 3 || pixels.shape(2) != channels)
    throw py::value_error("expected a numpy array of shape (height, width, " + std::to_string(channels) +
                          ") and dtype uint8; got " + std::to_string(pixels.ndim()) + " dimensions");
  const auto bytes = std::span(reinterpret_cast<const std::byte*>(pixels.data()), static_cast<size_t>(pixels.size()));
  return VideoFrame::from_pixels(bytes, format, static_cast<int>(pixels.shape(1)), static_cast<int>(pixels.shape(0)),
                                 to_us(timestamp_seconds));
}

}  // namespace

void name_python_video_track(const py::object& track) {
  if (auto* python_track = dynamic_cast<PyCustomVideoTrack*>(track.cast<CustomVideoTrack*>()))
    python_track->set_class_name(py::str(py::type::of(track).attr("__name__")));
}

void register_video(py::module_& m) {
  py::enum_<PixelFormat>(m, "PixelFormat", "Layout of the pixels of a VideoFrame.")
      .value("I420", PixelFormat::I420)
      .value("NV12", PixelFormat::NV12)
      .value("RGB24", PixelFormat::RGB24)
      .value("RGBA", PixelFormat::RGBA)
      .value("BGR24", PixelFormat::BGR24)
      .value("BGRA", PixelFormat::BGRA);

  py::class_<VideoFrame>(m, "VideoFrame",
                         "One picture of any size and pixel format with its time from the track's start. "
                         "The SDK converts, scales to MeetingConfig's size and sends it when it is due.")
      .def_static(
          "from_rgb", [](const Pixels& p, double t) { return packed(p, PixelFormat::RGB24, 3, t); },
          py::arg("pixels"), py::arg("timestamp_seconds"), "From an (height, width, 3) uint8 RGB array.")
      .def_static(
          "from_rgba", [](const Pixels& p, double t) { return packed(p, PixelFormat::RGBA, 4, t); },
          py::arg("pixels"), py::arg("timestamp_seconds"), "From an (height, width, 4) uint8 RGBA array.")
      .def_static(
          "from_i420",
          [](const Pixels& y, const Pixels& u, const Pixels& v, double t) {
            if (y.ndim() != 2 || u.ndim() != 2 || v.ndim() != 2)
              throw py::value_error("from_i420 takes three 2-D uint8 planes: Y (h, w), U and V ((h+1)//2, (w+1)//2)");
            const int width = static_cast<int>(y.shape(1)), height = static_cast<int>(y.shape(0));
            if (u.shape(0) != (height + 1) / 2 || u.shape(1) != (width + 1) / 2 || v.shape(0) != u.shape(0) ||
                v.shape(1) != u.shape(1))
              throw py::value_error("the U and V planes of a " + std::to_string(width) + "x" + std::to_string(height) +
                                    " frame must be " + std::to_string((height + 1) / 2) + " rows of " +
                                    std::to_string((width + 1) / 2));
            std::vector<std::byte> data(static_cast<size_t>(y.size() + u.size() + v.size()));
            std::memcpy(data.data(), y.data(), static_cast<size_t>(y.size()));
            std::memcpy(data.data() + y.size(), u.data(), static_cast<size_t>(u.size()));
            std::memcpy(data.data() + y.size() + u.size(), v.data(), static_cast<size_t>(v.size()));
            return VideoFrame::from_pixels(data, PixelFormat::I420, width, height, to_us(t));
          },
          py::arg("y"), py::arg("u"), py::arg("v"), py::arg("timestamp_seconds"), "From I420 planes.")
      .def_readonly("width", &VideoFrame::width)
      .def_readonly("height", &VideoFrame::height)
      .def_readonly("format", &VideoFrame::format)
      .def_property_readonly("timestamp_seconds", [](const VideoFrame& f) { return f.timestamp.count() / 1e6; })
      .def("__repr__", [](const VideoFrame& f) {
        return "<VideoFrame " + std::to_string(f.width) + "x" + std::to_string(f.height) + " at " +
               std::to_string(f.timestamp.count() / 1e6) + " s>";
      });

  py::class_<CustomVideoTrack, PyCustomVideoTrack, std::shared_ptr<CustomVideoTrack>>(
      m, "CustomVideoTrack",
      "Subclass it and override recv() to return the next roomcast.VideoFrame, or None at the end. "
      "recv() runs on an SDK video thread about when the previous frame is due; a frame whose time "
      "has passed is dropped. A subclass __init__ must call super().__init__().")
      .def(py::init<>())
      .def("recv", &CustomVideoTrack::recv, py::call_guard<py::gil_scoped_release>());

  py::class_<FileVideoTrack, CustomVideoTrack, std::shared_ptr<FileVideoTrack>>(
      m, "FileVideoTrack",
      "Video from a media file (anything FFmpeg decodes). Raises roomcast.Error when the file is "
      "missing, not media or has no video.")
      .def(py::init([](const std::string& path, int video_stream, int loop, double start_seconds) {
             FileVideoTrack::Options options;
             options.video_stream = video_stream;
             options.loop = loop;
             options.start = std::chrono::milliseconds(std::llround(start_seconds * 1000));
             return std::make_shared<FileVideoTrack>(path, options);
           }),
           py::arg("path"), py::arg("video_stream") = 0, py::arg("loop") = 1, py::arg("start_seconds") = 0.0,
           py::call_guard<py::gil_scoped_release>())
      .def_static("has_video", &FileVideoTrack::has_video, py::arg("path"),
                  "Whether the file has a video stream (cover art does not count).")
      .def_property_readonly("source_width", &FileVideoTrack::source_width)
      .def_property_readonly("source_height", &FileVideoTrack::source_height)
      .def_property_readonly("source_frame_rate", &FileVideoTrack::source_frame_rate)
      .def_property_readonly("codec_name", &FileVideoTrack::codec_name)
      .def_property_readonly("skipped_packets", &FileVideoTrack::skipped_packets);

  using PushStats = PushVideoTrack::Stats;
  py::class_<PushStats>(m, "PushVideoTrackStats")
      .def_readonly("pushed", &PushStats::pushed)
      .def_readonly("replaced", &PushStats::replaced)
      .def_readonly("stale", &PushStats::stale)
      .def_readonly("sent", &PushStats::sent)
      .def_readonly("repeated", &PushStats::repeated);

  py::class_<PushVideoTrack, CustomVideoTrack, std::shared_ptr<PushVideoTrack>>(
      m, "PushVideoTrack",
      "A camera you feed: push() each roomcast.VideoFrame as it is rendered; it goes out as soon as "
      "the encoder takes it (its timestamp is ignored). The latest frame wins: one not taken yet is "
      "replaced. When nothing is pushed for repeat_interval_seconds the last frame is sent again, so "
      "late viewers see a static picture. Thread-safe; push() never blocks.")
      .def(py::init([](double repeat_interval_seconds, double max_age_seconds) {
             if (!std::isfinite(repeat_interval_seconds) || !std::isfinite(max_age_seconds))
               throw py::value_error("repeat_interval_seconds and max_age_seconds must be finite");
             const auto ms = [](double s) {
               return std::chrono::milliseconds(std::llround(std::clamp(s, -1.0, 1e6) * 1000));
             };
             return std::make_shared<PushVideoTrack>(
                 PushVideoTrack::Options{ms(repeat_interval_seconds), ms(max_age_seconds)});
           }),
           py::kw_only(), py::arg("repeat_interval_seconds") = 1.0, py::arg("max_age_seconds") = 0.1)
      // The frame is immutable from Python and the call holds it: copied without the GIL.
      .def("push", &PushVideoTrack::push, py::arg("frame"), py::call_guard<py::gil_scoped_release>(),
           "Hands the encoder this frame, replacing one it has not taken yet. Never blocks. False "
           "after end().")
      .def("end", &PushVideoTrack::end, py::call_guard<py::gil_scoped_release>(),
           "End of stream: a frame still waiting goes out, then the meeting ends as at the end of a file.")
      .def_property_readonly("stats", &PushVideoTrack::stats);
}

}  // namespace roomcast::python
