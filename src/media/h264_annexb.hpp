// H264AnnexB: a demuxed H.264 access unit (AVCC length prefixes from MP4/MKV, or Annex B from
// TS/raw files) as the Annex B the RTP packetizer takes, with SPS and PPS before every IDR.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace roomcast::media {

/// One per stream (it keeps the latest parameter sets). ISO/IEC 14496-15 §5.3.3 (avcC),
/// H.264 Annex B.
class H264AnnexB {
public:
  /// `extradata`: the stream's avcC record (MP4, MKV), Annex B parameter sets (TS), or empty.
  /// Throws Error(Kind::Media) for an avcC record that is cut short.
  explicit H264AnnexB(std::span<const uint8_t> extradata);

  struct AccessUnit {
    std::vector<uint8_t> annexb; ///< 4-octet start codes; SPS and PPS first when it holds an IDR
    bool idr = false;            ///< holds an IDR slice (NAL type 5): decodable on its own
  };
  /// nullopt when the packet's NAL lengths run past its end (damaged data).
  std::optional<AccessUnit> convert(std::span<const uint8_t> packet);

  /// Whether packets carry length prefixes (avcC extradata) rather than start codes.
  bool length_prefixed() const { return length_size_ > 0; }
  /// SPS and PPS known so far (from the extradata, then in-band).
  std::size_t parameter_sets() const { return sps_.size() + pps_.size(); }

private:
  void keep_parameter_set(std::span<const uint8_t> nal);

  int length_size_ = 0; // 1, 2 or 4 with avcC; 0: start codes
  std::vector<std::vector<uint8_t>> sps_;
  std::vector<std::vector<uint8_t>> pps_;
};

} // namespace roomcast::media
