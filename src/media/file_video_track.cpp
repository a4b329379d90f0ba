// FileVideoTrack: a player over a VideoDecoder: start offset, loops, the track's timeline.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>

#include "core/log.hpp"
#include "media/av_player.hpp"
#include "media/av_player_tracks.hpp"
#include "media/video_decoder.hpp"
#include "roomcast/error.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast {
namespace {

using std::chrono::microseconds;

// Frame spacing when neither the container nor the timestamps tell (30 fps).
constexpr microseconds kFallbackFrameStep{33333};

std::string seconds_text(microseconds t) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", static_cast<double>(t.count()) / 1e6);
  return text;
}

// Checked before anything is opened: a bad option costs no probe.
FileVideoTrack::Options checked(const FileVideoTrack::Options& options) {
  if (options.loop < 0) {
    throw Error(Error::Kind::Config, "loop is " + std::to_string(options.loop) +
                                         "; give a play count: 1 or more, or 0 to loop forever");
  }
  if (options.start.count() < 0) {
    throw Error(Error::Kind::Config, "start is " + std::to_string(options.start.count()) +
                                         " ms; give an offset of 0 or more");
  }
  return options;
}

// Copy: the file's packets through a video-only AvPlayer (its timeline, loops and start).
std::shared_ptr<media::AvVideoTrack> open_copy(const std::string& path, const FileVideoTrack::Options& options) {
  FileMedia::Options media_options;
  media_options.video_stream = options.video_stream;
  media_options.loop = options.loop;
  media_options.start = options.start;
  media_options.video_copy = true;
  return std::make_shared<media::AvVideoTrack>(
      std::make_shared<media::AvPlayer>(std::vector<std::string>{path}, media_options, false));
}

} // namespace

struct FileVideoTrack::Impl {
  Options options;
  std::shared_ptr<media::AvVideoTrack> copy;   // Options::copy
  std::unique_ptr<media::VideoDecoder> own;    // otherwise
  media::VideoDecoder& decoder;
  microseconds nominal_step{0};

  // recv()'s state (one caller at a time).
  bool ended = false;
  int play = 1;
  uint64_t frames_this_play = 0;
  std::optional<microseconds> play_origin; // file time of this play's first frame
  microseconds play_base{0};               // where this play starts on the track's timeline
  std::optional<microseconds> last;        // the last timestamp handed out
  microseconds last_step{0};
  std::atomic<std::size_t> clamped{0};     // read from any thread

  Impl(const std::string& path, Options opts)
      : options(checked(opts)), copy(options.copy ? open_copy(path, options) : nullptr),
        own(options.copy ? nullptr : std::make_unique<media::VideoDecoder>(path, options.video_stream)),
        decoder(copy ? const_cast<media::VideoDecoder&>(copy->decoder(0)) : *own) {
    if (copy) {
      return; // the AvPlayer checked the start and placed the timeline
    }
    if (decoder.frame_rate() > 0) {
      nominal_step = microseconds(static_cast<int64_t>(1e6 / decoder.frame_rate() + 0.5));
    }
    if (options.start.count() > 0) {
      const auto length = decoder.duration();
      if (length && options.start >= *length) {
        throw Error(Error::Kind::Media, "start " + seconds_text(options.start) +
                                            " is past the end of '" + path + "' (" +
                                            seconds_text(*length) +
                                            "); give a start within the file");
      }
      decoder.seek(options.start);
    }
  }

  microseconds frame_step() const {
    if (nominal_step.count() > 0) {
      return nominal_step;
    }
    return last_step.count() > 0 ? last_step : kFallbackFrameStep;
  }

  // From the first frame played, each play continuing where the previous one ended.
  microseconds timestamp_for(std::optional<microseconds> pts) {
    microseconds t = play_base;
    if (pts) {
      if (!play_origin) {
        play_origin = *pts;
      }
      t = play_base + (*pts - *play_origin);
    } else if (frames_this_play > 0 && last) {
      t = *last + frame_step(); // no timestamp: one frame after the previous
    }
    if (last && t < *last) {
      // Damaged or reordered timestamps: the pacer needs them not to go back.
      ++clamped;
      core::log_debug("'", decoder.path(), "': frame timestamp went back ",
                      (*last - t).count(), " us; clamped");
      t = *last;
    }
    if (last && t > *last) {
      last_step = t - *last;
    }
    last = t;
    return t;
  }

  void start_next_play() {
    play_base = last ? *last + frame_step() : play_base;
    play_origin.reset();
    frames_this_play = 0;
    ++play;
    decoder.seek(microseconds(0));
  }

  std::optional<VideoFrame> recv() {
    if (copy) {
      return copy->recv(); // explains why there are no pictures
    }
    if (ended) {
      return std::nullopt;
    }
    try {
      for (;;) {
        if (std::optional<media::DecodedPicture> picture = decoder.next()) {
          picture->frame.timestamp = timestamp_for(picture->pts);
          ++frames_this_play;
          return std::move(picture->frame);
        }
        // A play that yielded nothing would loop without end.
        const bool again = options.loop == kLoopForever || play < options.loop;
        if (!again || frames_this_play == 0) {
          ended = true;
          return std::nullopt;
        }
        start_next_play();
      }
    } catch (...) {
      ended = true; // after an error: the end, not the same error again
      throw;
    }
  }
};

FileVideoTrack::FileVideoTrack(const std::string& path) : FileVideoTrack(path, Options{}) {}

FileVideoTrack::FileVideoTrack(const std::string& path, Options options)
    : impl_(std::make_unique<Impl>(path, options)) {}

FileVideoTrack::~FileVideoTrack() = default;

std::optional<VideoFrame> FileVideoTrack::recv() { return impl_->recv(); }

std::optional<std::chrono::milliseconds> FileVideoTrack::duration() const {
  if (impl_->copy) {
    return impl_->copy->duration();
  }
  const auto length = impl_->decoder.duration();
  if (impl_->options.loop == kLoopForever || !length) {
    return std::nullopt;
  }
  return std::max(std::chrono::milliseconds(0),
                  *length * impl_->options.loop - impl_->options.start);
}

std::string FileVideoTrack::description() const { return impl_->decoder.path(); }

int FileVideoTrack::source_width() const { return impl_->decoder.width(); }

int FileVideoTrack::source_height() const { return impl_->decoder.height(); }

double FileVideoTrack::source_frame_rate() const { return impl_->decoder.frame_rate(); }

std::string FileVideoTrack::codec_name() const { return impl_->decoder.codec_name(); }

std::size_t FileVideoTrack::skipped_packets() const { return impl_->decoder.skipped_packets(); }

std::size_t FileVideoTrack::clamped_timestamps() const { return impl_->clamped; }

} // namespace roomcast

namespace roomcast::detail {

std::shared_ptr<EncodedVideoSource> encoded_source_of(const CustomVideoTrack& track) {
  if (const auto* file = dynamic_cast<const FileVideoTrack*>(&track)) {
    return file->impl_->copy;
  }
  if (const auto* media = dynamic_cast<const media::AvVideoTrack*>(&track); media && media->copying()) {
    return std::const_pointer_cast<media::AvVideoTrack>(media->shared_from_this());
  }
  return nullptr;
}

} // namespace roomcast::detail
