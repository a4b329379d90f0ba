// av_strerror wrapper; keeps FFmpeg headers out of the callers' headers.
#include "media/av_error.hpp"

extern "C" {
#include <libavutil/error.h>
}

namespace roomcast::media {

std::string av_error_text(int errnum) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(errnum, text, sizeof(text)) < 0) {
    return "FFmpeg error " + std::to_string(errnum);
  }
  return text;
}

} // namespace roomcast::media
