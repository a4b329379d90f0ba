// Exception text for the callback guards.
#include "core/callback_guard.hpp"

#include <new>
#include <stdexcept>

namespace roomcast::core {

std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace roomcast::core
