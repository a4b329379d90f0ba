// FrameSource: a track's audio as exact 20 ms frames: pull chunks, convert to 48 kHz mono or
// stereo, cut.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media/audio_frame.hpp"
#include "media/framer.hpp"
#include "media/pcm_converter.hpp"
#include "roomcast/audio_track.hpp"

namespace roomcast::media {

/// fill() calls the user's recv(), converts and frames into a small ring; pop() takes a
/// ready frame and never calls user code. The encoder (media::EncodedTrack) drives both
/// from its worker job; pop() and the counters may be read from other threads.
class FrameSource {
public:
  /// Frames one fill() prepares (a batch of recv() calls rather than one per frame).
  static constexpr std::size_t kDefaultTargetFrames = 10;
  /// recv() calls per fill() turn; a track returning tiny chunks yields to the others.
  static constexpr std::size_t kMaxRecvPerFill = 32;

  enum class Status {
    Frame,    ///< frame holds the next frame
    Underrun, ///< no frame ready yet: fill() first
    Ended,    ///< the track ended and every frame was delivered (the last one padded)
    Failed,   ///< the track or its conversion failed; error says why
  };
  struct PopResult {
    Status status = Status::Underrun;
    AudioFrame frame;
    std::string error;
  };

  /// `channels`: 1 or 2, what the frames carry (the encoder's channel count).
  explicit FrameSource(std::shared_ptr<CustomAudioTrack> track,
                       std::size_t target_frames = kDefaultTargetFrames, int channels = 1);
  ~FrameSource();
  FrameSource(const FrameSource&) = delete;
  FrameSource& operator=(const FrameSource&) = delete;

  /// Network side. Never blocks on the track; frames come out in order with
  /// first_sample counting on from 0. After Ended or Failed it keeps returning that.
  PopResult pop();

  /// Worker side: recv()s until target_frames are ready or the track ends or fails.
  /// Returns true if it stopped early (kMaxRecvPerFill) and wants another turn.
  /// Only one thread at a time may call it.
  bool fill();

  uint64_t frames_delivered() const;
  /// Playback progress: real (unpadded) audio handed to pop() so far.
  std::chrono::milliseconds position() const;
  /// pop() calls that found no frame while the track was still running.
  uint64_t underruns() const;
  std::size_t frames_ready() const;
  std::size_t target_frames() const { return target_frames_; }
  const std::string& description() const { return description_; }
  const std::shared_ptr<CustomAudioTrack>& track() const { return track_; }

private:
  enum class State { Running, Ended, Failed };

  void push_locked(const AudioFrame& frame);
  void fail(const std::string& what);

  // Worker side: only the thread in fill() touches these.
  const std::shared_ptr<CustomAudioTrack> track_;
  const std::size_t target_frames_;
  const std::string description_;
  PcmConverter converter_;
  Framer framer_;
  std::vector<int16_t> converted_;
  bool track_done_ = false;
  bool finished_ = false;

  // Shared with pop(): guarded by mutex_.
  mutable std::mutex mutex_;
  std::vector<AudioFrame> ring_; // fixed size: no allocation on the network thread
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  State state_ = State::Running;
  std::string error_;
  uint64_t frames_delivered_ = 0;
  uint64_t samples_delivered_ = 0;
  uint64_t underruns_ = 0;
};

} // namespace roomcast::media
