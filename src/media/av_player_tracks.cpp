// AvAudioTrack, AvVideoTrack: decode, then place on the segment timeline: a boundary of the
// timeline is crossed at the same timestamp by both tracks.
#include "media/av_player_tracks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "media/audio_gain.hpp"
#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

double seconds_of(microseconds t) { return static_cast<double>(t.count()) / 1e6; }
microseconds micros_of(double seconds) { return microseconds(std::llround(seconds * 1e6)); }

// Playable silence for a first chunk when the decoder's own shape is outside what a chunk holds.
constexpr int kFallbackRateHz = 48000;
constexpr double kSilenceChunkSeconds = 0.02;

std::string paths_of(const AvPlayer& player) {
  std::string text;
  for (const PlayerFile& file : player.files()) {
    text += (text.empty() ? "" : ", ") + file.demuxer->path();
  }
  return text;
}

void free_packet(AVPacket* p) { av_packet_free(&p); }
using PacketPtr = core::CPtr<AVPacket, free_packet>;

bool is_cut(const Segment& from, const Segment& to) {
  return to.epoch != from.epoch || to.file != from.file;
}

} // namespace

std::optional<std::chrono::milliseconds> av_duration(const AvPlayer& player) {
  const FileMedia::Options& options = player.options();
  if (options.loop == FileMedia::kLoopForever) {
    return std::nullopt;
  }
  std::chrono::milliseconds one_play{0};
  for (const PlayerFile& file : player.files()) {
    const auto length = file.demuxer->duration();
    if (!length) {
      return std::nullopt;
    }
    one_play += *length;
  }
  return std::max(std::chrono::milliseconds(0), one_play * options.loop - options.start);
}

// ---- audio

AvAudioTrack::AvAudioTrack(std::shared_ptr<AvPlayer> player) : player_(std::move(player)) {
  gain_ = std::pow(10.0, player_->options().gain_db / 20.0);
  for (const PlayerFile& file : player_->files()) {
    SharedDemuxer* demuxer = file.demuxer.get();
    const int stream = file.audio_stream;
    decoders_.push_back(std::make_unique<AudioDecoder>(
        file.demuxer, stream, [this, demuxer, stream](AVPacket* out) { return demuxer->read(stream, epoch_, out); }));
  }
  const AudioDecoder& first = *decoders_.front();
  shape_.format = SampleFormat::Float32;
  shape_.sample_rate_hz = first.sample_rate_hz() >= 8000 && first.sample_rate_hz() <= 192000
                              ? first.sample_rate_hz()
                              : kFallbackRateHz;
  shape_.channels = std::clamp(first.channels(), 1, 8);
}

std::optional<std::chrono::milliseconds> AvAudioTrack::duration() const { return av_duration(*player_); }

std::string AvAudioTrack::description() const { return paths_of(*player_); }

AudioChunk AvAudioTrack::silence(double seconds) const {
  AudioChunk chunk = shape_;
  const std::size_t bytes = chunk.format == SampleFormat::S16 ? 2 : 4;
  const auto frames = static_cast<std::size_t>(std::max<long long>(1, std::llround(seconds * chunk.sample_rate_hz)));
  chunk.data.assign(frames * bytes * static_cast<std::size_t>(chunk.channels), std::byte{0});
  return chunk;
}

void AvAudioTrack::enter(const Segment& segment) {
  const PlayerFile& file = player_->files()[segment.file];
  held_.reset();
  drained_ = false;
  epoch_ = segment.epoch;
  file.demuxer->enter(file.audio_stream, segment.epoch);
  const microseconds from = std::max(segment.file_start, file.audio_offset);
  decoders_[segment.file]->restart(from - file.audio_offset);
  file_position_ = seconds_of(from);
}

std::optional<AudioChunk> AvAudioTrack::deliver(AudioChunk chunk) {
  if (chunk.sample_rate_hz > 0) {
    position_ += static_cast<double>(chunk.frames()) / chunk.sample_rate_hz;
  }
  player_->report(AvPlayer::Kind::Audio, micros_of(position_), segment_.id);
  return chunk;
}

