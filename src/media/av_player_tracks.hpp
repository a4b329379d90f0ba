// AvAudioTrack, AvVideoTrack: FileMedia's two tracks, each reading its stream of the shared
// files and placing what it decodes on the AvPlayer's segment timeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "media/audio_decoder.hpp"
#include "media/av_player.hpp"
#include "media/encoded_video_source.hpp"
#include "media/video_copy.hpp"
#include "media/video_decoder.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast::media {

/// The file's audio: decoded chunks where their segment puts them, silence where it has none
/// (paused, a stream that starts late or ends early, the gap to a longer picture).
class AvAudioTrack : public CustomAudioTrack {
 public:
  explicit AvAudioTrack(std::shared_ptr<AvPlayer> player);
  std::optional<AudioChunk> recv() override;
  std::optional<std::chrono::milliseconds> duration() const override;
  std::string description() const override;
  const AudioDecoder& decoder(std::size_t file) const { return *decoders_[file]; }

 private:
  AudioChunk silence(double seconds) const;
  void enter(const Segment& segment);
  std::optional<AudioChunk> deliver(AudioChunk chunk);

  std::shared_ptr<AvPlayer> player_;
  std::vector<std::unique_ptr<AudioDecoder>> decoders_;
  double gain_ = 1.0;
  std::mutex mutex_;  // recv() is one caller at a time, but say so
  bool started_ = false;
  bool ended_ = false;
  bool drained_ = false;          // the segment's epoch has no more packets
  uint64_t epoch_ = 0;            // what the decoders' packet readers ask the demuxer for
  Segment segment_;
  double position_ = 0;           // seconds of timeline handed out
  double file_position_ = 0;      // file time (seconds) of the next decoded sample
  std::optional<AudioChunk> held_;  // decoded past a pause: played after the resume
  AudioChunk shape_;              // an empty chunk in the output's shape, for silence
};

/// The file's picture: decoded pictures stamped with their segment's timeline; while paused,
/// the last picture again at the frame rate. With Options::video_copy, the file's packets
/// instead (next()), on the same timeline; nothing while paused.
class AvVideoTrack : public CustomVideoTrack,
                     public detail::EncodedVideoSource,
                     public std::enable_shared_from_this<AvVideoTrack> {
 public:
  /// Throws Error(Kind::Media) when video_copy is asked for and a file's video cannot be copied.
  explicit AvVideoTrack(std::shared_ptr<AvPlayer> player);
  std::optional<VideoFrame> recv() override;
  std::optional<std::chrono::milliseconds> duration() const override;
  std::string description() const override;
  const VideoDecoder& decoder(std::size_t file) const { return *decoders_[file]; }

  bool copying() const { return player_->options().video_copy; }
  Next next() override;
  VideoCodec codec() const override { return codec_; }
  /// Packets that could not be copied (damaged H.264 lengths).
  std::size_t skipped_packets() const { return skipped_; }

 private:
  void enter(const Segment& segment);
  microseconds next_slot() const;
  void start_once();

  std::shared_ptr<AvPlayer> player_;
  std::vector<std::unique_ptr<VideoDecoder>> decoders_;
  microseconds step_{33333};
  std::mutex mutex_;
  bool started_ = false;
  bool drained_ = false;
  uint64_t epoch_ = 0;
  Segment segment_;
  std::optional<microseconds> last_;         // the last timestamp handed out
  std::optional<VideoFrame> last_picture_;   // shown again while paused
  std::optional<DecodedPicture> held_;       // decoded past a pause: shown after the resume
  // Copy mode.
  VideoCodec codec_ = VideoCodec::vp8;
  std::vector<std::unique_ptr<VideoPacketCopier>> copiers_;
  std::optional<EncodedVideoFrame> held_frame_;  // read past a pause: sent after the resume
  uint64_t last_segment_ = 0;                     // the segment of last_ (B-frames show within one)
  std::size_t skipped_ = 0;
};

/// What the tracks together last: the files' lengths times the loop count, less the start.
std::optional<std::chrono::milliseconds> av_duration(const AvPlayer& player);

}  // namespace roomcast::media
