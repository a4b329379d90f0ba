// I420 -> RGB24 (libswscale) -> PNG (libavcodec), every return code checked.
#include "receive/png_image.hpp"

#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include "core/c_ptr.hpp"
#include "roomcast/error.hpp"

namespace roomcast::receive {

namespace {
void free_codec(AVCodecContext* c) { avcodec_free_context(&c); }
void free_packet(AVPacket* p) { av_packet_free(&p); }
void free_frame(AVFrame* f) { av_frame_free(&f); }

[[noreturn]] void fail(const std::string& what, int rc = 0) {
  std::string text = "capturing an image: " + what;
  if (rc < 0) {
    char buffer[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(rc, buffer, sizeof buffer);
    text += std::string(" (") + buffer + ")";
  }
  throw Error(Error::Kind::Media, text);
}
}  // namespace

std::vector<uint8_t> encode_png(const media::I420Frame& frame) {
  if (frame.width <= 0 || frame.height <= 0) fail("the picture is empty");
  const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (!encoder) fail("this FFmpeg has no PNG encoder");

  core::CPtr<AVFrame, free_frame> rgb(av_frame_alloc());
  if (!rgb) fail("out of memory");
  rgb->format = AV_PIX_FMT_RGB24;
  rgb->width = frame.width;
  rgb->height = frame.height;
  if (int rc = av_frame_get_buffer(rgb.get(), 0); rc < 0) fail("allocating the RGB picture", rc);

  core::CPtr<SwsContext, sws_freeContext> sws(
      sws_getContext(frame.width, frame.height, AV_PIX_FMT_YUV420P, frame.width, frame.height,
                     AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!sws) fail("libswscale cannot convert I420 to RGB24");
  const uint8_t* planes[3] = {frame.y.data(), frame.u.data(), frame.v.data()};
  const int strides[3] = {frame.width, frame.chroma_width(), frame.chroma_width()};
  if (frame.y.size() < static_cast<size_t>(frame.width) * frame.height ||
      frame.u.size() < static_cast<size_t>(frame.chroma_width()) * frame.chroma_height() ||
      frame.v.size() < static_cast<size_t>(frame.chroma_width()) * frame.chroma_height())
    fail("the picture's planes are smaller than its size");
  if (int rc = sws_scale(sws.get(), planes, strides, 0, frame.height, rgb->data, rgb->linesize); rc <= 0)
    fail("converting I420 to RGB24", rc);

  core::CPtr<AVCodecContext, free_codec> codec(avcodec_alloc_context3(encoder));
  if (!codec) fail("out of memory");
  codec->width = frame.width;
  codec->height = frame.height;
  codec->pix_fmt = AV_PIX_FMT_RGB24;
  codec->time_base = AVRational{1, 1};
  if (int rc = avcodec_open2(codec.get(), encoder, nullptr); rc < 0) fail("opening the PNG encoder", rc);
  if (int rc = avcodec_send_frame(codec.get(), rgb.get()); rc < 0) fail("encoding PNG", rc);
  core::CPtr<AVPacket, free_packet> packet(av_packet_alloc());
  if (!packet) fail("out of memory");
  if (int rc = avcodec_receive_packet(codec.get(), packet.get()); rc < 0) fail("encoding PNG", rc);
  return std::vector<uint8_t>(packet->data, packet->data + packet->size);
}

}  // namespace roomcast::receive
