// Fuzz target: every reader of a Janus message outside the subscriber state machine (core and
// plugin errors, the publisher's joined/exists/participants answers, a stream list) takes any
// JSON without throwing and answers within its documented shapes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "signaling/janus/janus_client.hpp"
#include "signaling/janus/videoroom_publisher.hpp"
#include "signaling/janus/videoroom_subscriber.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::signaling::janus;
  // As JanusClient reads a WebSocket text frame: no exceptions, anything unparsable dropped.
  const Json message = Json::parse(data, data + size, nullptr, false);
  if (message.is_discarded()) return 0;
  try {
    if (const auto error = error_of(message)) {
      if (!message.is_object()) __builtin_trap();  // only objects carry errors
      const std::string join = videoroom::join_refusal(*error, "m", "ws://h");
      const std::string session = videoroom::session_refusal(*error, "ws://h", size % 2 == 0);
      if (join.find(error->reason) == std::string::npos) __builtin_trap();
      if (session.find(error->reason) == std::string::npos) __builtin_trap();
    }
    const Json data_object = videoroom::plugin_data(message);
    if (!data_object.is_object()) __builtin_trap();
    if (const auto joined = videoroom::read_joined(message)) {
      if (!joined->id.is_number_unsigned() && !joined->id.is_string()) __builtin_trap();
      if (!joined->publishers.is_array() || !joined->attendees.is_array()) __builtin_trap();
    }
    (void)videoroom::read_exists(message);
    if (!videoroom::read_participants(message).is_array()) __builtin_trap();
    // Stream lists, wherever they are: the message itself, or plugindata.data.streams.
    for (const Json* streams : {&message, data_object.contains("streams") ? &data_object["streams"] : &message}) {
      for (const auto& s : parse_subscriber_streams(*streams)) {
        if (s.active && s.feed_id.is_null()) __builtin_trap();  // active means bound to a feed
        if (!s.feed_id.is_null() && !s.feed_id.is_number() && !s.feed_id.is_string()) __builtin_trap();
      }
    }
  } catch (...) {
    __builtin_trap();  // parsers of network input never throw
  }
  return 0;
}
