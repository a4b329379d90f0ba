#include "cli/message_flags.hpp"

#include <iostream>

#include "messages/envelope.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {

const std::set<std::string>& message_options() {
  static const std::set<std::string> kOptions = {"send", "send-stdin"};
  return kOptions;
}

namespace {
void check_topic(const std::string& flag, const std::string& topic) {
  if (topic.empty() || topic.size() > messages::kMaxTopicBytes || topic == "*")
    throw Error(Error::Kind::Config, "--" + flag + " needs a topic of 1 to " +
                                         std::to_string(messages::kMaxTopicBytes) + " bytes (not '*'), e.g. --" +
                                         flag + (flag == "send" ? " chat:hello" : " chat"));
}
}  // namespace

MessageOptions parse_message_flags(const Args& args) {
  MessageOptions options;
  for (const auto& value : args.get_all("send")) {
    const auto colon = value.find(':');
    if (colon == std::string::npos)
      throw Error(Error::Kind::Config, "--send '" + value + "' is not TOPIC:TEXT, e.g. --send chat:hello");
    std::string topic = value.substr(0, colon);
    check_topic("send", topic);
    options.sends.emplace_back(std::move(topic), value.substr(colon + 1));
  }
  if (auto topic = args.get("send-stdin")) {
    check_topic("send-stdin", *topic);
    options.stdin_topic = *topic;
  }
  if (args.has("unreliable")) {
    if (!options.any())
      throw Error(Error::Kind::Config,
                  "--unreliable says how --send and --send-stdin messages go out; give one of them");
    options.reliable = false;
  }
  return options;
}

nlohmann::json message_json(const PubSubMessage& message) {
  nlohmann::json out{{"event", "message"},
                     {"topic", message.topic},
                     {"from", message.sender_id},
                     {"name", message.sender_name},
                     {"size", message.binary ? message.payload.size() : message.message.size()},
                     {"ts", std::chrono::duration_cast<std::chrono::milliseconds>(
                                message.timestamp.time_since_epoch()).count()}};
  if (message.binary) out["binary"] = true;
  else out["text"] = message.message;
  return out;
}

std::string message_text(const PubSubMessage& message) {
  const std::string who = message.sender_name + " (" + message.sender_id + ")";
  if (message.binary)
    return "message on '" + message.topic + "' from " + who + ": " + std::to_string(message.payload.size()) + " bytes";
  return "message on '" + message.topic + "' from " + who + ": " + message.message;
}

MessageSender::MessageSender(Meeting& meeting, MessageOptions options,
                             std::function<void(const std::string&)> on_error)
    : pubsub_(meeting.pubsub()), on_error_(std::move(on_error)) {
  // Those in the room take our data stream when we appear (a subscription each, tens of ms on a
  // LAN): a message sent at once would reach nobody yet. Messages are not kept for later.
  if (!options.sends.empty()) std::this_thread::sleep_for(kSettle);
  for (const auto& [topic, text] : options.sends) send(pubsub_, on_error_, topic, text, options.reliable);
  if (options.stdin_topic) {
    // Its own copies: it may outlive this object (see the destructor).
    stdin_reader_ = std::thread([pubsub = pubsub_, on_error = on_error_, stop = stop_, topic = *options.stdin_topic,
                                 reliable = options.reliable] {
      std::string line;
      while (!*stop && std::getline(std::cin, line)) {
        if (!*stop) send(pubsub, on_error, topic, line, reliable);
      }
    });
  }
}

MessageSender::~MessageSender() {
  *stop_ = true;
  // Blocked in getline until stdin has a line or ends: a process that ends does not wait.
  if (stdin_reader_.joinable()) stdin_reader_.detach();
}

void MessageSender::send(PubSub pubsub, const std::function<void(const std::string&)>& on_error,
                         const std::string& topic, const std::string& text, bool reliable) {
  try {
    PubSubPublishOptions options;
    options.reliable = reliable;
    pubsub.publish(topic, text, options);
  } catch (const std::exception& e) {
    on_error(e.what());
  }
}

}  // namespace roomcast::cli
