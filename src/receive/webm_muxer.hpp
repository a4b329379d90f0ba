// WebmMuxer: VP8 and Opus packets into a WebM (Matroska) file that plays even if the process dies.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

struct AVFormatContext;

namespace roomcast::receive {

/// What the file holds; fixed when it is opened (Matroska declares its tracks up front).
struct WebmLayout {
  bool audio = true;  ///< one Opus track, 48 kHz mono
  /// One VP8 track of this size, if any.
  std::optional<std::pair<int, int>> video_size;
};

/// Written live: clusters of at most a second, each flushed to the file as it closes, the
/// segment's size left "unknown" until close() fills it in with the duration and the cues.
/// A file cut short (SIGKILL, power loss) therefore plays up to its last whole cluster with
/// nothing to repair: only seeking is slower without cues. Times are microseconds on the
/// file's timeline; each track's must rise (a packet that does not is dropped).
/// Not thread-safe: one caller at a time.
class WebmMuxer {
 public:
  /// Creates `path` and writes the header. Throws Error(Kind::Media) naming the path.
  WebmMuxer(const std::string& path, const WebmLayout& layout);
  ~WebmMuxer();
  WebmMuxer(const WebmMuxer&) = delete;
  WebmMuxer& operator=(const WebmMuxer&) = delete;

  /// One 20 ms Opus packet. Throws Error(Kind::Media) when writing fails (a full disk).
  void write_audio(std::span<const uint8_t> packet, int64_t time_us);
  /// One VP8 frame. Throws Error(Kind::Media) when writing fails.
  void write_video(std::span<const uint8_t> frame, bool keyframe, int64_t time_us);
  /// Writes what is buffered, the duration and the cues. Throws Error(Kind::Media) on failure;
  /// the file is closed either way. Idempotent.
  void close();

  uint64_t audio_packets() const { return audio_packets_; }
  uint64_t video_frames() const { return video_frames_; }

 private:
  void write(int stream, std::span<const uint8_t> data, bool keyframe, int64_t time_us, int64_t duration_us);
  void release();

  std::string path_;
  AVFormatContext* context_ = nullptr;
  int audio_stream_ = -1;
  int video_stream_ = -1;
  int64_t last_ts_[2] = {INT64_MIN, INT64_MIN};  // per track, in its time base
  uint64_t audio_packets_ = 0;
  uint64_t video_frames_ = 0;
};

/// The OpusHead a Matroska Opus track carries as CodecPrivate (RFC 7845 5.1): version 1,
/// `channels`, `pre_skip` samples, 48 kHz input, no gain, mapping family 0.
std::array<uint8_t, 19> opus_head(int channels, int pre_skip);

}  // namespace roomcast::receive
