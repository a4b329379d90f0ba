// JanusClient: the Janus WebSocket API (transactions, session, keepalive) over libsoup 3.
#pragma once

#include <gio/gio.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/event_loop.hpp"

typedef struct _SoupSession SoupSession;
typedef struct _SoupWebsocketConnection SoupWebsocketConnection;

namespace roomcast::signaling::janus {

using Json = nlohmann::json;

/// libsoup 3 runs on the same GMainContext as libnice, so the WebSocket needs no thread
/// of its own: every participant's signaling shares the one loop thread.
///
/// All methods run on the loop thread; results are delivered as futures so a caller on
/// another thread can wait with a deadline.
class JanusClient {
 public:
  struct Callbacks {
    /// A message for a plugin handle that answers no pending transaction.
    std::function<void(uint64_t handle_id, const Json& message)> on_handle_event;
    /// The connection or session ended (server closed, session timeout).
    std::function<void(const std::string& why)> on_closed;
  };

  JanusClient(core::EventLoop& loop, std::string url, std::string token, Callbacks callbacks);
  ~JanusClient();
  JanusClient(const JanusClient&) = delete;
  JanusClient& operator=(const JanusClient&) = delete;

  /// wss:// only: trust the certificates of this PEM file instead of the system's. Before connect().
  void set_ca_file(std::string path) { ca_file_ = std::move(path); }

  /// Connects the WebSocket (subprotocol janus-protocol). The future holds an error text
  /// or nullopt on success.
  std::future<std::optional<std::string>> connect();
  /// The same, delivering the outcome to `done` on the loop thread.
  void connect(std::function<void(std::optional<std::string> error)> done);

  /// Sends `request` with a fresh transaction (and the token, session and handle ids),
  /// and resolves with the answer: for asynchronous plugin requests the event that
  /// follows the ack, otherwise the direct reply.
  std::future<Json> request(Json request, std::optional<uint64_t> handle_id = std::nullopt);
  /// The same, delivering the answer to `on_reply` on the loop thread. If the connection
  /// closes first, `on_reply` gets an error object.
  void request(Json request, std::optional<uint64_t> handle_id,
               std::function<void(const Json&)> on_reply);

  /// Adopts the session and keeps it alive: a keepalive every `keepalive_interval`, each
  /// answered within a deadline, or the connection counts as lost (on_closed).
  void set_session(uint64_t session_id, std::chrono::milliseconds keepalive_interval = kDefaultKeepalive);
  /// Janus destroys idle sessions after 60 s by default; keep well inside that.
  static constexpr std::chrono::milliseconds kDefaultKeepalive{25000};
  /// The keepalive interval for a server whose sessions time out after `session_timeout`
  /// (Janus `info`: "session-timeout"; 0 = never): a third of it, at most the default.
  static std::chrono::milliseconds keepalive_for(std::chrono::seconds session_timeout);
  uint64_t session_id() const { return session_id_; }

  /// Closes the WebSocket (Janus then destroys our sessions).
  void close();
  bool connected() const { return connection_ != nullptr; }
  const std::string& url() const { return url_; }

 private:
  static void on_connected_cb(GObject* source, GAsyncResult* result, gpointer self);
  void connected(GObject* source, GAsyncResult* result);
  static void on_message_cb(SoupWebsocketConnection*, gint type, GBytes* message, gpointer self);
  static void on_closed_cb(SoupWebsocketConnection*, gpointer self);
  void handle_message(const Json& message);
  void send_keepalive();
  void finish_connect(std::optional<std::string> error);
  void fail_pending(const std::string& why);
  void closed(const std::string& why);

  core::EventLoop& loop_;
  std::string url_;
  std::string token_;
  std::string ca_file_;
  Callbacks callbacks_;
  SoupSession* session_ = nullptr;
  SoupWebsocketConnection* connection_ = nullptr;
  GCancellable* cancellable_ = nullptr;
  std::function<void(std::optional<std::string>)> connect_done_;
  struct Pending {
    std::function<void(const Json&)> on_reply;
    bool ack_is_reply = false;
  };
  std::map<std::string, Pending> pending_;
  uint64_t next_transaction_ = 1;
  uint64_t session_id_ = 0;
  core::Timer keepalive_;
  core::Timer keepalive_deadline_;  // armed while a keepalive waits for its ack
  std::chrono::milliseconds keepalive_interval_ = kDefaultKeepalive;
  bool closed_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // the tasks it posts check it
};

/// Janus's error text for a failed reply, or nullopt when `reply` is a success.
/// Covers core errors ({"janus":"error"}) and plugin errors (plugindata.data.error).
struct JanusError {
  int code = 0;
  std::string reason;
};
std::optional<JanusError> error_of(const Json& reply);

}  // namespace roomcast::signaling::janus