std::optional<AudioChunk> AvAudioTrack::recv() {
  std::lock_guard lock(mutex_);
  if (ended_) {
    return std::nullopt;
  }
  if (!started_) {
    started_ = true;
    segment_ = player_->segment(0);
    enter(segment_);
  }
  for (;;) {
    const std::optional<Segment> next = player_->next_segment(segment_.id);
    const double boundary = next ? seconds_of(next->timeline_start) : std::numeric_limits<double>::infinity();
    const double half_sample = 0.5 / shape_.sample_rate_hz;
    if (next && position_ >= boundary - half_sample) {
      if (is_cut(segment_, *next)) {
        enter(*next);
      }
      segment_ = *next;
      continue;
    }
    if (segment_.paused) {
      return deliver(silence(std::min(kSilenceChunkSeconds, boundary - position_)));
    }
    // Where this segment puts the next decoded sample: later than here is a gap to fill.
    const double expected = seconds_of(segment_.timeline_start) + file_position_ - seconds_of(segment_.file_start);
    if (expected - position_ > half_sample) {
      return deliver(silence(std::min({kSilenceChunkSeconds, expected - position_, boundary - position_})));
    }
    std::optional<AudioChunk> chunk;
    if (held_) {
      chunk = std::move(held_);
      held_.reset();
    } else if (!drained_) {
      chunk = decoders_[segment_.file]->next_chunk();
      drained_ = !chunk;
    }
    if (!chunk) {
      if (next) { // silence up to the next segment (the picture lasts longer)
        return deliver(silence(std::min(kSilenceChunkSeconds, boundary - position_)));
      }
      microseconds end{0};
      if (player_->after_end(segment_.id, end)) {
        continue;
      }
      if (position_ < seconds_of(end) - half_sample) {
        return deliver(silence(std::min(kSilenceChunkSeconds, seconds_of(end) - position_)));
      }
      ended_ = true;
      return std::nullopt;
    }
    const std::size_t frames = chunk->frames();
    if (frames == 0 || chunk->sample_rate_hz <= 0) {
      continue;
    }
    shape_.format = chunk->format;
    shape_.sample_rate_hz = chunk->sample_rate_hz;
    shape_.channels = chunk->channels;
    const double length = static_cast<double>(frames) / chunk->sample_rate_hz;
    if (next && position_ + length > boundary + half_sample) {
      // The boundary falls inside: what lies past it waits for a resume, or goes (a cut).
      const auto keep = static_cast<std::size_t>(
          std::clamp<long long>(std::llround((boundary - position_) * chunk->sample_rate_hz), 0,
                                static_cast<long long>(frames)));
      const std::size_t frame_bytes = chunk->data.size() / frames;
      if (!is_cut(segment_, *next)) {
        AudioChunk rest = *chunk;
        rest.data.erase(rest.data.begin(), rest.data.begin() + static_cast<std::ptrdiff_t>(keep * frame_bytes));
        held_ = std::move(rest);
      }
      chunk->data.resize(keep * frame_bytes);
      if (keep == 0) {
        position_ = boundary; // within half a sample of it
        continue;
      }
    }
    file_position_ += static_cast<double>(chunk->frames()) / chunk->sample_rate_hz;
    if (gain_ != 1.0) {
      apply_gain(*chunk, gain_);
    }
    return deliver(std::move(*chunk));
  }
}

// ---- video

AvVideoTrack::AvVideoTrack(std::shared_ptr<AvPlayer> player) : player_(std::move(player)) {
  for (const PlayerFile& file : player_->files()) {
    SharedDemuxer* demuxer = file.demuxer.get();
    const int stream = file.video_stream;
    decoders_.push_back(std::make_unique<VideoDecoder>(
        file.demuxer, stream, [this, demuxer, stream](AVPacket* out) { return demuxer->read(stream, epoch_, out); }));
  }
  if (const double fps = decoders_.front()->frame_rate(); fps > 0) {
    step_ = microseconds(std::llround(1e6 / fps));
  }
  if (copying()) {
    const std::vector<PlayerFile>& files = player_->files();
    for (const PlayerFile& file : files) {
      const AVStream& stream = *file.demuxer->format().streams[file.video_stream];
      const VideoCodec codec = check_video_copy(stream, file.demuxer->path());
      if (copiers_.empty()) {
        codec_ = codec;
      } else if (codec != codec_) {
        throw Error(Error::Kind::Media, "'" + file.demuxer->path() + "' is " + codec_text(codec) + " where '" +
                                            files.front().demuxer->path() + "' is " + codec_text(codec_) +
                                            "; copied video cannot change codec within a playlist: re-encode one "
                                            "or drop --video-copy");
      }
      copiers_.push_back(std::make_unique<VideoPacketCopier>(stream, codec));
    }
  }
}

void AvVideoTrack::start_once() {
  if (!started_) {
    started_ = true;
    segment_ = player_->segment(0);
    enter(segment_);
  }
}

