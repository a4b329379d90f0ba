// Text for FFmpeg error codes, for the "C error text appended" part of our messages.
#pragma once

#include <string>

namespace roomcast::media {

/// av_strerror() as a std::string, e.g. "Invalid data found when processing input".
std::string av_error_text(int errnum);

} // namespace roomcast::media
