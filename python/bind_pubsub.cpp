// meeting.pubsub for Python: publish with the GIL released, handlers moved from the network
// thread to the meeting's callback thread (the async iterator is in roomcast/__init__.py).
#include <pybind11/stl.h>

#include <atomic>
#include <cmath>

#include "bindings.hpp"
#include "callbacks.hpp"

namespace py = pybind11;

namespace roomcast::python {

struct PyPubSub {
  py::object meeting;             // keeps the Python Meeting (and so `get`) alive
  std::function<Meeting&()> get;  // its Meeting; throws once the meeting was closed
  std::shared_ptr<MeetingContext> context;
};

py::object make_pubsub(py::object meeting, std::function<Meeting&()> get, std::shared_ptr<MeetingContext> context) {
  return py::cast(PyPubSub{std::move(meeting), std::move(get), std::move(context)});
}

namespace {

// One subscription's handler: called on the network thread, it queues the message for the
// callback thread. Messages are not dropped as audio frames are; only a handler this far
// behind loses them, and says so through on_error.
class PyMessageHandler : public std::enable_shared_from_this<PyMessageHandler> {
 public:
  PyMessageHandler(py::object handler, std::string topic, const std::shared_ptr<MeetingContext>& context)
      : handler_(std::move(handler), context->dispatcher), topic_(std::move(topic)), context_(context),
        dispatcher_(context->dispatcher) {}

  void deliver(const PubSubMessage& message) {
    if (pending_.load() >= kMaxPending) {
      ++dropped_;
      return;
    }
    ++pending_;
    dispatcher_->post([self = shared_from_this(), message] {
      --self->pending_;
      auto context = self->context_.lock();
      if (!context) return;
      if (uint64_t dropped = self->dropped_.exchange(0))
        context->report_error("pubsub: " + std::to_string(dropped) + " messages on '" + self->topic_ +
                              "' were dropped: its handler fell " + std::to_string(kMaxPending) +
                              " messages behind (return quickly, or hand the work to another thread)");
      py::object handler = self->handler_.get();
      try {
        handler(message);
      } catch (py::error_already_set& e) {
        context->report_error("pubsub handler of '" + self->topic_ + "' raised " +
                              describe_python_error(handler, nullptr, e));
      }
    });
  }

