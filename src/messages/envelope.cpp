// The pubsub envelope (see envelope.hpp): JSON with nlohmann, strict about the fields it uses.
#include "messages/envelope.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace roomcast::messages {

namespace {

using Json = nlohmann::json;

Json header_of(const Envelope& e) {
  Json j = {{"rc", kEnvelopeVersion}, {"topic", e.topic}};
  if (!e.from.empty()) j["from"] = e.from;
  if (!e.name.empty()) j["name"] = e.name;
  if (e.ts) j["ts"] = *e.ts;
  if (!e.to.empty()) j["to"] = e.to;
  return j;
}

std::string dump(const Json& j) {
  // Text the caller gave that is not UTF-8 is replaced (U+FFFD), never sent as broken JSON.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

ParsedEnvelope refuse(std::string why) { return ParsedEnvelope{std::nullopt, "pubsub message: " + std::move(why)}; }

// Fills `e` from the header object; "" when it is a usable header, else why not.
std::string read_header(const Json& j, Envelope& e) {
  if (!j.is_object()) return "not a JSON object";
  const auto rc = j.find("rc");
  if (rc == j.end() || !rc->is_number_integer()) return "no \"rc\" version number (not a roomcast envelope)";
  if (rc->get<int64_t>() != kEnvelopeVersion)
    return "envelope version " + std::to_string(rc->get<int64_t>()) + ", this roomcast reads version " +
           std::to_string(kEnvelopeVersion);
  const auto topic = j.find("topic");
  if (topic == j.end() || !topic->is_string() || topic->get_ref<const std::string&>().empty())
    return "\"topic\" is missing or not a non-empty string";
  e.topic = topic->get<std::string>();
  if (e.topic.size() > kMaxTopicBytes)
    return "\"topic\" is " + std::to_string(e.topic.size()) + " bytes, more than " + std::to_string(kMaxTopicBytes);
  for (const char* key : {"from", "name"}) {
    const auto it = j.find(key);
    if (it == j.end()) continue;
    if (!it->is_string()) return std::string("\"") + key + "\" is not a string";
    (std::string(key) == "from" ? e.from : e.name) = it->get<std::string>();
  }
  if (const auto ts = j.find("ts"); ts != j.end()) {
    if (!ts->is_number_integer()) return "\"ts\" is not a whole number of milliseconds";
    e.ts = ts->get<int64_t>();
  }
  if (const auto to = j.find("to"); to != j.end()) {
    if (!to->is_array()) return "\"to\" is not a list of participant ids";
    for (const auto& id : *to) {
      if (!id.is_string()) return "\"to\" holds something other than participant id strings";
      e.to.push_back(id.get<std::string>());
    }
  }
  return {};
}

}  // namespace

bool Envelope::for_participant(const std::string& id) const {
  return to.empty() || std::find(to.begin(), to.end(), id) != to.end();
}

std::vector<uint8_t> serialize_envelope(const Envelope& e) {
  Json header = header_of(e);
  if (!e.binary) {
    header["text"] = std::string(e.payload.begin(), e.payload.end());
    const std::string text = dump(header);
    return {text.begin(), text.end()};
  }
  const std::string head = dump(header);
  std::vector<uint8_t> out;
  out.reserve(4 + head.size() + e.payload.size());
  const auto length = static_cast<uint32_t>(head.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(length >> shift));
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), e.payload.begin(), e.payload.end());
  return out;
}

ParsedEnvelope parse_envelope(std::span<const uint8_t> message, bool binary) {
  Envelope e;
  e.binary = binary;
  std::span<const uint8_t> header_bytes = message;
  if (binary) {
    if (message.size() < 4) return refuse("a binary message of " + std::to_string(message.size()) +
                                          " bytes has no 4-byte header length");
    const uint32_t length = (uint32_t{message[0]} << 24) | (uint32_t{message[1]} << 16) |
                            (uint32_t{message[2]} << 8) | uint32_t{message[3]};
    if (length > kMaxHeaderBytes || length > message.size() - 4)
      return refuse("its header length " + std::to_string(length) + " is beyond the " +
                    std::to_string(message.size() - 4) + " bytes that follow (or over " +
                    std::to_string(kMaxHeaderBytes) + ")");
    header_bytes = message.subspan(4, length);
    e.payload.assign(message.begin() + 4 + length, message.end());
  }
  const Json j = Json::parse(header_bytes.begin(), header_bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return refuse("not JSON (or not UTF-8)");
  if (auto why = read_header(j, e); !why.empty()) return refuse(why);
  if (!binary) {
    const auto text = j.find("text");
    if (text == j.end() || !text->is_string()) return refuse("a text message without a \"text\" string");
    const auto& s = text->get_ref<const std::string&>();
    e.payload.assign(s.begin(), s.end());
  }
  return ParsedEnvelope{std::move(e), {}};
}

}  // namespace roomcast::messages
