// TLS trust for the Janus WebSocket: a GTlsFileDatabase beside the system's, on libsoup 3.
#include "signaling/janus/tls_trust.hpp"

#include <gio/gio.h>
#include <libsoup/soup.h>

namespace roomcast::signaling::janus {

std::optional<std::string> trust_ca_file(SoupSession* session, const std::string& ca_file) {
  GError* error = nullptr;
  GTlsDatabase* database = g_tls_file_database_new(ca_file.c_str(), &error);
  if (!database) {
    std::string why = error && error->message ? error->message : "unknown error";
    g_clear_error(&error);
    return "cannot load the CA file '" + ca_file + "' (" + why + "); give a PEM file holding the server's "
           "certificate or its CA (--ca FILE, MeetingConfig::ca_file)";
  }
  soup_session_set_tls_database(session, database);
  g_object_unref(database);
  return std::nullopt;
}

std::string describe_connect_error(const GError* error, bool ca_file_given) {
  std::string text = error && error->message ? error->message : "unknown error";
  const bool bad_certificate = error && g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  if (!bad_certificate) return text;
  if (ca_file_given)
    return "its TLS certificate is not trusted, not even with the CA file given (" + text +
           "); check that --ca FILE (MeetingConfig::ca_file) holds the server's certificate or the CA that "
           "signed it, and that the certificate names the host in the URL";
  return "its TLS certificate is not trusted (" + text +
         "); if the server uses a self-signed certificate, pass that certificate or its CA with --ca FILE "
         "(MeetingConfig::ca_file)";
}

}  // namespace roomcast::signaling::janus
