// Opening a media file (or URL) for demuxing, with the errors a user can act on.
#pragma once

#include <string>

struct AVFormatContext;

namespace roomcast::media {

/// Opens `path` and reads its stream info; the caller owns the result (avformat_close_input).
/// Throws Error (Media) saying what, where and what to do: no such file, a directory,
/// permission denied, an unreachable URL, or not media ("use a `kind` file such as `examples`").
AVFormatContext* open_media_input(const std::string& path, const std::string& kind, const std::string& examples);

}  // namespace roomcast::media
