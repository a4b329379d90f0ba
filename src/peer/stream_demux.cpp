// StreamDemux: SSRC first, then the mid header extension (RFC 8843 §9.2, §15.2).
#include "peer/stream_demux.hpp"

namespace roomcast::peer {

void StreamDemux::set_streams(const sdp::RemoteMultiOffer& offer) {
  mid_by_ssrc_.clear();
  sections_.clear();
  for (const auto& s : offer.audio) {
    if (s.direction != sdp::Direction::SendOnly && s.direction != sdp::Direction::SendRecv)
      continue;
    sections_[s.mid] = Section{s.mid_ext_id, s.audio_level_ext_id, s.opus_pt, std::nullopt};
    for (uint32_t ssrc : s.ssrcs) mid_by_ssrc_[ssrc] = s.mid;
  }
  for (const auto& s : offer.video) {
    if (s.direction != sdp::Direction::SendOnly && s.direction != sdp::Direction::SendRecv)
      continue;
    sections_[s.mid] = Section{s.mid_ext_id, std::nullopt, s.payload_type, s.codec};
    for (uint32_t ssrc : s.ssrcs) mid_by_ssrc_[ssrc] = s.mid;
  }
}

std::string StreamDemux::mid_of(const rtp::RtpPacket& packet) {
  if (auto it = mid_by_ssrc_.find(packet.ssrc); it != mid_by_ssrc_.end()) return it->second;
  for (const auto& [mid, section] : sections_) {
    if (!section.mid_ext_id) continue;
    const auto* ext = packet.find_extension(*section.mid_ext_id);
    if (!ext) continue;
    std::string value(ext->data.begin(), ext->data.end());
    if (!sections_.count(value)) return {};
    mid_by_ssrc_[packet.ssrc] = value;
    return value;
  }
  return {};
}

std::optional<uint8_t> StreamDemux::audio_level_extension(const std::string& mid) const {
  auto it = sections_.find(mid);
  return it == sections_.end() ? std::nullopt : it->second.audio_level_ext_id;
}

std::optional<uint8_t> StreamDemux::payload_type(const std::string& mid) const {
  auto it = sections_.find(mid);
  return it == sections_.end() ? std::nullopt : std::optional<uint8_t>(it->second.payload_type);
}

bool StreamDemux::is_video(const std::string& mid) const {
  auto it = sections_.find(mid);
  return it != sections_.end() && it->second.video_codec.has_value();
}

std::optional<VideoCodec> StreamDemux::video_codec(const std::string& mid) const {
  auto it = sections_.find(mid);
  return it == sections_.end() ? std::nullopt : it->second.video_codec;
}

}  // namespace roomcast::peer
