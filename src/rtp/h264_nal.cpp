// Annex-B start code scan for the H.264 encoder, packetizer and depacketizer.
#include "rtp/h264_nal.hpp"

namespace roomcast::rtp {

std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> annexb) {
  std::vector<std::span<const uint8_t>> nals;
  const std::size_t size = annexb.size();
  // Offset just past the start code of the unit being collected; none before the first.
  std::size_t begin = size;
  auto close = [&](std::size_t end) {
    while (end > begin && annexb[end - 1] == 0) --end; // trailing_zero_8bits, B.1
    if (end > begin) nals.push_back(annexb.subspan(begin, end - begin));
  };
  std::size_t i = 0;
  while (i + 2 < size) {
    if (annexb[i + 2] > 1) {
      i += 3; // no start code can end at i + 2 or earlier overlapping it
    } else if (annexb[i] == 0 && annexb[i + 1] == 0 && annexb[i + 2] == 1) {
      if (begin < size) close(i);
      begin = i + 3;
      i += 3;
    } else {
      ++i;
    }
  }
  if (begin < size) close(size);
  return nals;
}

} // namespace roomcast::rtp
