// VideoDecoder: one media file's video stream demuxed and decoded into I420 pictures.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "media/shared_demuxer.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast::media {

/// A decoded picture and where it sits in the file (nullopt: the file did not say).
struct DecodedPicture {
  VideoFrame frame; ///< I420 at the file's size; its timestamp is left 0
  std::optional<std::chrono::microseconds> pts;
};

/// FileVideoTrack's engine: single-threaded (the track's recv() is called from one thread
/// at a time), except skipped_packets(), which any thread may read.
class VideoDecoder {
public:
  /// Opens and probes; throws Error(Kind::Media) naming the file when it is missing,
  /// unreadable, not media, has no video stream `video_stream` or no decoder for it.
  VideoDecoder(const std::string& path, int video_stream);
  /// Stream `stream_index` of a file others read too (FileMedia): packets come from `read`,
  /// which the demuxer's owner moves; seek() is then restart().
  VideoDecoder(std::shared_ptr<SharedDemuxer> demuxer, int stream_index, PacketReader read);
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  /// The next picture; nullopt once the file ended (the decoder's held frames came out
  /// first). Throws Error(Kind::Media) at the end when not one picture could be decoded.
  std::optional<DecodedPicture> next();
  /// The next picture is the first at or after `offset` from the stream's start: the
  /// demuxer goes to the keyframe before it, the pictures up to there are decoded and dropped.
  /// Back to 0 rewinds for a loop. Throws Error(Kind::Media) when the input cannot seek.
  void seek(std::chrono::microseconds offset);

  /// Shared file: the owner moved the demuxer to the keyframe before `offset`; decode afresh,
  /// dropping the pictures before `offset`.
  void restart(std::chrono::microseconds offset);

  const std::string& path() const;
  std::optional<std::chrono::milliseconds> duration() const;
  int width() const;
  int height() const;
  /// The nominal frame rate; 0 when the container does not tell.
  double frame_rate() const;
  std::string codec_name() const;
  std::size_t skipped_packets() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace roomcast::media
