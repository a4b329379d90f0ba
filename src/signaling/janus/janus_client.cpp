// JanusClient: WebSocket I/O, transaction matching and keepalives.
#include "signaling/janus/janus_client.hpp"

#include <libsoup/soup.h>

#include <algorithm>

#include "core/callback_guard.hpp"
#include "core/log.hpp"
#include "signaling/janus/redact.hpp"
#include "signaling/janus/tls_trust.hpp"

namespace roomcast::signaling::janus {

namespace {
// A server that does not ack a keepalive within this long is gone (hung, or the path to
// it is): say so instead of waiting for TCP to give up minutes later.
constexpr auto kKeepaliveReplyTimeout = std::chrono::milliseconds(5000);

// Requests that Janus answers with a bare ack and nothing else.
bool ack_is_reply(const std::string& kind) { return kind == "keepalive" || kind == "trickle"; }
}  // namespace

std::optional<JanusError> error_of(const Json& reply) {
  // Type-checked reads: a malformed error object is still an error, never an exception.
  const auto code_of = [](const Json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  const auto reason_of = [](const Json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string("unknown error");
  };
  if (!reply.is_object()) return std::nullopt;
  if (auto kind = reply.find("janus"); kind != reply.end() && *kind == "error") {
    auto error = reply.find("error");
    if (error == reply.end() || !error->is_object()) return JanusError{0, "unknown error"};
    return JanusError{code_of(*error, "code"), reason_of(*error, "reason")};
  }
  if (auto plugindata = reply.find("plugindata"); plugindata != reply.end() && plugindata->is_object()) {
    auto data = plugindata->find("data");
    if (data != plugindata->end() && data->is_object() && data->contains("error"))
      return JanusError{code_of(*data, "error_code"), reason_of(*data, "error")};
  }
  return std::nullopt;
}

JanusClient::JanusClient(core::EventLoop& loop, std::string url, std::string token,
                         Callbacks callbacks)
    : loop_(loop),
      url_(std::move(url)),
      token_(std::move(token)),
      callbacks_(std::move(callbacks)),
      keepalive_(loop.context(), [this] { send_keepalive(); }),
      keepalive_deadline_(loop.context(), [this] {
        if (connection_) closed("the server at " + url_ + " stopped answering keepalives");
      }) {}

JanusClient::~JanusClient() {
  close();
  if (cancellable_) {
    g_cancellable_cancel(cancellable_);
    g_object_unref(cancellable_);
  }
  if (session_) g_object_unref(session_);
}

std::future<std::optional<std::string>> JanusClient::connect() {
  auto promise = std::make_shared<std::promise<std::optional<std::string>>>();
  auto future = promise->get_future();
  connect([promise](std::optional<std::string> error) { promise->set_value(std::move(error)); });
  return future;
}

void JanusClient::connect(std::function<void(std::optional<std::string>)> done) {
  connect_done_ = std::move(done);
  // libsoup speaks WebSocket over http(s) URIs.
  std::string http_url = url_;
  if (http_url.rfind("ws://", 0) == 0) http_url = "http://" + http_url.substr(5);
  else if (http_url.rfind("wss://", 0) == 0) http_url = "https://" + http_url.substr(6);
  else return finish_connect("the server URL must start with ws:// or wss://");
  SoupMessage* message = soup_message_new("GET", http_url.c_str());
  if (!message) return finish_connect("it is not a valid URL");
  session_ = soup_session_new_with_options("timeout", 10, "idle-timeout", 0, nullptr);
  if (!ca_file_.empty()) {
    if (auto problem = trust_ca_file(session_, ca_file_)) {
      g_object_unref(message);
      return finish_connect(*problem);
    }
  }
  cancellable_ = g_cancellable_new();
  const char* protocols[] = {"janus-protocol", nullptr};
  soup_session_websocket_connect_async(session_, message, nullptr, const_cast<char**>(protocols),
                                       G_PRIORITY_DEFAULT, cancellable_, &JanusClient::on_connected_cb,
                                       this);
  g_object_unref(message);
}

void JanusClient::finish_connect(std::optional<std::string> error) {
  if (auto done = std::move(connect_done_)) {
    connect_done_ = nullptr;
    done(std::move(error));
  }
}

void JanusClient::on_connected_cb(GObject* source, GAsyncResult* result, gpointer data) {
  core::guard_callback("janus: connect", [&] { static_cast<JanusClient*>(data)->connected(source, result); });
}

void JanusClient::connected(GObject* source, GAsyncResult* result) {
  GError* error = nullptr;
  SoupWebsocketConnection* connection =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
  if (!connection) {
    std::string why = describe_connect_error(error, !ca_file_.empty());
    bool cancelled = error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error(&error);
    if (cancelled) return;  // the client is being destroyed
    return finish_connect(why);
  }
  const char* protocol = soup_websocket_connection_get_protocol(connection);
  if (!protocol || std::string(protocol) != "janus-protocol") {
    soup_websocket_connection_close(connection, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, nullptr);
    g_object_unref(connection);
    return finish_connect("the server did not accept the janus-protocol subprotocol");
  }
  connection_ = connection;
  // Janus events can be large (full SDP); lift libsoup's 128 KiB default a little.
  soup_websocket_connection_set_max_incoming_payload_size(connection, 1 << 20);
  g_signal_connect(connection, "message", G_CALLBACK(&JanusClient::on_message_cb), this);
  g_signal_connect(connection, "closed", G_CALLBACK(&JanusClient::on_closed_cb), this);
  finish_connect(std::nullopt);
}

void JanusClient::on_message_cb(SoupWebsocketConnection*, gint type, GBytes* message, gpointer self) {
  if (type != SOUP_WEBSOCKET_DATA_TEXT) return;
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(message, &size));
  // Handled as a loop task, not here: libsoup reads every ready WebSocket in one GLib
  // iteration, and a room of hundreds gets an event per participant at each join; the
  // task queue runs them in slices between the media clock's ticks (EventLoop::post).
  auto* client = static_cast<JanusClient*>(self);
  client->loop_.post([alive = std::weak_ptr<int>(client->alive_), client, text = std::string(data, size)] {
    // Gone (destroyed on this thread) or closed since: what it received is moot.
    if (alive.expired() || !client->connection_) return;
    Json parsed = Json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      core::log_debug("janus: dropping a message that is not a JSON object");
      return;
    }
    // A malformed message is dropped; the meeting guards its own handlers (on_error + leave).
    core::guard_callback("janus: bad message", [&] { client->handle_message(parsed); });
  });
}

