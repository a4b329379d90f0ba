// TLS for wss://: trusting an extra CA file on a SoupSession, and errors that say what to do.
#pragma once

#include <glib.h>

#include <optional>
#include <string>

typedef struct _SoupSession SoupSession;

namespace roomcast::signaling::janus {

/// Makes `session` trust the certificates in the PEM file `ca_file` instead of the system's
/// (chain and host name are still verified).
/// Returns an error text when the file cannot be loaded.
std::optional<std::string> trust_ca_file(SoupSession* session, const std::string& ca_file);

/// libsoup's connect error as one line; a certificate that is not trusted says to use --ca.
std::string describe_connect_error(const GError* error, bool ca_file_given);

}  // namespace roomcast::signaling::janus
