// AvPlayer: opening the files, the segment timeline, what comes after a file's end, controls.
#include "media/av_player.hpp"

#include <algorithm>
#include <cstdio>

#include "media/player_options.hpp"
#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

// A seek starts the demuxer this much before its target: lossy audio needs the packets before
// a sample to decode it right (AAC's overlapping MDCT, MP3's bit reservoir, Opus' pre-roll).
constexpr microseconds kSeekPreroll{100000};
constexpr AVRational kMicroseconds{1, 1000000};

std::string seconds_text(microseconds t) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", static_cast<double>(t.count()) / 1e6);
  return text;
}

std::string kinds_text(const PlayerFile& f) {
  return f.audio_stream >= 0 && f.video_stream >= 0 ? "audio and video"
         : f.audio_stream >= 0                      ? "audio but no video"
                                                    : "video but no audio";
}

microseconds stream_offset(const SharedDemuxer& demuxer, int stream) {
  const AVStream& s = *demuxer.format().streams[stream];
  if (s.start_time == AV_NOPTS_VALUE) {
    return microseconds(0);
  }
  return microseconds(av_rescale_q(s.start_time, s.time_base, kMicroseconds) - demuxer.origin_us());
}

PlayerFile open_file(const std::string& path, const FileMedia::Options& options, bool with_audio) {
  PlayerFile file;
  file.demuxer = std::make_shared<SharedDemuxer>(path);
  const SharedDemuxer& d = *file.demuxer;
  const std::string quoted = "'" + path + "'";
  file.audio_stream = with_audio ? d.find_stream(AVMEDIA_TYPE_AUDIO, options.audio_stream) : -1;
  file.video_stream = d.find_stream(AVMEDIA_TYPE_VIDEO, options.video_stream);
  const int audio_count = with_audio ? d.count_streams(AVMEDIA_TYPE_AUDIO) : 0;
  const int video_count = d.count_streams(AVMEDIA_TYPE_VIDEO);
  if (audio_count == 0 && video_count == 0) {
    throw Error(Error::Kind::Media, quoted + (with_audio ? " has neither audio nor video; choose a media file with "
                                                           "sound or picture"
                                                         : " has no video stream; choose a file with video"));
  }
  if (audio_count > 0 && file.audio_stream < 0) {
    throw Error(Error::Kind::Config, quoted + " has " + std::to_string(audio_count) +
                                         " audio stream(s); audio stream " +
                                         std::to_string(options.audio_stream) + " does not exist");
  }
  if (video_count > 0 && file.video_stream < 0) {
    throw Error(Error::Kind::Config, quoted + " has " + std::to_string(video_count) +
                                         " video stream(s); video stream " +
                                         std::to_string(options.video_stream) + " does not exist");
  }
  for (int stream : {file.audio_stream, file.video_stream}) {
    if (stream >= 0) {
      file.demuxer->use(stream);
    }
  }
  if (file.audio_stream >= 0) {
    file.audio_offset = stream_offset(d, file.audio_stream);
  }
  if (file.video_stream >= 0) {
    file.video_offset = stream_offset(d, file.video_stream);
  }
  return file;
}

} // namespace

AvPlayer::AvPlayer(const std::vector<std::string>& paths, FileMedia::Options options, bool with_audio)
    : options_(options) {
  check_player_options(options_.loop, options_.start, options_.gain_db);
  if (paths.empty()) {
    throw Error(Error::Kind::Config, "a playlist needs at least one file; got none");
  }
  for (const std::string& path : paths) {
    files_.push_back(open_file(path, options_, with_audio));
    const PlayerFile& first = files_.front();
    const PlayerFile& file = files_.back();
    if ((file.audio_stream >= 0) != (first.audio_stream >= 0) ||
        (file.video_stream >= 0) != (first.video_stream >= 0)) {
      throw Error(Error::Kind::Media, "'" + path + "' has " + kinds_text(file) + " where '" +
                                          paths.front() + "' has " + kinds_text(first) +
                                          "; a playlist's files must all hold the same kinds");
    }
    if (options_.loop != 1 && !file.demuxer->seekable()) {
      throw Error(Error::Kind::Config, "cannot loop '" + path +
                                           "': a stream that cannot seek cannot be rewound; save "
                                           "it to a file and play that");
    }
  }
  Segment first;
  if (options_.start.count() > 0) {
    const auto length = files_.front().demuxer->duration();
    if (length && options_.start >= *length) {
      throw Error(Error::Kind::Media, "start " + seconds_text(options_.start) +
                                          " is past the end of '" + paths.front() + "' (" +
                                          seconds_text(*length) + "); give a start within the file");
    }
    first.file_start = options_.start;
    open_epoch_locked(first, std::max(microseconds(0), microseconds(options_.start) - kSeekPreroll));
  }
  segments_.push_back(first);
}

Segment AvPlayer::segment(uint64_t id) const {
  std::lock_guard lock(mutex_);
  if (id < segments_.front().id) {
    return segments_.front();
  }
  return segments_[std::min<std::size_t>(id - segments_.front().id, segments_.size() - 1)];
}

std::optional<Segment> AvPlayer::next_segment(uint64_t id) const {
  std::lock_guard lock(mutex_);
  const uint64_t first = segments_.front().id;
  if (id + 1 < first) {
    return segments_.front();
  }
  const std::size_t at = id + 1 - first;
  if (at < segments_.size()) {
    return segments_[at];
  }
  return std::nullopt;
}

microseconds AvPlayer::cut_point_locked() const {
  return std::max({audio_position_, video_position_, segments_.back().timeline_start});
}

