// Names of video codecs for messages, and the error for copied video in the wrong codec.
#pragma once

#include <string>

#include "roomcast/meeting_config.hpp"

namespace roomcast::media {

/// "VP8" / "H.264".
std::string codec_text(VideoCodec codec);

/// Why a copied file's video (`what`, e.g. "the video of 'a.webm'") in `file` cannot go out in a
/// meeting sending `meeting`, and what to do.
std::string copy_codec_mismatch(const std::string& what, VideoCodec file, VideoCodec meeting);

} // namespace roomcast::media
