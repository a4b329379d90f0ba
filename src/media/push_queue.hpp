// PushQueue: the queue behind PushAudioTrack: user threads push PCM, the encoder takes
// exactly one 20 ms frame per media-clock tick, the senders report what went out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "media/audio_frame.hpp"
#include "media/pcm_converter.hpp"
#include "roomcast/push_audio_track.hpp"

namespace roomcast::detail {

/// Samples are queued at 48 kHz with the track's channel count, interleaved. All counts
/// are sample frames (samples per channel), from the track's start: `pushed` counts every
/// sample accepted, `taken` those taken for the wire or dropped by clear(), `sent` the
/// highest source position a sender reported on the wire. wait_for_playout() waits for
/// `sent` to reach `pushed`.
class PushQueue {
 public:
  explicit PushQueue(std::chrono::milliseconds max_queue, int channels = 1);

  // User side (any thread): PushAudioTrack's methods.
  bool push(const AudioChunk& chunk, std::optional<std::chrono::milliseconds> timeout);
  void clear();
  bool wait_for_playout(std::optional<std::chrono::milliseconds> timeout);
  std::chrono::milliseconds queued_duration() const;
  void end();
  PushAudioTrack::Stats stats() const;
  std::optional<AudioChunk> pull_frame();

  // SDK side.
  struct Take {
    enum class Kind {
      Audio,  ///< frame holds audio (valid_samples of it real, the rest zero)
      Dry,    ///< nothing (whole) to send: the frame is silence
      Ended,  ///< end() was called and everything went
    };
    Kind kind = Kind::Dry;
    bool talkspurt_start = false;  ///< first audio after silence: the RTP marker bit
    uint64_t source_end = 0;       ///< `taken` after this frame: report it once it is sent
  };
  /// Worker thread, once per tick: the next 20 ms of the queue.
  Take take_frame(media::AudioFrame& frame);
  /// Loop thread: a frame taken with `source_end` went out.
  void mark_sent(uint64_t source_end);
  /// push() calls blocked on a full queue right now (tests wait for one to block).
  std::size_t pushes_waiting() const;

 private:
  using Duration = std::chrono::milliseconds;
  static Duration to_duration(uint64_t samples);
  uint64_t queued_locked() const { return samples_.size() / channels_; }
  template <typename Pred>
  bool wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
            std::optional<Duration> timeout, Pred pred);
  void append_locked(const std::vector<int16_t>& samples);
  void flush_converter();

  const uint64_t max_samples_;
  const std::size_t channels_;

  // Conversion runs outside mutex_ (it is the costly part); convert_mutex_ keeps one
  // resampler stream in order. Lock order: convert_mutex_, then mutex_.
  std::mutex convert_mutex_;
  media::PcmConverter converter_;

  mutable std::mutex mutex_;
  std::condition_variable room_;     // space in the queue, clear(), end()
  std::condition_variable sent_cv_;  // `sent` moved
  std::deque<int16_t> samples_;
  uint64_t generation_ = 0;  // clear() count: pushes waiting across a clear give up
  uint64_t pushed_ = 0;
  uint64_t taken_ = 0;
  uint64_t sent_ = 0;
  uint64_t last_audio_end_ = 0;  // `taken` after the newest frame taken with audio in it
  uint64_t cleared_ = 0;
  uint64_t underruns_ = 0;
  uint64_t talkspurts_ = 0;
  std::size_t pushes_waiting_ = 0;
  bool pushed_since_take_ = false;
  bool flush_partial_ = false;  // wait_for_playout()/end(): send a partial frame at once
  bool in_talkspurt_ = false;
  bool ended_ = false;
};

}  // namespace roomcast::detail
