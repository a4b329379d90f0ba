// encode_png: one I420 picture as PNG bytes (Participant::capture_image).
#pragma once

#include <cstdint>
#include <vector>

#include "media/i420_frame.hpp"

namespace roomcast::receive {

/// RGB24 PNG of `frame` (BT.601 limited range to full-range RGB with libswscale, FFmpeg's png
/// encoder). Throws Error(Kind::Media) with FFmpeg's error text when either step fails.
std::vector<uint8_t> encode_png(const media::I420Frame& frame);

}  // namespace roomcast::receive