 private:
  static constexpr int kMaxPending = 10000;
  PyRef handler_;
  std::string topic_;
  std::weak_ptr<MeetingContext> context_;
  std::shared_ptr<Dispatcher> dispatcher_;
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> dropped_{0};
};

std::vector<std::string> participant_ids(const py::handle& list, const char* what) {
  if (py::isinstance<py::str>(list)) return {list.cast<std::string>()};
  std::vector<std::string> ids;
  for (const py::handle& item : list) {
    if (py::isinstance<py::str>(item)) ids.push_back(item.cast<std::string>());
    else if (py::hasattr(item, "id")) ids.push_back(py::str(item.attr("id")));  // a roomcast.Participant
    else throw py::type_error(std::string(what) + " takes participant ids (str) or roomcast.Participant objects");
  }
  return ids;
}

void set_timeout(PubSubPublishOptions& options, const py::handle& seconds) {
  const double s = seconds.cast<double>();
  if (!std::isfinite(s) || s < 0) throw py::value_error("publish timeout is " + std::to_string(s) + " s; give 0 or more seconds");
  options.timeout = std::chrono::milliseconds(std::llround(s * 1000));
}

// The options of publish(): a dict (the seed SDK's third argument) and keyword arguments,
// which win.
PubSubPublishOptions publish_options(const py::object& options, const py::object& send_only, const py::object& reliable,
                                     const py::object& timeout) {
  PubSubPublishOptions out;
  if (!options.is_none()) {
    if (!py::isinstance<py::dict>(options))
      throw py::type_error("publish options are a dict like {'send_only': [ids], 'reliable': True, 'timeout': 5.0}");
    for (const auto& [key, value] : options.cast<py::dict>()) {
      const std::string name = py::str(key);
      if (name == "send_only" || name == "sendOnly") out.send_only = participant_ids(value, "send_only");
      else if (name == "reliable") out.reliable = value.cast<bool>();
      else if (name == "timeout") set_timeout(out, value);
      else
        throw py::value_error("publish option '" + name + "' is not one roomcast knows; give send_only, reliable or "
                              "timeout (roomcast keeps no history, so there is no persist)");
    }
  }
  if (!send_only.is_none()) out.send_only = participant_ids(send_only, "send_only");
  if (!reliable.is_none()) out.reliable = reliable.cast<bool>();
  if (!timeout.is_none()) set_timeout(out, timeout);
  return out;
}

std::vector<uint8_t> buffer_bytes(const py::buffer& data) {
  py::buffer_info info = data.request();
  if (info.ndim > 1 && info.strides.back() != info.itemsize)
    throw py::value_error("publish_bytes needs contiguous bytes (bytes, bytearray, memoryview)");
  const auto* begin = static_cast<const uint8_t*>(info.ptr);
  return std::vector<uint8_t>(begin, begin + info.size * info.itemsize);
}

py::str decode_text(const std::string& text) {
  // A web page may send anything: invalid UTF-8 shows as U+FFFD rather than raising.
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (!s) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

}  // namespace

void register_pubsub(py::module_& m) {
  py::class_<MessageStats>(m, "MessageStats", "Messages (meeting.pubsub) sent and received: MeetingStats.messages.")
      .def_readonly("messages_sent", &MessageStats::messages_sent, "handed to our data channel")
      .def_readonly("bytes_sent", &MessageStats::bytes_sent, "their bytes on the wire (envelope included)")
      .def_readonly("messages_received", &MessageStats::messages_received, "for us, delivered to the subscriptions")
      .def_readonly("bytes_received", &MessageStats::bytes_received)
      .def_readonly("messages_dropped", &MessageStats::messages_dropped,
                    "received but not delivered: malformed, or nobody subscribed to its topic")
      .def_readonly("messages_not_for_us", &MessageStats::messages_not_for_us,
                    "sent to other participants only (send_only)")
      .def("__repr__", [](const MessageStats& s) {
        return "<MessageStats sent " + std::to_string(s.messages_sent) + ", received " +
               std::to_string(s.messages_received) + ", dropped " + std::to_string(s.messages_dropped) + ">";
      });

  py::class_<PubSubMessage>(m, "PubSubMessage", "One message received on a topic (a pubsub handler's argument).")
      .def_readonly("topic", &PubSubMessage::topic)
      .def_property_readonly(
          "message", [](const PubSubMessage& msg) { return decode_text(msg.message); },
          "The text sent with publish() ('' for bytes, which are in payload).")
      .def_property_readonly(
          "payload",
          [](const PubSubMessage& msg) {
            return py::bytes(reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size());
          },
          "The bytes sent with publish_bytes() / send_data() (b'' for text).")
      .def_readonly("binary", &PubSubMessage::binary, "True when sent as bytes")
      .def_readonly("sender_id", &PubSubMessage::sender_id, "the sender's participant id")
      .def_readonly("sender_name", &PubSubMessage::sender_name, "the sender's display name")
      .def_property_readonly(
          "timestamp",
          [](const PubSubMessage& msg) {
            return std::chrono::duration<double>(msg.timestamp.time_since_epoch()).count();
          },
          "When the sender sent it, in Unix seconds as time.time() gives them (the sender's clock; "
          "datetime.fromtimestamp(msg.timestamp) for a datetime).")
      .def("__repr__", [](const PubSubMessage& msg) {
        // The payload is the user's: never shown.
        const size_t size = msg.binary ? msg.payload.size() : msg.message.size();
        return "<PubSubMessage '" + msg.topic + "' from " + msg.sender_name + " (" + msg.sender_id + "), " +
               std::to_string(size) + (msg.binary ? " bytes>" : " bytes of text>");
      });

  py::class_<PyPubSub>(m, "PubSub",
                       "The meeting's messages (meeting.pubsub), over the data channels Janus VideoRoom relays. "
                       "Handlers run on the meeting's callback thread, like the other handlers.")
      .def(
          "publish",
          [](PyPubSub& self, const std::string& topic, const py::object& message, const py::object& options,
             const py::object& send_only, const py::object& reliable, const py::object& timeout) {
            if (!py::isinstance<py::str>(message))
              throw py::type_error("publish sends text (str); send bytes with publish_bytes() or meeting.send_data()");
            const std::string text = message.cast<std::string>();
            PubSubPublishOptions parsed = publish_options(options, send_only, reliable, timeout);
            PubSub pubsub = self.get().pubsub();
            py::gil_scoped_release nogil;
            pubsub.publish(topic, text, parsed);
          },
          py::arg("topic"), py::arg("message"), py::arg("options") = py::none(), py::kw_only(),
          py::arg("send_only") = py::none(), py::arg("reliable") = py::none(), py::arg("timeout") = py::none(),
          "Sends `message` (str) on `topic` to the others in the meeting. Options, as a dict or keyword arguments "
          "(which win): send_only=[participant ids or Participants] (others drop it; not secrecy), reliable=True "
          "(False: sent once, unordered), timeout=5.0 seconds to wait for the data channel to open (right after "
          "join; a listen-only meeting publishes a data-only stream with its first message) or for room in its "
          "send buffer. Returns once the message is in the send buffer; the GIL is "
          "released meanwhile. Raises roomcast.Error: CONFIG for an empty topic or a message above the server's "
          "max-message-size, TRANSPORT when the meeting is not joined (or has ended, or has no data channel: "
          "data_enabled False, WHIP/WHEP) or the timeout passed.")
      .def(
          "publish_bytes",
          [](PyPubSub& self, const std::string& topic, const py::buffer& data, const py::object& options,
             const py::object& send_only, const py::object& reliable, const py::object& timeout) {
            std::vector<uint8_t> bytes = buffer_bytes(data);
            PubSubPublishOptions parsed = publish_options(options, send_only, reliable, timeout);
            PubSub pubsub = self.get().pubsub();
            py::gil_scoped_release nogil;
            pubsub.publish_bytes(topic, bytes, parsed);
          },
          py::arg("topic"), py::arg("data"), py::arg("options") = py::none(), py::kw_only(),
          py::arg("send_only") = py::none(), py::arg("reliable") = py::none(), py::arg("timeout") = py::none(),
          "publish() for bytes (bytes, bytearray, memoryview): received with binary True and the bytes in payload.")
      .def(
          "subscribe",
          [](PyPubSub& self, const std::string& topic, py::object handler) {
            if (!PyCallable_Check(handler.ptr())) throw py::type_error("subscribe(topic, handler): handler is not callable");
            auto adapter = std::make_shared<PyMessageHandler>(std::move(handler), topic, self.context);
            return self.get().pubsub().subscribe(topic,
                                                 [adapter](const PubSubMessage& message) { adapter->deliver(message); });
          },
          py::arg("topic"), py::arg("handler"),
          "Calls handler(message) (a roomcast.PubSubMessage) for each message on `topic` ('*': every topic) from "
          "now on, on the meeting's callback thread, in the order they arrived. Returns an id for unsubscribe(). An "
          "exception raised by the handler reaches the meeting handlers' on_error.")
      .def(
          "unsubscribe", [](PyPubSub& self, uint64_t id) { self.get().pubsub().unsubscribe(id); }, py::arg("id"),
          "Removes the subscription with this id (subscribe()'s); unknown ids are ignored.")
      .def(
          "unsubscribe", [](PyPubSub& self, const std::string& topic) { self.get().pubsub().unsubscribe(topic); },
          py::arg("topic"), "Removes every subscription to this topic.")
      .def_property_readonly("_meeting", [](const PyPubSub& self) { return self.meeting; })
      .def("__repr__", [](const PyPubSub&) { return std::string("<PubSub>"); });
}

}  // namespace roomcast::python
