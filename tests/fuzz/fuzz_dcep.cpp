// Fuzz target: parse_dcep never crashes; a parsed OPEN rebuilds into bytes that parse the same.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "sctp/dcep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::sctp;
  const auto parsed = parse_dcep(std::span<const uint8_t>(data, size));
  if (!parsed.message) {
    if (parsed.error.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  if (!parsed.error.empty()) __builtin_trap();
  if (const auto* open = std::get_if<DcepOpen>(&*parsed.message)) {
    const auto rebuilt = parse_dcep(serialize_dcep_open(*open));
    if (!rebuilt.message || !std::holds_alternative<DcepOpen>(*rebuilt.message)) __builtin_trap();
    if (!(std::get<DcepOpen>(*rebuilt.message) == *open)) __builtin_trap();
  }
  return 0;
}
