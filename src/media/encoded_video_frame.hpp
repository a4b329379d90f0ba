// EncodedVideoFrame: one compressed picture as a video encoder hands it to the packetizer.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace roomcast::media {

struct EncodedVideoFrame {
  std::vector<uint8_t> data; ///< the whole frame (VP8: all partitions, RFC 6386 9.1 order)
  bool keyframe = false;     ///< decodable on its own (what a PLI asks for)
  std::chrono::microseconds timestamp{0}; ///< the input frame's, for the RTP timestamp
  int width = 0;
  int height = 0;
};

} // namespace roomcast::media