Segment& AvPlayer::append_locked(Segment segment) {
  segment.id = segments_.back().id + 1;
  segments_.push_back(segment);
  return segments_.back();
}

void AvPlayer::open_epoch_locked(Segment& segment, std::optional<microseconds> target) {
  segment.epoch = next_epoch_++;
  PlayerFile& file = files_[segment.file];
  // A file not read yet is where it should be for a start from 0.
  if (!file.cut_before && target && target->count() == 0) {
    target.reset();
  }
  const int seek_stream = file.video_stream >= 0 ? file.video_stream : file.audio_stream;
  file.demuxer->cut(segment.epoch, target, seek_stream);
  file.cut_before = true;
  if (options_.video_copy && file.video_stream >= 0) {
    // Copied video starts at the keyframe the demuxer found: the audio starts there too.
    if (auto keyframe = file.demuxer->peek_time(file.video_stream)) {
      segment.file_start = std::max(microseconds(0), *keyframe);
    }
  }
}

std::optional<Segment> AvPlayer::follow_end_locked(const Segment& last, microseconds at) {
  Segment next;
  next.timeline_start = at;
  next.paused = last.paused;
  if (last.file + 1 < files_.size()) {
    next.file = last.file + 1;
    next.play = last.play;
  } else if (options_.loop == FileMedia::kLoopForever || last.play < options_.loop) {
    next.file = 0;
    next.play = last.play + 1;
    for (PlayerFile& file : files_) {
      file.cut_before = true; // all read: the new play rewinds each
    }
  } else {
    ended_ = true;
    end_ = at;
    return std::nullopt;
  }
  open_epoch_locked(next, microseconds(0));
  return append_locked(next);
}

std::optional<Segment> AvPlayer::after_end(uint64_t id, microseconds& end) {
  std::lock_guard lock(mutex_);
  const uint64_t first = segments_.front().id;
  if (id + 1 >= first && id + 1 - first < segments_.size()) {
    return segments_[id + 1 - first];
  }
  if (ended_) {
    end = end_;
    return std::nullopt;
  }
  const Segment last = segments_.back();
  const PlayerFile& file = files_[last.file];
  const auto file_end = file.demuxer->end_seen();
  if (!file_end && options_.loop != 1 && files_.size() == 1) {
    // A play that yielded nothing would loop without end.
    ended_ = true;
    end_ = cut_point_locked();
    end = end_;
    return std::nullopt;
  }
  const microseconds at =
      file_end ? std::max(last.timeline_start, last.timeline_start + (*file_end - last.file_start))
               : cut_point_locked();
  auto next = follow_end_locked(last, at);
  end = at;
  return next;
}

void AvPlayer::report(Kind kind, microseconds position, uint64_t segment_id) {
  std::lock_guard lock(mutex_);
  if (kind == Kind::Audio) {
    audio_position_ = std::max(audio_position_, position);
    audio_segment_ = segment_id;
    audio_reads_ = true;
  } else {
    video_position_ = std::max(video_position_, position);
    video_segment_ = segment_id;
    video_reads_ = true;
  }
  // Segments both readers left behind are done with.
  uint64_t oldest = segments_.back().id;
  if (audio_reads_) {
    oldest = std::min(oldest, audio_segment_);
  }
  if (video_reads_) {
    oldest = std::min(oldest, video_segment_);
  }
  while (segments_.size() > 1 && segments_.front().id < oldest) {
    segments_.pop_front();
  }
}

void AvPlayer::seek(microseconds offset) {
  std::lock_guard lock(mutex_);
  if (ended_) {
    return;
  }
  offset = std::max(offset, microseconds(0));
  const microseconds at = cut_point_locked();
  const Segment current = segments_.back();
  const auto length = files_[current.file].demuxer->duration();
  if (length && offset >= *length) {
    follow_end_locked(current, at); // past the end: the next file or play
    return;
  }
  files_[current.file].cut_before = true; // being read: even a seek to 0 moves it
  Segment next = current;
  next.timeline_start = at;
  next.file_start = offset;
  // Copied video can only start at a keyframe: the one at or before the target.
  const bool copy = options_.video_copy && files_[current.file].video_stream >= 0;
  open_epoch_locked(next, copy ? offset : std::max(microseconds(0), offset - kSeekPreroll));
  append_locked(next);
}

void AvPlayer::pause() {
  std::lock_guard lock(mutex_);
  const Segment current = segments_.back();
  if (current.paused || ended_) {
    return;
  }
  Segment next = current;
  next.timeline_start = cut_point_locked();
  next.file_start = current.file_start + (next.timeline_start - current.timeline_start);
  next.paused = true;
  append_locked(next);
}

void AvPlayer::resume() {
  std::lock_guard lock(mutex_);
  const Segment current = segments_.back();
  if (!current.paused || ended_) {
    return;
  }
  Segment next = current;
  next.timeline_start = cut_point_locked();
  next.paused = false;
  append_locked(next);
}

bool AvPlayer::paused() const {
  std::lock_guard lock(mutex_);
  return segments_.back().paused;
}

microseconds AvPlayer::position() const {
  std::lock_guard lock(mutex_);
  const Segment& current = segments_.back();
  if (current.paused) {
    return current.file_start;
  }
  return std::max(microseconds(0), current.file_start + (cut_point_locked() - current.timeline_start));
}

std::size_t AvPlayer::current_file() const {
  std::lock_guard lock(mutex_);
  return segments_.back().file;
}

int AvPlayer::current_play() const {
  std::lock_guard lock(mutex_);
  return segments_.back().play;
}

} // namespace roomcast::media