void JanusClient::on_closed_cb(SoupWebsocketConnection* connection, gpointer self) {
  core::guard_callback("janus: closed", [&] {
    auto* client = static_cast<JanusClient*>(self);
    std::string why = "the server closed the connection";
    if (const char* data = soup_websocket_connection_get_close_data(connection); data && *data)
      why += std::string(" (") + data + ")";
    // After the messages that came before it, which wait in the loop's task queue.
    client->loop_.post([alive = std::weak_ptr<int>(client->alive_), client, why] {
      if (!alive.expired()) client->closed(why);
    });
  });
}

void JanusClient::handle_message(const Json& message) {
  // Not dump() unless debugging: events listing hundreds of participants are large.
  if (core::log_enabled(core::LogLevel::Debug)) core::log_debug("janus <- ", without_secrets(message).dump());
  const std::string kind = message.value("janus", "");
  if (kind == "timeout") return closed("the server timed out our session");
  if (message.contains("transaction") && message["transaction"].is_string()) {
    auto it = pending_.find(message["transaction"].get<std::string>());
    if (it != pending_.end()) {
      if (kind == "ack" && !it->second.ack_is_reply) return;  // the event follows
      auto on_reply = std::move(it->second.on_reply);
      pending_.erase(it);
      if (on_reply) on_reply(message);
      return;
    }
  }
  if (message.contains("sender") && callbacks_.on_handle_event)
    callbacks_.on_handle_event(message["sender"].get<uint64_t>(), message);
}

