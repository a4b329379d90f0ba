// Fuzz target: parse_envelope never crashes; a refusal always says why; what parses serializes
// into bytes that parse into the same envelope. The first byte picks the form (text / binary).
#include <cstddef>
#include <cstdint>
#include <span>

#include "messages/envelope.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::messages;
  if (size == 0) return 0;
  const bool binary = data[0] & 1;
  const auto parsed = parse_envelope(std::span<const uint8_t>(data + 1, size - 1), binary);
  if (!parsed.envelope) {
    if (parsed.error.empty()) __builtin_trap();
    return 0;
  }
  const auto again = parse_envelope(serialize_envelope(*parsed.envelope), binary);
  if (!again.envelope || !(*again.envelope == *parsed.envelope)) __builtin_trap();
  return 0;
}
