// Credential masking for Janus message logs.
#include "signaling/janus/redact.hpp"

#include <array>
#include <string_view>

namespace roomcast::signaling::janus {

namespace {
// Janus core (token, apisecret, admin_secret) and VideoRoom (pin, secret and their new_ forms).
constexpr std::array<std::string_view, 8> kSecretKeys = {"token",  "apisecret", "admin_secret", "pin",
                                                         "secret", "new_pin",   "new_secret",   "token_auth_secret"};

bool is_secret(std::string_view key) {
  for (auto secret : kSecretKeys)
    if (key == secret) return true;
  return false;
}

void mask(nlohmann::json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (is_secret(it.key()) && !it.value().is_null()) it.value() = "***";
      else mask(it.value());
    }
  } else if (value.is_array()) {
    for (auto& element : value) mask(element);
  }
}
}  // namespace

nlohmann::json without_secrets(const nlohmann::json& message) {
  nlohmann::json copy = message;
  mask(copy);
  return copy;
}

}  // namespace roomcast::signaling::janus
