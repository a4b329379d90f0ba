// Received video: decoded frames of a remote participant's camera, handed to a VideoSink.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace roomcast {

/// One decoded picture of a remote video stream, I420 (YUV 4:2:0, BT.601 limited range).
struct ReceivedVideoFrame {
  /// The three planes packed one after the other without padding: Y (width x height), then
  /// U and V ((width + 1) / 2 x (height + 1) / 2 each). Valid during the callback only.
  std::span<const uint8_t> data;
  /// Picture width in pixels, as decoded (the sender chooses it and may change it mid-stream).
  int width = 0;
  /// Picture height in pixels, as decoded.
  int height = 0;
  /// When the picture is shown, from the stream's RTP time (90 kHz): microseconds after the
  /// first frame this stream delivered.
  std::chrono::microseconds timestamp{0};
  /// The participant whose stream it is (Janus feed id).
  std::string participant_id;

  /// Width of the U and V planes.
  int chroma_width() const { return (width + 1) / 2; }
  /// Height of the U and V planes.
  int chroma_height() const { return (height + 1) / 2; }
  /// The Y plane (stride = width).
  std::span<const uint8_t> y() const { return data.first(static_cast<size_t>(width) * height); }
  /// The U plane (stride = chroma_width()).
  std::span<const uint8_t> u() const {
    return data.subspan(static_cast<size_t>(width) * height, chroma_size());
  }
  /// The V plane (stride = chroma_width()).
  std::span<const uint8_t> v() const {
    return data.subspan(static_cast<size_t>(width) * height + chroma_size(), chroma_size());
  }

 private:
  size_t chroma_size() const { return static_cast<size_t>(chroma_width()) * chroma_height(); }
};

/// Receives a remote participant's decoded video (see Stream::add_sink), on a thread of the
/// meeting's own (never the network thread), which also decodes: a sink that takes long
/// delays only its own meeting's video, and frames that pile up behind it are dropped.
class VideoSink {
 public:
  virtual ~VideoSink() = default;
  /// One picture; `frame.data` is valid during the call only.
  virtual void on_video_frame(const ReceivedVideoFrame& frame) = 0;
};

}  // namespace roomcast
