// Random values for RTP (SSRCs, first sequence numbers and timestamps, RFC 3550 §5.1) and SDP
// session ids, from OpenSSL's CSPRNG.
#pragma once

#include <openssl/rand.h>

namespace roomcast::peer {

template <typename T>
T random_value() {
  T value{};
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

}  // namespace roomcast::peer
