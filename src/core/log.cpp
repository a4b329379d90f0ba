// Logging: one line per message, stderr, level from ROOMCAST_LOG.
#include "core/log.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

namespace roomcast::core {

namespace {
LogLevel level_from_env() {
  const char* env = std::getenv("ROOMCAST_LOG");
  if (!env) return LogLevel::Warn;
  if (!std::strcmp(env, "debug")) return LogLevel::Debug;
  if (!std::strcmp(env, "info")) return LogLevel::Info;
  if (!std::strcmp(env, "error")) return LogLevel::Error;
  if (!std::strcmp(env, "off")) return LogLevel::Off;
  return LogLevel::Warn;
}
std::atomic<LogLevel>& current() {
  static std::atomic<LogLevel> level{level_from_env()};
  return level;
}
}  // namespace

LogLevel log_level() { return current().load(std::memory_order_relaxed); }
void set_log_level(LogLevel level) { current().store(level); }

void write_log(LogLevel level, const std::string& line) {
  static std::mutex mutex;
  static const char* names[] = {"debug", "info", "warn", "error"};
  std::lock_guard lock(mutex);
  std::cerr << "roomcast " << names[static_cast<int>(level)] << ": " << line << "\n";
}

}  // namespace roomcast::core
