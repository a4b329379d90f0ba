// Args implementation.
#include "cli/args.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace roomcast::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& with_value,
           const std::set<std::string>& flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flags.count(name)) {
      if (inline_value) throw UsageError("option --" + name + " takes no value");
      flags_.insert(name);
    } else if (with_value.count(name)) {
      if (inline_value) {
        values_[name] = *inline_value;
      } else {
        if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value");
        values_[name] = argv[++i];
      }
      all_values_[name].push_back(values_[name]);
    } else {
      throw UsageError("unknown option --" + name);
    }
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  auto it = all_values_.find(name);
  return it == all_values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

std::optional<double> Args::get_number(const std::string& name) const {
  auto value = get(name);
  if (!value) return std::nullopt;
  char* end = nullptr;
  double number = std::strtod(value->c_str(), &end);
  if (value->empty() || *end != '\0' || !std::isfinite(number) || number < 0)
    throw UsageError("option --" + name + " needs a non-negative number, got '" + *value + "'");
  return number;
}

std::optional<int64_t> Args::get_integer(const std::string& name) const {
  auto value = get(name);
  if (!value) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long number = std::strtoll(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || errno == ERANGE)
    throw UsageError("option --" + name + " needs a whole number, got '" + *value + "'");
  return number;
}

}  // namespace roomcast::cli
