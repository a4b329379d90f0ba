// VideoRoom publisher requests and answers; the error texts users see for Janus's codes.
#include "signaling/janus/videoroom_publisher.hpp"

namespace roomcast::signaling::janus::videoroom {

Json exists_request(uint64_t room) { return {{"request", "exists"}, {"room", room}}; }

Json create_request(const RoomSettings& s) {
  Json body{{"request", "create"},     {"room", s.room},         {"description", s.description},
            {"publishers", s.publishers}, {"audiocodec", "opus"},    {"videocodec", "vp8,h264"}, {"opus_fec", true},
            {"audiolevel_ext", true},  {"audiolevel_event", true}, {"notify_joining", true}};
  if (!s.pin.empty()) body["pin"] = s.pin;
  return body;
}

Json join_request(uint64_t room, const std::string& display, const std::string& pin, const Json& id) {
  Json body{{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"display", display}};
  if (!pin.empty()) body["pin"] = pin;
  if (!id.is_null()) body["id"] = id;
  return body;
}

Json configure_request(bool video) { return {{"request", "configure"}, {"audio", true}, {"video", video}}; }

Json list_participants_request(uint64_t room) { return {{"request", "listparticipants"}, {"room", room}}; }

Json leave_request() { return {{"request", "leave"}}; }

std::optional<std::chrono::seconds> read_session_timeout(const Json& info) {
  auto it = info.is_object() ? info.find("session-timeout") : info.end();
  if (!info.is_object() || it == info.end() || !it->is_number_integer()) return std::nullopt;
  return std::chrono::seconds(it->get<int64_t>());
}

Json plugin_data(const Json& reply) {
  if (!reply.is_object()) return Json::object();
  auto plugindata = reply.find("plugindata");
  if (plugindata == reply.end() || !plugindata->is_object()) return Json::object();
  auto data = plugindata->find("data");
  return data != plugindata->end() && data->is_object() ? *data : Json::object();
}

std::optional<Joined> read_joined(const Json& reply) {
  const Json data = plugin_data(reply);
  auto kind = data.find("videoroom");
  if (kind == data.end() || *kind != "joined" || !data.contains("id")) return std::nullopt;
  const Json& id = data["id"];
  if (!id.is_number_unsigned() && !id.is_string()) return std::nullopt;
  auto array_of = [&](const char* key) {
    auto it = data.find(key);
    return it != data.end() && it->is_array() ? *it : Json::array();
  };
  return Joined{id, data.value("private_id", Json()), array_of("publishers"), array_of("attendees")};
}

std::optional<bool> read_exists(const Json& reply) {
  const Json data = plugin_data(reply);
  auto exists = data.find("exists");
  if (exists == data.end() || !exists->is_boolean()) return std::nullopt;
  return exists->get<bool>();
}

Json read_participants(const Json& reply) {
  const Json data = plugin_data(reply);
  auto list = data.find("participants");
  return list != data.end() && list->is_array() ? *list : Json::array();
}

std::string join_refusal(const JanusError& error, const std::string& meeting_id, const std::string& url) {
  const std::string prefix = "cannot join meeting " + meeting_id + " on " + url + ": ";
  const std::string janus = "Janus error " + std::to_string(error.code) + ": " + error.reason;
  switch (error.code) {
    case 426:
      return prefix + "no such meeting (" + janus +
             "); check the meeting id, or let roomcast create it (the embedded server does)";
    case 433: return prefix + "the PIN was refused (" + janus + "); check --pin";
    case 429:
      if (error.reason.find("pin") != std::string::npos)
        return prefix + "the meeting needs a PIN (" + janus + "); pass it with --pin";
      return prefix + janus;
    case 432: return prefix + "the meeting is full (" + janus + ")";
    case 403: return prefix + "unauthorized (" + janus + "); check the token";
    default: return prefix + janus;
  }
}

std::string session_refusal(const JanusError& error, const std::string& url, bool token_given) {
  if (error.code == 403 && !token_given)
    return "the Janus server at " + url + " requires a token (error 403: " + error.reason +
           "); pass one with --token or ROOMCAST_TOKEN";
  if (error.code == 403)
    return "the Janus server at " + url + " refused the token (error 403: " + error.reason +
           "); pass a valid token with --token or ROOMCAST_TOKEN";
  return "the Janus server at " + url + " refused to create a session (error " + std::to_string(error.code) +
         ": " + error.reason + ")";
}

}  // namespace roomcast::signaling::janus::videoroom
