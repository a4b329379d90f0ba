// Adapters from the SDK's C++ callbacks to Python objects' on_... methods: each callback is
// queued to the meeting's dispatcher thread, which calls Python under the GIL.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstring>
#include <set>

#include "bindings.hpp"

namespace roomcast::python {

namespace py = pybind11;

struct PyStream {
  Stream stream;
  std::shared_ptr<MeetingContext> context;
};

struct PyParticipant {
  Participant participant;
  std::shared_ptr<MeetingContext> context;
};

// One received 20 ms frame as Python sees it.
struct PyAudioFrame {
  py::array_t<int16_t> samples;
  int sample_rate_hz;
  uint64_t timestamp_samples;
  bool concealed;
};

// One received picture as Python sees it (I420 planes, copied: the sink may keep them).
struct PyVideoFrame {
  py::array_t<uint8_t> y, u, v;
  int width = 0, height = 0;
  double timestamp_seconds = 0;
  std::string participant_id;
};

// Base of the adapters from C++ callbacks to a Python object's on_... methods.
class PyCallbacks {
 public:
  PyCallbacks(py::object object, const std::shared_ptr<MeetingContext>& context)
      : object_(std::move(object), context->dispatcher), context_(context), dispatcher_(context->dispatcher) {}

 protected:
  // Queues object.name(args...) for the dispatcher; `make_args` runs there, under the GIL.
  template <typename Self, typename MakeArgs>
  void post(const std::shared_ptr<Self>& self, const char* name, MakeArgs make_args) {
    dispatcher_->post([self, name, make_args = std::move(make_args)] {
      auto context = self->context_.lock();
      if (!context) return;
      try {
        py::object args = make_args(context);
        if (py::isinstance<py::tuple>(args) && py::len(args) > 0)
          context->call(self->object_.get(), name, args.cast<py::tuple>());
      } catch (const std::exception& e) {
        context->report_error(std::string(name) + ": " + e.what());
      }
    });
  }

  PyRef object_;
  std::weak_ptr<MeetingContext> context_;
  std::shared_ptr<Dispatcher> dispatcher_;
};

class PySink : public AudioSink, public PyCallbacks, public std::enable_shared_from_this<PySink> {
 public:
  using PyCallbacks::PyCallbacks;

  void on_audio_frame(const ReceivedAudioFrame& frame) override {
    // A Python sink that cannot keep up loses frames instead of growing a queue forever.
    if (pending_.load() >= kMaxPendingFrames) return;
    ++pending_;
    std::vector<int16_t> samples(frame.samples.begin(), frame.samples.end());
    post(shared_from_this(), "on_audio_frame",
         [self = shared_from_this(), samples = std::move(samples), rate = frame.sample_rate_hz,
          timestamp = frame.timestamp_samples, concealed = frame.concealed](const auto&) {
           --self->pending_;
           py::array_t<int16_t> array(static_cast<py::ssize_t>(samples.size()));
           std::memcpy(array.mutable_data(), samples.data(), samples.size() * sizeof(int16_t));
           return py::make_tuple(PyAudioFrame{array, rate, timestamp, concealed});
         });
  }

 private:
  static constexpr int kMaxPendingFrames = 250;  // 5 s of audio
  std::atomic<int> pending_{0};
};

class PyVideoSink : public VideoSink, public PyCallbacks, public std::enable_shared_from_this<PyVideoSink> {
 public:
  using PyCallbacks::PyCallbacks;

  void on_video_frame(const ReceivedVideoFrame& frame) override {
    // A Python sink that cannot keep up loses pictures instead of growing a queue forever.
    if (pending_.load() >= kMaxPendingFrames) return;
    ++pending_;
    std::vector<uint8_t> data(frame.data.begin(), frame.data.end());
    post(shared_from_this(), "on_video_frame",
         [self = shared_from_this(), data = std::move(data), w = frame.width, h = frame.height,
          cw = frame.chroma_width(), ch = frame.chroma_height(), at = frame.timestamp,
          id = frame.participant_id](const auto&) {
           --self->pending_;
           auto plane = [&](size_t offset, int width, int height) {
             py::array_t<uint8_t> array({height, width});
             std::memcpy(array.mutable_data(), data.data() + offset, static_cast<size_t>(width) * height);
             return array;
           };
           const size_t luma = static_cast<size_t>(w) * h, chroma = static_cast<size_t>(cw) * ch;
           return py::make_tuple(PyVideoFrame{plane(0, w, h), plane(luma, cw, ch), plane(luma + chroma, cw, ch), w, h,
                                              at.count() / 1e6, id});
         });
  }

