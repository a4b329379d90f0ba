// make_picture_decoder: the receive side's one place that maps a codec to its decoder.
#include "receive/picture_decoder.hpp"

#include "receive/h264_decoder.hpp"
#include "receive/vp8_decoder.hpp"

namespace roomcast::receive {

std::unique_ptr<PictureDecoder> make_picture_decoder(VideoCodec codec) {
  if (codec == VideoCodec::h264) return std::make_unique<H264Decoder>();
  return std::make_unique<Vp8Decoder>();
}

}  // namespace roomcast::receive
