// Video copy: which file video can go out without re-encoding, and its packets as frames
// (VP8 as they are, H.264 as Annex B with SPS/PPS before every IDR).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "media/encoded_video_frame.hpp"
#include "media/h264_annexb.hpp"
#include "media/video_codec_text.hpp"
#include "roomcast/meeting_config.hpp"

extern "C" {
#include <libavformat/avformat.h>
}

namespace roomcast::media {

/// Throws Error(Kind::Media) saying why the video stream of `path` cannot be copied (its codec,
/// an H.264 profile other than (constrained) baseline, B-frames) and what to do instead.
/// Returns the codec it is sent as.
VideoCodec check_video_copy(const AVStream& stream, const std::string& path);

/// One stream's packets as frames for the packetizer.
class VideoPacketCopier {
public:
  VideoPacketCopier(const AVStream& stream, VideoCodec codec);
  /// nullopt for a damaged packet (skipped).
  std::optional<EncodedVideoFrame> convert(const AVPacket& packet, std::chrono::microseconds timestamp);

private:
  VideoCodec codec_;
  int width_ = 0;
  int height_ = 0;
  std::optional<H264AnnexB> h264_;
};

} // namespace roomcast::media
