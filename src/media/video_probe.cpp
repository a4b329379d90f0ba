// FileVideoTrack::has_video: whether a file has a picture worth sending (the CLI's default).
extern "C" {
#include <libavformat/avformat.h>
}

#include "roomcast/video_track.hpp"

namespace roomcast {

bool FileVideoTrack::has_video(const std::string& path) {
  AVFormatContext* format = nullptr;
  if (path.empty() || path == "-" || avformat_open_input(&format, path.c_str(), nullptr, nullptr) < 0) return false;
  bool found = false;
  if (avformat_find_stream_info(format, nullptr) >= 0) {
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      const AVStream* stream = format->streams[i];
      // An MP3's or M4A's cover art is a one-picture "video" stream: not a camera.
      if (stream->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(stream->disposition & AV_DISPOSITION_ATTACHED_PIC))
        found = true;
    }
  }
  avformat_close_input(&format);
  return found;
}

}  // namespace roomcast
