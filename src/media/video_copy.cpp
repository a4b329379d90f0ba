// Video copy: the checks (RFC 7741 VP8; RFC 6184 with profile-level-id 42e01f: constrained
// baseline, so no B-frames) and the packet-to-frame conversion.
#include "media/video_copy.hpp"

#include "core/log.hpp"
#include "roomcast/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace roomcast::media {
namespace {

constexpr int kBaselineProfileIdc = 66;
constexpr int kOfferedLevel = 31; // what our offer's profile-level-id says (3.1)

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw Error(Error::Kind::Media, "cannot send the video of '" + path + "' as it is (video copy): " + why +
                                      "; re-encode it (e.g. ffmpeg -i IN -c:v libx264 -profile:v baseline -bf 0 "
                                      "-c:a copy OUT.mp4) or drop --video-copy to let roomcast encode it");
}

} // namespace

std::string codec_text(VideoCodec codec) { return codec == VideoCodec::h264 ? "H.264" : "VP8"; }

std::string copy_codec_mismatch(const std::string& what, VideoCodec file, VideoCodec meeting) {
  return what + " is " + codec_text(file) + " but the meeting sends " + codec_text(meeting) +
         " (VideoSettings::codec, --video-codec): copied video goes out in its own codec; send " +
         codec_text(file) + " (--video-codec " + (file == VideoCodec::h264 ? "h264" : "vp8") +
         ") or drop --video-copy to re-encode it";
}

VideoCodec check_video_copy(const AVStream& stream, const std::string& path) {
  const AVCodecParameters& par = *stream.codecpar;
  if (par.codec_id == AV_CODEC_ID_VP8) {
    return VideoCodec::vp8;
  }
  if (par.codec_id != AV_CODEC_ID_H264) {
    refuse(path, std::string("its video is ") + avcodec_get_name(par.codec_id) +
                     "; only VP8 and constrained-baseline H.264 can be sent without re-encoding");
  }
  if ((par.profile & 0xff) != kBaselineProfileIdc) {
    const char* name = avcodec_profile_name(par.codec_id, par.profile);
    refuse(path, std::string("its video is H.264 ") + (name != nullptr ? name : "of an unknown") +
                     " profile; browsers are offered constrained baseline (42e01f), which has no B-frames "
                     "or CABAC");
  }
  if (par.video_delay > 0) {
    refuse(path, "its H.264 video has B-frames (pictures sent out of order), which cannot be sent as they are");
  }
  if (par.level > kOfferedLevel) {
    core::log_warn("'", path, "': its H.264 level ", par.level / 10, ".", par.level % 10,
                   " is above the 3.1 our offer names; browsers decode it, other receivers may not");
  }
  return VideoCodec::h264;
}

VideoPacketCopier::VideoPacketCopier(const AVStream& stream, VideoCodec codec)
    : codec_(codec), width_(stream.codecpar->width), height_(stream.codecpar->height) {
  if (codec == VideoCodec::h264) {
    h264_.emplace(std::span<const uint8_t>(stream.codecpar->extradata,
                                           static_cast<std::size_t>(std::max(stream.codecpar->extradata_size, 0))));
  }
}

std::optional<EncodedVideoFrame> VideoPacketCopier::convert(const AVPacket& packet,
                                                            std::chrono::microseconds timestamp) {
  if (packet.size <= 0) {
    return std::nullopt;
  }
  EncodedVideoFrame frame;
  frame.timestamp = timestamp;
  frame.width = width_;
  frame.height = height_;
  const std::span<const uint8_t> data(packet.data, static_cast<std::size_t>(packet.size));
  if (h264_) {
    auto unit = h264_->convert(data);
    if (!unit) {
      return std::nullopt;
    }
    frame.data = std::move(unit->annexb);
    frame.keyframe = unit->idr;
  } else {
    frame.data.assign(data.begin(), data.end());
    frame.keyframe = (data[0] & 0x01) == 0; // RFC 6386 §9.1: the frame tag's P bit is 0 on a key frame
  }
  return frame;
}

} // namespace roomcast::media
