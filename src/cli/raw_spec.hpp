// --raw FORMAT:RATE:CHANNELS (headerless PCM on stdin) parsed into a RawPcmFormat.
#pragma once

#include <string>

#include "roomcast/audio_track.hpp"

namespace roomcast::cli {

/// "s16le:48000:2" (also s32le, f32le; 8000..192000 Hz; 1..8 channels). Throws
/// Error(Kind::Config) "--raw 'SPEC': what is wrong; what to give".
RawPcmFormat parse_raw_spec(const std::string& spec);

}  // namespace roomcast::cli
