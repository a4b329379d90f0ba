// HttpClient: one request at a time as WHIP needs it, over libsoup 3 on our loop.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/event_loop.hpp"

typedef struct _SoupSession SoupSession;

namespace roomcast::signaling::whip {

struct HttpRequest {
  std::string method;        ///< "POST", "DELETE", ...
  std::string url;
  std::string content_type;  ///< sent exactly as given (WHIP: "application/sdp"); empty: no body
  std::string body;
  std::string token;         ///< "Authorization: Bearer" when not empty; never logged
  std::string if_match = {};  ///< an entity tag for If-Match (WHEP's answer by PATCH); empty: none
};

struct HttpResponse {
  std::string error;      ///< the request did not complete (connect, TLS, timeout); then no status
  int status = 0;
  std::string reason;     ///< the status line's phrase
  std::string final_url;  ///< where the answer came from, after redirects
  std::string body;
  std::string content_type;
  std::string location, etag, link, retry_after;  ///< headers (Link: every one, comma-joined)
};

/// libsoup runs on the loop's GMainContext (the loop thread): no thread of its own. Redirects
/// are ours, not libsoup's: a 307/308 is followed (at most kMaxRedirects) with the same method,
/// body and token (RFC 9725 §4.5); 301/302/303 are answers like any other.
class HttpClient {
 public:
  static constexpr int kMaxRedirects = 5;
  /// No byte from the server for this long ends the request.
  static constexpr int kTimeoutSeconds = 10;

  explicit HttpClient(core::EventLoop& loop);
  ~HttpClient();  // cancels what is under way; no callback runs after
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// https://: trust this PEM file instead of the system's CAs. Before the first send().
  void set_ca_file(const std::string& path);

  /// Sends `request` (loop thread); `done` runs on the loop thread unless cancel() or the
  /// destructor comes first.
  void send(HttpRequest request, std::function<void(HttpResponse)> done);
  /// Drops every request under way: their `done` never runs.
  void cancel();

 private:
  struct Flight;
  void start(std::unique_ptr<Flight> flight);
  static void on_answer(GObject* source, GAsyncResult* result, gpointer data);

  core::EventLoop& loop_;
  SoupSession* session_ = nullptr;
  std::string ca_file_;
  uint64_t generation_ = 0;  // bumped by cancel(): older answers are dropped
  GCancellable* cancellable_ = nullptr;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace roomcast::signaling::whip
