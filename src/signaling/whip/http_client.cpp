// HttpClient: soup_session_send_and_read_async per request, redirects followed by hand.
#include "signaling/whip/http_client.hpp"

#include <libsoup/soup.h>

#include "core/callback_guard.hpp"
#include "core/log.hpp"
#include "signaling/janus/tls_trust.hpp"
#include "signaling/whip/whip_rules.hpp"

namespace roomcast::signaling::whip {

struct HttpClient::Flight {
  HttpClient* client = nullptr;
  std::weak_ptr<int> alive;
  uint64_t generation = 0;
  HttpRequest request;
  int redirects = 0;
  SoupMessage* message = nullptr;
  std::function<void(HttpResponse)> done;
  ~Flight() {
    if (message) g_object_unref(message);
  }
};

HttpClient::HttpClient(core::EventLoop& loop) : loop_(loop) {}

HttpClient::~HttpClient() {
  alive_.reset();
  if (cancellable_) {
    g_cancellable_cancel(cancellable_);
    g_object_unref(cancellable_);
  }
  if (session_) g_object_unref(session_);
}

void HttpClient::set_ca_file(const std::string& path) { ca_file_ = path; }  // loaded with the session

void HttpClient::cancel() {
  ++generation_;
  if (cancellable_) {
    g_cancellable_cancel(cancellable_);
    g_object_unref(cancellable_);
    cancellable_ = nullptr;
  }
}

void HttpClient::send(HttpRequest request, std::function<void(HttpResponse)> done) {
  auto flight = std::make_unique<Flight>();
  flight->client = this;
  flight->alive = alive_;
  flight->generation = generation_;
  flight->request = std::move(request);
  flight->done = std::move(done);
  start(std::move(flight));
}

void HttpClient::start(std::unique_ptr<Flight> flight) {
  auto fail = [this](std::unique_ptr<Flight> f, std::string why) {
    HttpResponse response;
    response.error = std::move(why);
    response.final_url = f->request.url;
    loop_.post([f = std::shared_ptr<Flight>(std::move(f)), response] {
      if (!f->alive.expired() && f->generation == f->client->generation_) f->done(response);
    });
  };
  if (!session_) {
    session_ = soup_session_new_with_options("timeout", kTimeoutSeconds, "idle-timeout", 0, nullptr);
    if (!ca_file_.empty()) {
      if (auto problem = janus::trust_ca_file(session_, ca_file_)) return fail(std::move(flight), *problem);
    }
  }
  if (!cancellable_) cancellable_ = g_cancellable_new();
  const HttpRequest& r = flight->request;
  SoupMessage* message = soup_message_new(r.method.c_str(), r.url.c_str());
  if (!message) return fail(std::move(flight), "'" + r.url + "' is not a valid http:// or https:// URL");
  // Redirects are followed below, keeping the method, the body and the token.
  soup_message_add_flags(message, SOUP_MESSAGE_NO_REDIRECT);
  SoupMessageHeaders* headers = soup_message_get_request_headers(message);
  if (!r.token.empty()) soup_message_headers_replace(headers, "Authorization", ("Bearer " + r.token).c_str());
  if (!r.if_match.empty()) soup_message_headers_replace(headers, "If-Match", r.if_match.c_str());
  if (!r.content_type.empty()) {
    GBytes* body = g_bytes_new(r.body.data(), r.body.size());
    soup_message_set_request_body_from_bytes(message, r.content_type.c_str(), body);
    g_bytes_unref(body);
    // Exactly the type given: libsoup adds no parameters (RFC 9725 §4.2 wants "application/sdp").
    soup_message_headers_replace(headers, "Content-Type", r.content_type.c_str());
  }
  core::log_debug("whip: ", r.method, " ", r.url);
  flight->message = message;
  g_object_ref(message);
  soup_session_send_and_read_async(session_, message, G_PRIORITY_DEFAULT, cancellable_, &HttpClient::on_answer,
                                   flight.release());
}

void HttpClient::on_answer(GObject* source, GAsyncResult* result, gpointer data) {
  std::unique_ptr<Flight> flight(static_cast<Flight*>(data));
  GError* error = nullptr;
  GBytes* bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
  core::guard_callback("whip: HTTP answer", [&] {
    const bool cancelled = error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    if (cancelled || flight->alive.expired() || flight->generation != flight->client->generation_) return;
    HttpClient* client = flight->client;
    SoupMessage* message = flight->message;
    HttpResponse response;
    response.final_url = flight->request.url;
    if (!bytes) {
      response.error = janus::describe_connect_error(error, !client->ca_file_.empty());
    } else {
      response.status = static_cast<int>(soup_message_get_status(message));
      if (const char* reason = soup_message_get_reason_phrase(message)) response.reason = reason;
      gsize size = 0;
      const auto* text = static_cast<const char*>(g_bytes_get_data(bytes, &size));
      if (text) response.body.assign(text, size);
      SoupMessageHeaders* headers = soup_message_get_response_headers(message);
      auto header = [headers](const char* name) {
        const char* value = soup_message_headers_get_list(headers, name);
        return value ? std::string(value) : std::string();
      };
      response.content_type = header("Content-Type");
      response.location = header("Location");
      response.etag = header("ETag");
      response.link = header("Link");
      response.retry_after = header("Retry-After");
      core::log_debug("whip: ", flight->request.method, " ", flight->request.url, " -> ", response.status);
      if ((response.status == 307 || response.status == 308) && !response.location.empty()) {
        auto next = resolve_location(flight->request.url, response.location);
        if (!next) {
          response.error = "it redirected us (HTTP " + std::to_string(response.status) + ") to an unusable Location";
        } else if (++flight->redirects > kMaxRedirects) {
          response.error = "it redirected us more than " + std::to_string(kMaxRedirects) + " times";
        } else {
          // The same request, body and token, at the new URL.
          flight->request.url = *next;
          g_object_unref(flight->message);
          flight->message = nullptr;
          client->start(std::move(flight));
          return;
        }
      }
    }
    // The owner's handler runs in a task of its own: it may destroy this client.
    client->loop_.post([f = std::shared_ptr<Flight>(std::move(flight)), response = std::move(response)] {
      if (!f->alive.expired() && f->generation == f->client->generation_) f->done(response);
    });
  });
  if (bytes) g_bytes_unref(bytes);
  g_clear_error(&error);
}

}  // namespace roomcast::signaling::whip
