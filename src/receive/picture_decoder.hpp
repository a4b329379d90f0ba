// PictureDecoder: what the receive side needs of a video decoder, whatever the codec.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "media/i420_frame.hpp"
#include "roomcast/meeting_config.hpp"

namespace roomcast::receive {

/// One stream's decoder, used from one thread at a time (not the network thread: a 640x360
/// frame costs about a millisecond). A frame that fails to decode (corrupt, or its reference
/// frame was lost) returns nullopt: the caller asks the sender for a keyframe (PLI).
class PictureDecoder {
 public:
  virtual ~PictureDecoder() = default;
  /// Decodes one complete frame (VP8: descriptors removed; H.264: an Annex-B access unit).
  /// Until the first keyframe every frame is refused. `timestamp` is copied into the picture.
  virtual std::optional<media::I420Frame> decode(std::span<const uint8_t> frame,
                                                 std::chrono::microseconds timestamp) = 0;
};

/// A decoder for `codec`. Throws Error(Kind::Media) when the library cannot make one.
std::unique_ptr<PictureDecoder> make_picture_decoder(VideoCodec codec);

}  // namespace roomcast::receive
