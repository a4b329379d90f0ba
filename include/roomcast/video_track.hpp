// Video sources a participant publishes as its camera: CustomVideoTrack (user code) and
// FileVideoTrack (a media file's video).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace roomcast {

class CustomVideoTrack;
namespace detail {
class EncodedVideoSource;
/// SDK internal: the already-encoded frames behind a track opened with video copy, or nullptr.
std::shared_ptr<EncodedVideoSource> encoded_source_of(const CustomVideoTrack& track);
}  // namespace detail

/// Layout of the pixels in a VideoFrame. Planar formats keep their planes one after the
/// other with no padding (I420: Y, then U, then V at half width and height; NV12: Y, then
/// interleaved UV); packed formats are rows of width * bytes-per-pixel bytes.
enum class PixelFormat { I420, NV12, RGB24, RGBA, BGR24, BGRA };

/// One picture of any size and pixel format, with its presentation time.
/// The SDK converts it to I420, scales it to the configured size and sends it when its
/// timestamp comes due: recv() never waits for the wire.
struct VideoFrame {
  std::vector<std::byte> data;             ///< the pixels (see PixelFormat for the layout)
  PixelFormat format = PixelFormat::I420;  ///< layout of `data`
  int width = 0;                           ///< pixels per row (any size, odd too)
  int height = 0;                          ///< rows
  /// When this frame is to be shown, from the track's start (the first frame: 0). Going
  /// backwards is clamped to the previous frame's time and counted.
  std::chrono::microseconds timestamp{0};

  /// Bytes `data` must hold for this format and size.
  static std::size_t size_for(PixelFormat format, int width, int height);
  /// A frame holding a copy of `pixels`; throws roomcast::Error(Kind::Media) when the size
  /// is not positive or `pixels` does not hold exactly size_for(format, width, height) bytes.
  static VideoFrame from_pixels(std::span<const std::byte> pixels, PixelFormat format, int width,
                                int height, std::chrono::microseconds timestamp);
};

/// Base class for video a participant sends as its camera.
///
/// Override recv() to hand the SDK the next frame. It is called from an SDK media thread
/// (never the network thread), about when the previous frame is due, so a live source may
/// block until it has a picture. Pacing is the SDK's job: each frame goes out at its
/// timestamp, frames whose time has already passed are dropped (and counted).
class CustomVideoTrack {
 public:
  virtual ~CustomVideoTrack() = default;

  /// The next frame, or std::nullopt at end of stream.
  virtual std::optional<VideoFrame> recv() = 0;

  /// Total length if known (files); used for progress display.
  virtual std::optional<std::chrono::milliseconds> duration() const { return std::nullopt; }

  /// A short description for logs and errors (e.g. the file path).
  virtual std::string description() const { return "custom video track"; }
};

/// Video from a media file: any container and codec FFmpeg decodes (MP4/H.264, WebM/VP8
/// and VP9, MKV, MOV, animated GIF, ...), from a path or a URL FFmpeg reads.
class FileVideoTrack : public CustomVideoTrack {
 public:
  /// Options::loop value: play forever (until the meeting is left).
  static constexpr int kLoopForever = 0;

  /// How to read the file.
  struct Options {
    /// Which video stream to use: index among the file's video streams (0 = first).
    int video_stream = 0;
    /// Times to play: 1 = once, N, or kLoopForever; timestamps run on across loops.
    int loop = 1;
    /// Where the first play starts, from the start of the file.
    std::chrono::milliseconds start{0};
    /// Send the file's video as it is, without decoding and encoding it again (see
    /// FileMedia::Options::video_copy): VP8 or constrained-baseline H.264 without B-frames, in
    /// the codec the meeting sends. A receiver's keyframe request waits for the file's next
    /// keyframe; a start lands on the keyframe before it; recv() has no pictures.
    bool copy = false;
  };

  /// Opens and probes the file; throws roomcast::Error(Kind::Media) when it is missing,
  /// unreadable, not media, has no video stream or no decoder for it (or, with Options::copy,
  /// video that cannot be sent as it is: the message says why and what to do).
  explicit FileVideoTrack(const std::string& path);
  /// As above, with `options` (Error(Kind::Config) for loop < 0, start < 0).
  FileVideoTrack(const std::string& path, Options options);
  ~FileVideoTrack() override;
  /// Whether `path` opens as media with a video stream (a cover picture in an audio
  /// file does not count); false for anything that does not open.
  static bool has_video(const std::string& path);
  FileVideoTrack(const FileVideoTrack&) = delete;
  FileVideoTrack& operator=(const FileVideoTrack&) = delete;

  /// The next decoded frame (the file's own size and pixel format, converted to I420),
  /// timestamps from 0 at the start position; nullopt once every play ended.
  std::optional<VideoFrame> recv() override;
  std::optional<std::chrono::milliseconds> duration() const override;
  std::string description() const override;

  /// The video stream's width in pixels.
  int source_width() const;
  /// The video stream's height in pixels.
  int source_height() const;
  /// The stream's nominal frame rate (0 when the container does not tell).
  double source_frame_rate() const;
  /// The FFmpeg name of the stream's codec (e.g. "h264", "vp8").
  std::string codec_name() const;
  /// Packets skipped because they could not be decoded.
  std::size_t skipped_packets() const;
  /// Frames whose timestamp went backwards (clamped).
  std::size_t clamped_timestamps() const;

 private:
  friend std::shared_ptr<detail::EncodedVideoSource> detail::encoded_source_of(const CustomVideoTrack& track);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roomcast
