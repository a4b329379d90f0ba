// roomcast::Error: the one exception type the SDK throws for setup failures.
#pragma once

#include <stdexcept>
#include <string>

namespace roomcast {

/// Thrown when something cannot be set up. The message says what failed, on which
/// input (path, URL, room) and what to do about it.
class Error : public std::runtime_error {
 public:
  /// What failed, to choose a reaction (the CLI maps it to its exit status).
  enum class Kind {
    Config,     ///< invalid configuration or arguments
    Media,      ///< file missing, unreadable, not media, no audio stream, codec failure
    Signaling,  ///< server unreachable, not Janus, refused (token, pin, room)
    Transport,  ///< ICE, DTLS or SRTP failure
  };

  /// An error of `kind`; `message` is what what() returns.
  Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

  /// What kind of failure this is.
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

}  // namespace roomcast
