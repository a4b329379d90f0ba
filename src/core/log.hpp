// Minimal leveled logging to stderr; ROOMCAST_LOG=debug|info|warn|error selects the level.
#pragma once

#include <sstream>
#include <string>

namespace roomcast::core {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

LogLevel log_level();
void set_log_level(LogLevel level);
void write_log(LogLevel level, const std::string& line);

/// For arguments that cost something to build (e.g. a JSON dump): test before building.
inline bool log_enabled(LogLevel level) { return level >= log_level(); }

template <typename... Args>
void log_at(LogLevel level, const Args&... args) {
  if (level < log_level()) return;
  std::ostringstream out;
  (out << ... << args);
  write_log(level, out.str());
}
template <typename... Args> void log_debug(const Args&... a) { log_at(LogLevel::Debug, a...); }
template <typename... Args> void log_info(const Args&... a) { log_at(LogLevel::Info, a...); }
template <typename... Args> void log_warn(const Args&... a) { log_at(LogLevel::Warn, a...); }
template <typename... Args> void log_error(const Args&... a) { log_at(LogLevel::Error, a...); }

}  // namespace roomcast::core