AvVideoTrack::Next AvVideoTrack::next() {
  std::lock_guard lock(mutex_);
  start_once();
  PacketPtr packet(av_packet_alloc());
  for (;;) {
    const std::optional<Segment> next_segment = player_->next_segment(segment_.id);
    auto switch_to = [&](const Segment& to) {
      if (is_cut(segment_, to)) {
        enter(to);
      }
      segment_ = to;
    };
    if (segment_.paused) { // nothing to send: the receivers' decoders show the last picture
      if (next_segment) {
        switch_to(*next_segment);
        continue;
      }
      return Next{Next::Kind::Wait, {}};
    }
    std::optional<EncodedVideoFrame> frame; // its timestamp the file time until placed
    if (held_frame_) {
      frame = std::move(held_frame_);
      held_frame_.reset();
    } else if (!drained_) {
      const PlayerFile& file = player_->files()[segment_.file];
      if (file.demuxer->read(file.video_stream, epoch_, packet.get()) < 0) {
        drained_ = true;
      } else {
        const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
        const microseconds file_time = pts != AV_NOPTS_VALUE
                                           ? file.demuxer->file_time(file.video_stream, pts)
                                           : segment_.file_start + (next_slot() - segment_.timeline_start);
        frame = copiers_[segment_.file]->convert(*packet, file_time);
        av_packet_unref(packet.get());
        if (!frame) {
          ++skipped_;
          continue;
        }
      }
    }
    if (!frame) {
      if (next_segment) {
        switch_to(*next_segment);
        continue;
      }
      microseconds end{0};
      if (player_->after_end(segment_.id, end)) {
        continue;
      }
      return Next{Next::Kind::End, {}};
    }
    const microseconds t = segment_.timeline_start + (frame->timestamp - segment_.file_start);
    if (next_segment && t >= next_segment->timeline_start) {
      if (!is_cut(segment_, *next_segment)) {
        held_frame_ = std::move(frame);
      }
      switch_to(*next_segment);
      continue;
    }
    if (last_ && t < *last_ && last_segment_ == segment_.id) {
      throw Error(Error::Kind::Media, "'" + player_->files()[segment_.file].demuxer->path() +
                                          "': its video's frames come out of order (B-frames), which cannot be "
                                          "sent as they are; re-encode it with -bf 0 or drop --video-copy");
    }
    frame->timestamp = t;
    last_ = t;
    last_segment_ = segment_.id;
    player_->report(AvPlayer::Kind::Video, t + step_, segment_.id);
    return Next{Next::Kind::Frame, std::move(*frame)};
  }
}

std::optional<std::chrono::milliseconds> AvVideoTrack::duration() const { return av_duration(*player_); }

std::string AvVideoTrack::description() const { return paths_of(*player_); }

microseconds AvVideoTrack::next_slot() const { return last_ ? *last_ + step_ : segment_.timeline_start; }

void AvVideoTrack::enter(const Segment& segment) {
  const PlayerFile& file = player_->files()[segment.file];
  held_.reset();
  held_frame_.reset();
  drained_ = false;
  epoch_ = segment.epoch;
  file.demuxer->enter(file.video_stream, segment.epoch);
  if (copying()) {
    return; // the packets go out as they are: no decoder to start afresh
  }
  decoders_[segment.file]->restart(std::max(microseconds(0), segment.file_start - file.video_offset));
}

std::optional<VideoFrame> AvVideoTrack::recv() {
  if (copying()) {
    throw Error(Error::Kind::Media, "'" + description() + "' is opened with video copy: its frames go out as "
                                    "they are and recv() has no pictures; open it without copy to decode it");
  }
  std::lock_guard lock(mutex_);
  start_once();
  for (;;) {
    const std::optional<Segment> next = player_->next_segment(segment_.id);
    auto switch_to = [&](const Segment& to) {
      if (is_cut(segment_, to)) {
        enter(to);
      }
      segment_ = to;
    };
    if (segment_.paused) {
      if (next && next_slot() >= next->timeline_start) {
        switch_to(*next);
        continue;
      }
      if (!last_picture_) {
        // Paused before any picture was shown: the one at the pause point stands.
        if (!held_ && !drained_) {
          held_ = decoders_[segment_.file]->next();
          drained_ = !held_;
        }
        if (!held_) {
          if (next) {
            switch_to(*next);
            continue;
          }
          return std::nullopt;
        }
        last_picture_ = held_->frame;
      }
      VideoFrame frame = *last_picture_;
      frame.timestamp = next_slot();
      last_ = frame.timestamp;
      player_->report(AvPlayer::Kind::Video, *last_ + step_, segment_.id);
      return frame;
    }
    std::optional<DecodedPicture> picture;
    if (held_) {
      picture = std::move(held_);
      held_.reset();
    } else if (!drained_) {
      picture = decoders_[segment_.file]->next();
      drained_ = !picture;
    }
    if (!picture) {
      if (next) { // the last picture stands until the next segment's first
        switch_to(*next);
        continue;
      }
      microseconds end{0};
      if (player_->after_end(segment_.id, end)) {
        continue;
      }
      return std::nullopt;
    }
    const PlayerFile& file = player_->files()[segment_.file];
    const microseconds file_time = picture->pts
                                       ? *picture->pts + file.video_offset
                                       : segment_.file_start + (next_slot() - segment_.timeline_start);
    if (file_time + step_ / 2 < segment_.file_start) {
      continue; // before a seek's target
    }
    const microseconds t = segment_.timeline_start + (file_time - segment_.file_start);
    if (next && t >= next->timeline_start) {
      if (!is_cut(segment_, *next)) {
        held_ = std::move(picture);
      }
      switch_to(*next);
      continue;
    }
    last_ = t;
    picture->frame.timestamp = t;
    last_picture_ = picture->frame;
    player_->report(AvPlayer::Kind::Video, t + step_, segment_.id);
    return std::move(picture->frame);
  }
}

} // namespace roomcast::media
