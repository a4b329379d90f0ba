// The message options of publish and listen: --send TOPIC:TEXT (repeatable), --send-stdin TOPIC
// (each line a message), and printing what arrives.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "roomcast/meeting.hpp"

namespace roomcast::cli {

struct MessageOptions {
  std::vector<std::pair<std::string, std::string>> sends;  // topic, text; sent once joined
  std::optional<std::string> stdin_topic;                   // each line of stdin, on this topic
  bool reliable = true;  // false (--unreliable): the channel that sends each message once
  bool any() const { return !sends.empty() || stdin_topic; }
};

/// The options taking a value (for Args); and --unreliable, which takes none.
const std::set<std::string>& message_options();
/// Reads them; throws Error{Config} naming the flag for a bad one.
MessageOptions parse_message_flags(const Args& args);

/// A received message as a --json object (topic, sender, size, and the text, or
/// "binary": true) and as a text line.
nlohmann::json message_json(const PubSubMessage& message);
std::string message_text(const PubSubMessage& message);

/// Sends the --send messages, then each line of stdin (--send-stdin) on a thread of its own
/// until end of input. A message that cannot be sent is reported through `on_error`; the
/// meeting goes on. The thread is detached on destruction if still blocked reading stdin
/// (the process is ending).
class MessageSender {
 public:
  /// How long after joining the --send messages wait, so that those in the room receive them.
  static constexpr std::chrono::milliseconds kSettle{1000};
  MessageSender(Meeting& meeting, MessageOptions options, std::function<void(const std::string&)> on_error);
  ~MessageSender();
  MessageSender(const MessageSender&) = delete;
  MessageSender& operator=(const MessageSender&) = delete;

 private:
  static void send(PubSub pubsub, const std::function<void(const std::string&)>& on_error,
                   const std::string& topic, const std::string& text, bool reliable);

  PubSub pubsub_;
  std::function<void(const std::string&)> on_error_;
  std::thread stdin_reader_;
  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace roomcast::cli
