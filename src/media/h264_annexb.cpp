// H264AnnexB: avcC parsing, length-prefixed to start-code NAL units, SPS/PPS before IDRs.
#include "media/h264_annexb.hpp"

#include <cstdint>

#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

constexpr uint8_t kNalIdr = 5;
constexpr uint8_t kNalSps = 7;
constexpr uint8_t kNalPps = 8;
constexpr uint8_t kStartCode[] = {0, 0, 0, 1};

uint8_t nal_type(std::span<const uint8_t> nal) { return nal.empty() ? 0 : nal[0] & 0x1f; }

bool starts_with_start_code(std::span<const uint8_t> data) {
  return (data.size() >= 3 && data[0] == 0 && data[1] == 0 && data[2] == 1) ||
         (data.size() >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 1);
}

// The NAL units between start codes (Annex B.1); zeros before a start code are trailing bytes.
std::vector<std::span<const uint8_t>> split_start_codes(std::span<const uint8_t> data) {
  std::vector<std::span<const uint8_t>> units;
  constexpr std::size_t kNone = SIZE_MAX;
  std::size_t i = 0, begin = kNone;
  auto close = [&](std::size_t end) {
    if (begin == kNone) return; // bytes before the first start code
    while (end > begin && data[end - 1] == 0) --end;
    if (end > begin) units.push_back(data.subspan(begin, end - begin));
  };
  while (i + 3 <= data.size()) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      close(i);
      begin = i + 3;
      i += 3;
    } else {
      ++i;
    }
  }
  close(data.size());
  return units;
}

void append_nal(std::vector<uint8_t>& out, std::span<const uint8_t> nal) {
  out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
  out.insert(out.end(), nal.begin(), nal.end());
}

} // namespace

H264AnnexB::H264AnnexB(std::span<const uint8_t> extradata) {
  if (extradata.empty()) return;
  if (starts_with_start_code(extradata)) {
    for (auto nal : split_start_codes(extradata)) keep_parameter_set(nal);
    return;
  }
  // avcC: version(1) profile(1) compat(1) level(1) 111111 lengthSizeMinusOne(2)
  // 111 numSPS(5) {len(2) sps} numPPS(1) {len(2) pps}
  auto cut_short = [] {
    throw Error(Error::Kind::Media, "the H.264 stream's avcC record (its SPS and PPS) is cut short; the file "
                                    "may be damaged: re-encode it or drop --video-copy");
  };
  if (extradata.size() < 7 || extradata[0] != 1) cut_short();
  length_size_ = (extradata[4] & 0x3) + 1;
  std::size_t at = 5;
  for (int list = 0; list < 2; ++list) {
    if (at >= extradata.size()) cut_short();
    const int count = list == 0 ? extradata[at] & 0x1f : extradata[at];
    ++at;
    for (int n = 0; n < count; ++n) {
      if (at + 2 > extradata.size()) cut_short();
      const std::size_t length = (std::size_t{extradata[at]} << 8) | extradata[at + 1];
      at += 2;
      if (at + length > extradata.size()) cut_short();
      keep_parameter_set(extradata.subspan(at, length));
      at += length;
    }
  }
}

void H264AnnexB::keep_parameter_set(std::span<const uint8_t> nal) {
  auto& sets = nal_type(nal) == kNalSps ? sps_ : pps_;
  if (nal_type(nal) != kNalSps && nal_type(nal) != kNalPps) return;
  // One of each id in practice: the latest replaces what came before.
  sets.assign(1, std::vector<uint8_t>(nal.begin(), nal.end()));
}

std::optional<H264AnnexB::AccessUnit> H264AnnexB::convert(std::span<const uint8_t> packet) {
  std::vector<std::span<const uint8_t>> units;
  if (length_size_ > 0) {
    std::size_t at = 0;
    while (at < packet.size()) {
      if (at + static_cast<std::size_t>(length_size_) > packet.size()) return std::nullopt;
      std::size_t length = 0;
      for (int i = 0; i < length_size_; ++i) length = (length << 8) | packet[at + static_cast<std::size_t>(i)];
      at += static_cast<std::size_t>(length_size_);
      if (length > packet.size() - at) return std::nullopt;
      if (length > 0) units.push_back(packet.subspan(at, length));
      at += length;
    }
  } else {
    units = split_start_codes(packet);
  }
  AccessUnit out;
  bool has_sps = false, has_pps = false;
  for (auto nal : units) {
    const uint8_t type = nal_type(nal);
    out.idr |= type == kNalIdr;
    has_sps |= type == kNalSps;
    has_pps |= type == kNalPps;
    keep_parameter_set(nal);
  }
  out.annexb.reserve(packet.size() + 64);
  if (out.idr && !(has_sps && has_pps)) {
    // MP4 keeps them in the avcC record only: a receiver joining at this IDR needs them.
    for (const auto& sps : sps_) append_nal(out.annexb, sps);
    for (const auto& pps : pps_) append_nal(out.annexb, pps);
  }
  for (auto nal : units) append_nal(out.annexb, nal);
  return out;
}

} // namespace roomcast::media