 private:
  static constexpr int kMaxPendingFrames = 30;  // a second of video
  std::atomic<int> pending_{0};
};

class PyParticipantHandler : public ParticipantEventHandler,
                             public PyCallbacks,
                             public std::enable_shared_from_this<PyParticipantHandler> {
 public:
  using PyCallbacks::PyCallbacks;
  void on_stream_enabled(const Stream& stream) override { forward(stream, true); }
  void on_stream_disabled(const Stream& stream) override { forward(stream, false); }

  // Python adds handlers from its own callbacks, later than C++ would (on the network
  // thread, at once): streams enabled meanwhile are delivered here, once each.
  void replay_enabled(const Participant& participant) {
    post(shared_from_this(), "on_stream_enabled", [self = shared_from_this(), participant](const auto& context) {
      for (const Stream& stream : participant.streams()) {
        if (self->delivered_.insert(stream.kind() + "/" + stream.id()).second)
          context->call(self->object_.get(), "on_stream_enabled", py::make_tuple(PyStream{stream, context}));
      }
      return py::tuple();  // nothing further to call
    });
  }

 private:
  void forward(const Stream& stream, bool enabled) {
    const char* name = enabled ? "on_stream_enabled" : "on_stream_disabled";
    post(shared_from_this(), name,
         [self = shared_from_this(), stream, enabled](const std::shared_ptr<MeetingContext>& context) -> py::object {
           // delivered_ is touched on the dispatcher thread only.
           const std::string key = stream.kind() + "/" + stream.id();
           if (enabled ? !self->delivered_.insert(key).second : self->delivered_.erase(key) == 0) return py::none();
           return py::make_tuple(PyStream{stream, context});
         });
  }

  std::set<std::string> delivered_;
};


class PyMeetingHandler : public MeetingEventHandler,
                         public PyCallbacks,
                         public std::enable_shared_from_this<PyMeetingHandler> {
 public:
  using PyCallbacks::PyCallbacks;
  py::object object() const { return object_.get(); }

  void on_meeting_joined(const MeetingJoinedInfo& info) override {
    post(shared_from_this(), "on_meeting_joined", [info](const auto&) { return py::make_tuple(info); });
  }
  void on_meeting_left(const MeetingLeftInfo& info) override {
    post(shared_from_this(), "on_meeting_left", [info](const auto&) { return py::make_tuple(info); });
  }
  void on_participant_joined(Participant participant) override {
    post(shared_from_this(), "on_participant_joined",
         [participant](const std::shared_ptr<MeetingContext>& context) {
           return py::make_tuple(PyParticipant{participant, context});
         });
  }
  void on_participant_left(Participant participant) override {
    post(shared_from_this(), "on_participant_left",
         [participant](const std::shared_ptr<MeetingContext>& context) {
           return py::make_tuple(PyParticipant{participant, context});
         });
  }
  void on_speaker_changed(const std::optional<std::string>& participant_id) override {
    post(shared_from_this(), "on_speaker_changed",
         [participant_id](const auto&) { return py::make_tuple(participant_id); });
  }
  void on_reconnecting(const ReconnectingInfo& info) override {
    post(shared_from_this(), "on_reconnecting", [info](const auto&) { return py::make_tuple(info); });
  }
  void on_reconnected(const ReconnectedInfo& info) override {
    post(shared_from_this(), "on_reconnected", [info](const auto&) { return py::make_tuple(info); });
  }
  void on_error(const std::string& message) override {
    post(shared_from_this(), "on_error", [message](const auto&) { return py::make_tuple(message); });
  }
};

}  // namespace roomcast::python
