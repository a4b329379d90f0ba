// Janus messages as they may be logged: credentials (token, PIN, secrets) masked.
#pragma once

#include <nlohmann/json.hpp>

namespace roomcast::signaling::janus {

/// A copy of `message` with the value of every credential member ("token", "apisecret",
/// "pin", "secret", "new_pin", ...), at any depth, replaced by "***".
nlohmann::json without_secrets(const nlohmann::json& message);

}  // namespace roomcast::signaling::janus
