#include "media/media_input.hpp"

extern "C" {
#include <libavformat/avformat.h>
}

#include <filesystem>
#include <system_error>

#include "media/av_error.hpp"
#include "roomcast/error.hpp"

namespace roomcast::media {

namespace {
[[noreturn]] void fail(const std::string& message) { throw Error(Error::Kind::Media, message); }
}  // namespace

AVFormatContext* open_media_input(const std::string& path, const std::string& kind, const std::string& examples) {
  const std::string quoted = "'" + path + "'";
  const bool looks_like_url = path.find("://") != std::string::npos;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!looks_like_url && status.type() == std::filesystem::file_type::not_found)
    fail("cannot open " + quoted + ": no such file; check the path");
  if (status.type() == std::filesystem::file_type::directory)
    fail("cannot open " + quoted + ": it is a directory; give the path of a " + kind + " file");
  auto fail_unreadable = [&](int rc) {
    if (looks_like_url && rc != AVERROR_INVALIDDATA)
      fail("cannot open " + quoted + " (" + av_error_text(rc) + "); check the URL and that its server is up");
    fail("cannot read " + quoted + ": not a media file FFmpeg recognises (" + av_error_text(rc) + "); use a " + kind +
         " file such as " + examples);
  };
  // "file:" keeps a local path with ':' in it from being taken for a protocol.
  const std::string url = looks_like_url ? path : "file:" + path;
  AVFormatContext* format = nullptr;
  int rc = avformat_open_input(&format, url.c_str(), nullptr, nullptr);
  if (rc < 0) {
    if (rc == AVERROR(ENOENT)) fail("cannot open " + quoted + ": no such file; check the path");
    if (rc == AVERROR(EACCES) || rc == AVERROR(EPERM))
      fail("cannot open " + quoted + ": permission denied; check the file's permissions");
    fail_unreadable(rc);
  }
  rc = avformat_find_stream_info(format, nullptr);
  if (rc < 0) {
    avformat_close_input(&format);
    fail_unreadable(rc);
  }
  return format;
}

}  // namespace roomcast::media
