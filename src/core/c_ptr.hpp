// Owning pointers for C library objects: unique_ptr with the library's free function.
#pragma once

#include <memory>

namespace roomcast::core {

/// Deleter calling F(p); F is a plain free function (SSL_free) or, for the FFmpeg frees
/// that take T** (av_frame_free), a capture-less lambda wrapping it.
template <auto F> struct CDeleter {
  template <typename T> void operator()(T* p) const noexcept {
    if (p != nullptr) {
      F(p);
    }
  }
};

/// CPtr<SSL, SSL_free> == std::unique_ptr<SSL, CDeleter<SSL_free>>.
template <typename T, auto F> using CPtr = std::unique_ptr<T, CDeleter<F>>;

} // namespace roomcast::core
