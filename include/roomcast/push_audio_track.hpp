// PushAudioTrack: live audio pushed as it is produced (TTS, a voice agent, a capture device).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "roomcast/audio_track.hpp"

namespace roomcast {

class PushAudioTrack;
namespace detail {
class PushQueue;
std::shared_ptr<PushQueue> push_queue_of(const PushAudioTrack& track);
}  // namespace detail

/// PushAudioTrack::Options (defined out here so it can be a default argument).
struct PushAudioTrackOptions {
  /// push() blocks while this much audio is queued (back-pressure). A larger chunk is
  /// accepted whole once the queue is empty.
  std::chrono::milliseconds max_queue{200};
  /// 1: pushed audio is mixed to mono as it is queued; 2: kept as stereo (any chunk shape is
  /// still accepted; mono chunks play on both sides). A meeting sends what its
  /// MeetingConfig::audio_channels says, so queue 2 for a stereo meeting.
  int channels = 1;
};

/// A microphone you feed: push() audio as it is produced; the SDK sends it in real time.
///
/// Put it into MeetingConfig::custom_microphone_audio_track. Audio pushed before the
/// meeting is live waits (it follows the lead-in); audio pushed while live goes out at
/// the next 20 ms frame: the wire carries at most one frame plus what is queued, never a
/// deeper prefetch. When the queue runs dry the track sends silence (or nothing, with
/// MeetingConfig::opus_dtx) and the meeting stays up; RTP time keeps counting and the
/// first packet of each talkspurt carries the marker bit.
///
/// A producer slower than real time makes the track wait for a whole 20 ms frame instead of
/// sending a partial one: the wait is silence before the rest, never a click inside a frame,
/// and it is counted (stats().underruns). A partial frame goes out padded when no more audio
/// follows within a frame, or at once on wait_for_playout() and end().
///
/// Every method is thread-safe. One track may feed several meetings; each 20 ms of audio is
/// taken from the queue once and sent to all of them.
class PushAudioTrack : public CustomAudioTrack {
 public:
  /// How the track queues (see PushAudioTrackOptions).
  using Options = PushAudioTrackOptions;

  /// Counters since the track was made.
  struct Stats {
    std::chrono::milliseconds pushed{0};   ///< audio accepted by push()
    std::chrono::milliseconds cleared{0};  ///< of it, dropped by clear()
    std::chrono::milliseconds sent{0};     ///< of it, gone out (or dropped by clear() with nothing in flight)
    uint64_t underruns = 0;                ///< frames sent as silence while a partial frame waited for more
    uint64_t talkspurts = 0;               ///< runs of audio started after silence
  };

  /// Throws roomcast::Error(Kind::Config) when max_queue is not between 20 ms and 60 s or
  /// channels is not 1 or 2.
  explicit PushAudioTrack(Options options = {});
  ~PushAudioTrack() override;
  PushAudioTrack(const PushAudioTrack&) = delete;
  PushAudioTrack& operator=(const PushAudioTrack&) = delete;

  /// Queues a chunk of any size, rate, channel count and sample format (converted to the
  /// wire's 48 kHz here, on the caller's thread, with the resampler state carried across
  /// chunks so joins do not click). Blocks while the queue is full. Returns false, queuing
  /// nothing, on timeout, after end(), or when clear() is called while it waits. Throws
  /// roomcast::Error(Kind::Media) for an invalid chunk (see AudioChunk).
  bool push(const AudioChunk& chunk, std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// Barge-in: drops everything queued (and cancels pushes waiting for room). The wire
  /// carries silence from the next 20 ms frame on; the frame already on its way finishes.
  void clear();

  /// Returns true once everything pushed before the call has gone out on the wire (in at
  /// least one meeting), never earlier; false on timeout. A partial last frame is sent at
  /// once, padded. Audio dropped by clear() counts as gone.
  bool wait_for_playout(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// Audio queued and not yet taken for the wire.
  std::chrono::milliseconds queued_duration() const;

  /// End of stream after what is queued: the meeting then ends as at the end of a file.
  /// push() returns false afterwards.
  void end();

  /// What the track has queued, sent and dropped so far.
  Stats stats() const;

  /// For pulling the audio yourself (the SDK does not call it): the next 20 ms (48 kHz
  /// mono), blocking until that much is queued; less at the end; nullopt after end().
  std::optional<AudioChunk> recv() override;
  std::string description() const override { return "push audio track"; }

 private:
  friend std::shared_ptr<detail::PushQueue> detail::push_queue_of(const PushAudioTrack& track);
  std::shared_ptr<detail::PushQueue> queue_;
};

}  // namespace roomcast
