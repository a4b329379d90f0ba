// Args: a small "--name value" / "--flag" parser with usage errors that name the option.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace roomcast::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  /// `with_value`: options that take a value; `flags`: options that do not.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& with_value,
       const std::set<std::string>& flags);

  bool has(const std::string& name) const { return values_.count(name) || flags_.count(name); }
  /// The last value given for `name`.
  std::optional<std::string> get(const std::string& name) const;
  /// Every value given for a repeatable option, in order.
  std::vector<std::string> get_all(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  std::optional<double> get_number(const std::string& name) const;
  /// A whole number (any sign) that fits 64 bits; UsageError naming the option otherwise.
  std::optional<int64_t> get_integer(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> all_values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

}  // namespace roomcast::cli
