// AvPlayer: FileMedia's shared state: the files (one SharedDemuxer each), the timeline both
// tracks play on as segments, and the player's controls, which cut that timeline.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "media/shared_demuxer.hpp"
#include "roomcast/file_media.hpp"

namespace roomcast::media {

using std::chrono::microseconds;

/// A stretch of the tracks' timeline that plays one file from one place. A new segment
/// begins at every control and at the end of each file or play. Both tracks change segment
/// at the same point of the timeline (not of the wall clock: the audio is read ~200 ms ahead of
/// the video), so whatever the controls do, audio and video stay in step.
struct Segment {
  uint64_t id = 0;
  microseconds timeline_start{0};  ///< on the tracks' timeline (their timestamps)
  microseconds file_start{0};      ///< the file time shown at timeline_start
  std::size_t file = 0;            ///< playlist entry
  int play = 1;                    ///< pass of a loop, from 1
  /// The demuxer's epoch feeding it: a segment with a new epoch (seek, next file, loop)
  /// starts its decoders afresh; pause and resume keep the epoch and the decoders' state.
  uint64_t epoch = 0;
  bool paused = false;             ///< audio silent, the picture held, the file still
};

/// One playlist entry: its demuxer and which of its streams the tracks read.
struct PlayerFile {
  std::shared_ptr<SharedDemuxer> demuxer;
  int audio_stream = -1;
  int video_stream = -1;
  microseconds audio_offset{0};  ///< the audio stream's start in file time
  microseconds video_offset{0};
  bool cut_before = false;       ///< read (or moved) before: a new play must seek it
};

/// Shared by FileMedia and its two tracks (each track holds it: either may outlive the rest).
/// Segments, positions and controls under one mutex; the demuxers lock on their own (after).
class AvPlayer {
 public:
  enum class Kind { Audio, Video };

  /// `with_audio` false: the files' audio is not read (FileVideoTrack copying a file's video).
  AvPlayer(const std::vector<std::string>& paths, FileMedia::Options options, bool with_audio = true);

  const FileMedia::Options& options() const { return options_; }
  const std::vector<PlayerFile>& files() const { return files_; }
  bool has_audio() const { return files_.front().audio_stream >= 0; }
  bool has_video() const { return files_.front().video_stream >= 0; }

  /// Reader side. The segment with id `id` (the oldest kept one when it was dropped).
  Segment segment(uint64_t id) const;
  /// The segment after `id`, if the timeline has one yet.
  std::optional<Segment> next_segment(uint64_t id) const;
  /// A reader found the end of segment `id`'s packets (its file's end, or a cut it must go
  /// on to): the next segment, made now if the file ended (next file, next play); nullopt
  /// when nothing follows. `end` then says where the last segment ends on the timeline.
  std::optional<Segment> after_end(uint64_t id, microseconds& end);
  /// Where a reader is on the timeline (what it handed out ends there), for the controls.
  void report(Kind kind, microseconds position, uint64_t segment_id);

  /// Controls (any thread): each starts a segment where the reader furthest ahead is.
  void seek(microseconds offset);
  void pause();
  void resume();
  bool paused() const;
  microseconds position() const;
  std::size_t current_file() const;
  int current_play() const;

 private:
  microseconds cut_point_locked() const;
  Segment& append_locked(Segment segment);
  std::optional<Segment> follow_end_locked(const Segment& last, microseconds at);
  void open_epoch_locked(Segment& segment, std::optional<microseconds> target);

  FileMedia::Options options_;
  std::vector<PlayerFile> files_;

  mutable std::mutex mutex_;
  std::deque<Segment> segments_;
  uint64_t next_epoch_ = 1;
  bool ended_ = false;
  microseconds end_{0};
  microseconds audio_position_{0}, video_position_{0};
  uint64_t audio_segment_ = 0, video_segment_ = 0;
  bool audio_reads_ = false, video_reads_ = false;
};

}  // namespace roomcast::media
