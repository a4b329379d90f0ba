// SharedDemuxer: libavformat reading into per-stream queues; seeks as epochs with markers.
#include "media/shared_demuxer.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "core/log.hpp"
#include "media/av_error.hpp"
#include "media/media_input.hpp"
#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

// A file that keeps failing gives up after this many read errors in a row.
constexpr int kMaxConsecutiveErrors = 64;
constexpr AVRational kMicroseconds{1, 1000000};

[[noreturn]] void fail(const std::string& message) { throw Error(Error::Kind::Media, message); }

bool is_cover_art(const AVStream& stream) {
  return (stream.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
}

std::string seconds_text(std::chrono::microseconds t) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", static_cast<double>(t.count()) / 1e6);
  return text;
}

} // namespace

SharedDemuxer::SharedDemuxer(const std::string& path) : path_(path), quoted_("'" + path + "'") {
  format_.reset(open_media_input(path, "media", "MP4 (H.264 + AAC), WebM (VP8 + Opus), MKV"));
  for (unsigned i = 0; i < format_->nb_streams; ++i) {
    format_->streams[i]->discard = AVDISCARD_ALL; // until use()
  }
}

SharedDemuxer::~SharedDemuxer() = default;

int SharedDemuxer::find_stream(AVMediaType type, int nth) const {
  int seen = 0;
  for (unsigned i = 0; i < format_->nb_streams; ++i) {
    const AVStream& stream = *format_->streams[i];
    if (stream.codecpar->codec_type == type && !is_cover_art(stream) && seen++ == nth) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int SharedDemuxer::count_streams(AVMediaType type) const {
  int n = 0;
  while (find_stream(type, n) >= 0) {
    ++n;
  }
  return n;
}

void SharedDemuxer::use(int stream_index) {
  std::lock_guard lock(mutex_);
  format_->streams[stream_index]->discard = AVDISCARD_DEFAULT;
  queues_[stream_index];
  std::optional<int64_t> origin;
  for (const auto& [index, queue] : queues_) {
    const AVStream& stream = *format_->streams[index];
    if (stream.start_time != AV_NOPTS_VALUE) {
      const int64_t start = av_rescale_q(stream.start_time, stream.time_base, kMicroseconds);
      origin = origin ? std::min(*origin, start) : start;
    }
  }
  origin_us_ = origin.value_or(0);
}

int64_t SharedDemuxer::origin_us() const {
  std::lock_guard lock(mutex_);
  return origin_us_;
}

std::chrono::microseconds SharedDemuxer::file_time(int stream_index, int64_t pts) const {
  const AVStream& stream = *format_->streams[stream_index];
  return std::chrono::microseconds(av_rescale_q(pts, stream.time_base, kMicroseconds) -
                                   origin_us());
}

std::optional<std::chrono::milliseconds> SharedDemuxer::duration() const {
  if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0) {
    return std::chrono::milliseconds(av_rescale(format_->duration, 1000, AV_TIME_BASE));
  }
  return std::nullopt;
}

bool SharedDemuxer::seekable() const {
  return format_->pb != nullptr && (format_->pb->seekable & AVIO_SEEKABLE_NORMAL) != 0;
}

void SharedDemuxer::note_end_locked(const AVPacket& packet) {
  const int64_t pts = packet.pts != AV_NOPTS_VALUE ? packet.pts : packet.dts;
  if (pts == AV_NOPTS_VALUE) {
    return;
  }
  const AVStream& stream = *format_->streams[packet.stream_index];
  int64_t end = pts + std::max<int64_t>(packet.duration, 0);
  if (packet.duration <= 0 && stream.codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
    // WebM blocks often carry no duration: one frame at the stream's rate.
    const AVRational rate = stream.avg_frame_rate.num > 0 ? stream.avg_frame_rate : stream.r_frame_rate;
    if (rate.num > 0 && rate.den > 0) {
      end += av_rescale_q(1, av_inv_q(rate), stream.time_base);
    }
  }
  const std::chrono::microseconds t(av_rescale_q(end, stream.time_base, kMicroseconds) - origin_us_);
  end_seen_ = end_seen_ ? std::max(*end_seen_, t) : t;
}

int SharedDemuxer::read_more_locked() {
  if (eof_) {
    return AVERROR_EOF;
  }
  PacketPtr packet(av_packet_alloc());
  if (!packet) {
    fail("cannot read " + quoted_ + ": out of memory allocating a packet");
  }
  const int rc = av_read_frame(format_.get(), packet.get());
  if (rc < 0) {
    if (rc != AVERROR_EOF && ++consecutive_errors_ < kMaxConsecutiveErrors &&
        !(format_->pb != nullptr && avio_feof(format_->pb))) {
      return 0; // a damaged span: the decoders see the hole in the timestamps
    }
    eof_ = true;
    return AVERROR_EOF;
  }
  consecutive_errors_ = 0;
  auto it = queues_.find(packet->stream_index);
  if (it == queues_.end()) {
    return 0;
  }
  note_end_locked(*packet);
  Queue& queue = it->second;
  queue.bytes += static_cast<std::size_t>(packet->size);
  queue.entries.push_back(Entry{std::move(packet), epoch_});
  // A stream nobody reads (a track not sent) must not hold the whole file in memory.
  while (queue.entries.size() > kMaxQueuedPackets || queue.bytes > kMaxQueuedBytes) {
    auto oldest = std::find_if(queue.entries.begin(), queue.entries.end(),
                               [](const Entry& e) { return e.packet != nullptr; });
    if (oldest == queue.entries.end()) {
      break;
    }
    queue.bytes -= static_cast<std::size_t>(oldest->packet->size);
    queue.entries.erase(oldest);
    ++dropped_;
    if (!warned_drop_) {
      warned_drop_ = true;
      core::log_info(quoted_, ": stream ", it->first,
                     " is not being read (its track not sent?): its oldest packets are dropped");
    }
  }
  return 0;
}

int SharedDemuxer::read(int stream_index, uint64_t epoch, AVPacket* out) {
  std::lock_guard lock(mutex_);
  Queue& queue = queues_.at(stream_index);
  for (;;) {
    while (!queue.entries.empty()) {
      Entry& front = queue.entries.front();
      if (front.epoch < epoch) { // left over from an epoch the reader has left
        if (front.packet) {
          queue.bytes -= static_cast<std::size_t>(front.packet->size);
        }
        queue.entries.pop_front();
        continue;
      }
      if (!front.packet || front.epoch > epoch) {
        return AVERROR_EOF; // the marker of the next epoch: this one ended
      }
      queue.bytes -= static_cast<std::size_t>(front.packet->size);
      av_packet_move_ref(out, front.packet.get());
      queue.entries.pop_front();
      return 0;
    }
    if (epoch < epoch_) {
      return AVERROR_EOF;
    }
    if (read_more_locked() < 0) {
      return AVERROR_EOF;
    }
  }
}

void SharedDemuxer::enter(int stream_index, uint64_t epoch) {
  std::lock_guard lock(mutex_);
  Queue& queue = queues_.at(stream_index);
  while (!queue.entries.empty() && queue.entries.front().epoch <= epoch) {
    const bool marker_of_epoch = !queue.entries.front().packet && queue.entries.front().epoch == epoch;
    if (!marker_of_epoch && queue.entries.front().epoch == epoch) {
      break; // a packet of the epoch entered: the marker went before
    }
    if (queue.entries.front().packet) {
      queue.bytes -= static_cast<std::size_t>(queue.entries.front().packet->size);
    }
    queue.entries.pop_front();
    if (marker_of_epoch) {
      break;
    }
  }
}

void SharedDemuxer::cut(uint64_t epoch, std::optional<std::chrono::microseconds> target,
                        int seek_stream) {
  std::lock_guard lock(mutex_);
  epoch_ = epoch;
  for (auto& [index, queue] : queues_) {
    queue.entries.push_back(Entry{nullptr, epoch});
  }
  if (!target) {
    return;
  }
  AVStream* stream = format_->streams[seek_stream];
  const int64_t origin = av_rescale_q(origin_us_, kMicroseconds, stream->time_base);
  int64_t ts = origin + av_rescale_q(target->count(), kMicroseconds, stream->time_base);
  if (target->count() <= 0) {
    // Back to the start is the first packet, also when it precedes the stream's start (MP4's
    // AAC priming, which the demuxer then has the decoder skip, as at the first play).
    if (const AVIndexEntry* entry = avformat_index_get_entry(stream, 0);
        entry != nullptr && entry->timestamp < ts) {
      ts = entry->timestamp;
    }
  }
  const int rc = av_seek_frame(format_.get(), seek_stream, ts, AVSEEK_FLAG_BACKWARD);
  if (rc < 0) {
    fail("cannot seek in " + quoted_ + " to " + seconds_text(*target) + " (" + av_error_text(rc) +
         ")");
  }
  eof_ = false;
  consecutive_errors_ = 0;
  end_seen_.reset();
}

std::optional<std::chrono::microseconds> SharedDemuxer::peek_time(int stream_index) {
  std::lock_guard lock(mutex_);
  Queue& queue = queues_.at(stream_index);
  for (;;) {
    for (const Entry& entry : queue.entries) {
      if (entry.packet && entry.epoch == epoch_) {
        const int64_t pts = entry.packet->pts != AV_NOPTS_VALUE ? entry.packet->pts : entry.packet->dts;
        if (pts == AV_NOPTS_VALUE) {
          return std::nullopt;
        }
        const AVStream& stream = *format_->streams[stream_index];
        return std::chrono::microseconds(av_rescale_q(pts, stream.time_base, kMicroseconds) -
                                         origin_us_);
      }
    }
    if (read_more_locked() < 0) {
      return std::nullopt;
    }
  }
}

std::optional<std::chrono::microseconds> SharedDemuxer::end_seen() const {
  std::lock_guard lock(mutex_);
  return end_seen_;
}

bool SharedDemuxer::at_end() const {
  std::lock_guard lock(mutex_);
  return eof_;
}

std::size_t SharedDemuxer::dropped_packets() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

} // namespace roomcast::media
