// Guards for C++ code called from C (GLib sources and signals, libnice, libsoup, OpenSSL).
#pragma once

#include <exception>
#include <string>

#include "core/log.hpp"

namespace roomcast::core {

/// The message of the exception being handled (call inside a catch block).
std::string current_exception_text();

/// Runs `body` so that no exception crosses back into C, which cannot unwind it (the process
/// would terminate). An exception is logged with `where` and handed, as text, to
/// `on_exception`: the owner's error path (on_error and a clean leave), which is itself
/// guarded.
template <typename Body, typename OnException>
void guard_callback(const char* where, Body&& body, OnException&& on_exception) noexcept {
  std::string why;
  try {
    body();
    return;
  } catch (...) {
    why = current_exception_text();
  }
  try {
    log_error(where, ": ", why);
    on_exception(std::string(where) + ": " + why);
  } catch (...) {
    log_error(where, ": and its error path threw too: ", current_exception_text());
  }
}

/// The last line of defence in a trampoline whose owner has no error path: log only.
template <typename Body>
void guard_callback(const char* where, Body&& body) noexcept {
  guard_callback(where, std::forward<Body>(body), [](const std::string&) {});
}

}  // namespace roomcast::core