namespace {
Json local_error(const std::string& why) {
  return Json{{"janus", "error"}, {"error", {{"code", 0}, {"reason", why}}}};
}
}  // namespace

std::future<Json> JanusClient::request(Json request, std::optional<uint64_t> handle_id) {
  auto promise = std::make_shared<std::promise<Json>>();
  auto future = promise->get_future();
  this->request(std::move(request), handle_id,
                [promise](const Json& reply) { promise->set_value(reply); });
  return future;
}

void JanusClient::request(Json request, std::optional<uint64_t> handle_id,
                          std::function<void(const Json&)> on_reply) {
  // Closing (its `closed` task not run yet) counts as closed: libsoup sends only when open.
  if (!connection_ || soup_websocket_connection_get_state(connection_) != SOUP_WEBSOCKET_STATE_OPEN) {
    if (on_reply) on_reply(local_error("not connected"));
    return;
  }
  Pending pending;
  pending.on_reply = std::move(on_reply);
  const std::string transaction = "rc" + std::to_string(next_transaction_++);
  request["transaction"] = transaction;
  if (!token_.empty()) request["token"] = token_;
  if (session_id_ && !request.contains("session_id")) request["session_id"] = session_id_;
  if (handle_id) request["handle_id"] = *handle_id;
  pending.ack_is_reply = ack_is_reply(request.value("janus", ""));
  pending_.emplace(transaction, std::move(pending));
  std::string text = request.dump();
  if (core::log_enabled(core::LogLevel::Debug)) core::log_debug("janus -> ", without_secrets(request).dump());
  soup_websocket_connection_send_text(connection_, text.c_str());
}

std::chrono::milliseconds JanusClient::keepalive_for(std::chrono::seconds session_timeout) {
  if (session_timeout.count() <= 0) return kDefaultKeepalive;
  return std::clamp<std::chrono::milliseconds>(session_timeout / 3, std::chrono::milliseconds(1000),
                                              kDefaultKeepalive);
}

void JanusClient::set_session(uint64_t session_id, std::chrono::milliseconds keepalive_interval) {
  session_id_ = session_id;
  keepalive_interval_ = keepalive_interval;
  keepalive_.arm_in(keepalive_interval_);
}

void JanusClient::send_keepalive() {
  if (!connection_ || !session_id_) return;
  keepalive_deadline_.arm_in(std::min<std::chrono::milliseconds>(kKeepaliveReplyTimeout, keepalive_interval_));
  request(Json{{"janus", "keepalive"}}, std::nullopt, [this](const Json&) { keepalive_deadline_.cancel(); });
  keepalive_.arm_in(keepalive_interval_);
}

void JanusClient::fail_pending(const std::string& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [transaction, entry] : pending)
    if (entry.on_reply) entry.on_reply(local_error(why));
}

void JanusClient::closed(const std::string& why) {
  keepalive_.cancel();
  keepalive_deadline_.cancel();
  if (connection_) {
    SoupWebsocketConnection* connection = connection_;
    g_signal_handlers_disconnect_by_data(connection, this);
    connection_ = nullptr;
    // Still open when we gave up on an unresponsive server: close our end too.
    if (soup_websocket_connection_get_state(connection) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
    g_object_unref(connection);
  }
  fail_pending(why);
  if (!closed_) {
    closed_ = true;
    if (callbacks_.on_closed) callbacks_.on_closed(why);
  }
}

void JanusClient::close() {
  keepalive_.cancel();
  keepalive_deadline_.cancel();
  connect_done_ = nullptr;
  if (!connection_) return;
  SoupWebsocketConnection* connection = connection_;
  g_signal_handlers_disconnect_by_data(connection, this);
  connection_ = nullptr;
  closed_ = true;
  if (soup_websocket_connection_get_state(connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(connection, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  g_object_unref(connection);
  fail_pending("the connection was closed");
}

}  // namespace roomcast::signaling::janus
