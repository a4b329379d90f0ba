// SharedDemuxer: one media file's demuxer feeding several stream readers (audio and video
// decoders, a video copy) from per-stream packet queues, cut into epochs by seeks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/c_ptr.hpp"

extern "C" {
#include <libavcodec/packet.h>
#include <libavformat/avformat.h>
}

namespace roomcast::media {

/// A stream reader's packet source: 0 with a packet in `out`, AVERROR_EOF at the end of its
/// epoch (a seek or the end of the file), or another AVERROR.
using PacketReader = std::function<int(AVPacket* out)>;

/// Why queues: a reader asking for its next packet makes the demuxer read the file until one
/// of its stream comes; the other streams' packets met on the way wait in their queues for
/// their readers, which run on other threads at other times (audio ~200 ms ahead of video).
///
/// Epochs: cut() seeks the file and puts a marker into every queue, so a reader still playing
/// what came before the seek finds its packets up to the marker and then the end of its epoch;
/// enter() takes it past the marker to what follows. Every method locks: any thread.
class SharedDemuxer {
 public:
  /// A queue holding more than this for a stream nobody reads drops its oldest packets.
  static constexpr std::size_t kMaxQueuedPackets = 4096;
  static constexpr std::size_t kMaxQueuedBytes = 64u << 20;

  /// Opens and probes; throws Error(Kind::Media) naming the file (missing, unreadable, not
  /// media).
  explicit SharedDemuxer(const std::string& path);
  ~SharedDemuxer();
  SharedDemuxer(const SharedDemuxer&) = delete;
  SharedDemuxer& operator=(const SharedDemuxer&) = delete;

  const std::string& path() const { return path_; }
  /// For probing the streams (codec parameters, time bases): read-only, no reading.
  const AVFormatContext& format() const { return *format_; }
  /// The index of the `nth` stream of `type` (cover pictures are not video), or -1.
  int find_stream(AVMediaType type, int nth) const;
  /// How many streams of `type` there are (cover pictures are not video).
  int count_streams(AVMediaType type) const;
  /// Queues packets of `stream_index` from now on (the others are discarded). Before reading.
  void use(int stream_index);
  /// Where file time 0 is, in microseconds of the container's clock: the earliest start of the
  /// streams used, so their timestamps share one origin.
  int64_t origin_us() const;
  /// File time (from origin_us()) of `pts` in `stream_index`'s time base.
  std::chrono::microseconds file_time(int stream_index, int64_t pts) const;
  std::optional<std::chrono::milliseconds> duration() const;
  bool seekable() const;

  /// Reader side: the next packet of `stream_index` for a reader in `epoch`.
  int read(int stream_index, uint64_t epoch, AVPacket* out);
  /// A reader of `stream_index` moves on to `epoch`: what its queue holds before that epoch's
  /// marker is dropped.
  void enter(int stream_index, uint64_t epoch);
  /// Starts `epoch`: a marker in every queue, then the file is moved to `target` (file time) on
  /// `seek_stream` (the keyframe at or before it; nullopt: no move, e.g. a file not read yet).
  /// Throws Error(Kind::Media) when the file cannot seek.
  void cut(uint64_t epoch, std::optional<std::chrono::microseconds> target, int seek_stream);
  /// The first packet of `stream_index` after the last cut, read ahead if need be (others
  /// queued): its file time, nullopt at the end. For a copy, which starts at a keyframe.
  std::optional<std::chrono::microseconds> peek_time(int stream_index);
  /// Since the last cut: the latest end (pts + duration, file time) of a packet read, and
  /// whether the file's end was reached.
  std::optional<std::chrono::microseconds> end_seen() const;
  bool at_end() const;
  /// Packets dropped from the queue of a stream nobody read.
  std::size_t dropped_packets() const;

 private:
  static void free_packet(AVPacket* p) { av_packet_free(&p); }
  static void close_format(AVFormatContext* c) { avformat_close_input(&c); }
  using PacketPtr = core::CPtr<AVPacket, free_packet>;
  struct Entry {
    PacketPtr packet;     // null: the marker of `epoch`
    uint64_t epoch = 0;
  };
  struct Queue {
    std::deque<Entry> entries;
    std::size_t bytes = 0;
  };

  int read_more_locked();  // one packet from the file into its queue; 0, EOF or error
  void note_end_locked(const AVPacket& packet);

  std::string path_;
  std::string quoted_;
  core::CPtr<AVFormatContext, close_format> format_;
  mutable std::mutex mutex_;
  std::map<int, Queue> queues_;  // the streams used
  int64_t origin_us_ = 0;  // see origin_us()
  uint64_t epoch_ = 0;
  bool eof_ = false;
  int consecutive_errors_ = 0;
  std::optional<std::chrono::microseconds> end_seen_;
  std::size_t dropped_ = 0;
  bool warned_drop_ = false;
};

}  // namespace roomcast::media
