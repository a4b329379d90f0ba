// AudioDecoder's timeline: damaged spans become silence at their own time; truncation.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/log.hpp"
#include "media/audio_decoder_impl.hpp"
#include "media/av_error.hpp"

namespace roomcast::media {

using namespace decoder_detail;

std::string decoder_detail::seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", seconds);
  return text;
}

double AudioDecoder::Impl::seconds_at(int64_t pts) const {
  return std::max(0.0, static_cast<double>(pts - first_pts) *
                           av_q2d(format->streams[stream_index]->time_base));
}

void AudioDecoder::Impl::report_damage(const std::string& what) {
  const double at = damage_at_seconds.value_or(timeline_seconds());
  core::log_warn("'", path, "': corrupt data at ", seconds_text(at), ": ", what);
  damage_at_seconds.reset();
  damage_packets = 0;
}

// Keeps the decoded audio on the file's timeline: a hole before `decoded` (packets lost to
// damage) comes back as silence of the hole's length, in `chunk`'s shape, with a warning
// naming where it is. The audio after a damaged span thus plays at its own time and the RTP
// timestamps, counted from samples, stay contiguous.
std::optional<AudioChunk> AudioDecoder::Impl::follow_timeline(const AVFrame& decoded,
                                                                const AudioChunk& chunk) {
  const AVRational time_base = format->streams[stream_index]->time_base;
  const int64_t pts = decoded.best_effort_timestamp;
  std::optional<AudioChunk> silence;
  if (pts != AV_NOPTS_VALUE && next_pts) {
    const double gap = static_cast<double>(pts - *next_pts) * av_q2d(time_base);
    if (gap > kMinGapSeconds) {
      const double filled = std::min(gap, kMaxGapSeconds);
      const auto frames = static_cast<std::size_t>(filled * chunk.sample_rate_hz + 0.5);
      silence.emplace();
      silence->format = chunk.format;
      silence->sample_rate_hz = chunk.sample_rate_hz;
      silence->channels = chunk.channels;
      silence->data.assign(frames * (chunk.data.size() / chunk.frames()), std::byte{0});
      if (!damage_at_seconds) {
        damage_at_seconds = seconds_at(*next_pts);
      }
      std::string what = seconds_text(gap) + " of audio could not be read";
      if (damage_packets > 0) {
        what += " (" + std::to_string(damage_packets) + " damaged packet(s))";
      }
      what += gap > filled ? "; the first " + seconds_text(filled) + " replaced by silence"
                           : "; replaced by silence";
      report_damage(what);
    }
  }
  if (damage_at_seconds) {
    // Damaged packets the decoder got past without losing time (it concealed them).
    report_damage(std::to_string(damage_packets) + " packet(s) could not be decoded; skipped");
  }
  if (pts != AV_NOPTS_VALUE) {
    const int64_t end = pts + av_rescale_q(decoded.nb_samples, AVRational{1, decoded.sample_rate},
                                           time_base);
    next_pts = next_pts ? std::max(*next_pts, end) : end;
  } else if (next_pts && decoded.sample_rate > 0) {
    *next_pts += av_rescale_q(decoded.nb_samples, AVRational{1, decoded.sample_rate}, time_base);
  }
  return silence;
}

void AudioDecoder::Impl::shift_raw_timestamps(AVPacket& read) const {
  if (!raw_stream || skipped_duration == 0) {
    return;
  }
  if (read.pts != AV_NOPTS_VALUE) {
    read.pts += skipped_duration;
  }
  if (read.dts != AV_NOPTS_VALUE) {
    read.dts += skipped_duration;
  }
}

void AudioDecoder::Impl::account_raw_packet(const AVPacket& sent, bool good) {
  if (!raw_stream || sent.size <= 0 || sent.duration <= 0) {
    return;
  }
  if (good) {
    good_bytes += sent.size;
    good_duration += sent.duration;
  } else if (good_bytes > 0) {
    const int64_t covered = av_rescale(sent.size, good_duration, good_bytes);
    if (covered > sent.duration) {
      skipped_duration += covered - sent.duration;
    }
  }
}

// At the end: audio that stops well before the header's duration means a truncated file
// (a download cut short, a copy that ran out of space), not a normal end of stream.
void AudioDecoder::Impl::check_truncated() {
  if (truncation_checked || (shared && !shared->at_end())) {
    return; // a shared file's epoch ends at seeks too: not the file's end
  }
  truncation_checked = true;
  if (damage_at_seconds) {
    report_damage(std::to_string(damage_packets) + " packet(s) could not be read or decoded");
  }
  if (!announced_seconds || !next_pts) {
    return;
  }
  const double ends_at = timeline_seconds();
  if (*announced_seconds - ends_at > std::max(kTruncatedSeconds, *announced_seconds * 0.02)) {
    core::log_warn("'", path, "' is truncated: its audio ends at ", seconds_text(ends_at),
                   " but its header announces ", seconds_text(*announced_seconds),
                   "; the rest of the file is missing");
  }
}

// Shortens decoded to end at end_pts; false if it lies wholly past it.
bool AudioDecoder::Impl::trim_to_end(AVFrame& decoded) const {
  const int64_t start = decoded.best_effort_timestamp;
  if (!end_pts || start == AV_NOPTS_VALUE || decoded.sample_rate <= 0) {
    return true;
  }
  if (start >= *end_pts) {
    return false;
  }
  const int64_t keep = av_rescale_q(*end_pts - start, format->streams[stream_index]->time_base,
                                    AVRational{1, decoded.sample_rate});
  if (keep < decoded.nb_samples) {
    decoded.nb_samples = static_cast<int>(keep); // reading fewer samples than allocated is safe
  }
  return decoded.nb_samples > 0;
}

} // namespace roomcast::media
