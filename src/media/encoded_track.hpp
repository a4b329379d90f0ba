// EncodedTrack: a track's audio decoded, framed and Opus-encoded once, read by many senders.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "media/frame_source.hpp"
#include "media/opus_encoder.hpp"
#include "media/push_queue.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/meeting_config.hpp"

namespace roomcast::media {

/// What the encoder is told; meetings giving one track the same settings share an encode.
struct EncoderSettings {
  int bitrate_bps = 32000;
  int complexity = 9;
  OpusFec fec = OpusFec::Adaptive;
  bool dtx = false;  ///< libopus DTX: silence becomes packets of 1-2 bytes, which senders skip
  int channels = 1;  ///< 2: stereo frames, coded as Opus stereo
  bool operator==(const EncoderSettings&) const = default;
};

/// One encoded 20 ms frame, shared (immutable) by every sender that reads it.
struct EncodedFrame {
  uint64_t index = 0;           ///< frames since the track's start
  int valid_samples = 0;        ///< real audio in it (less only in the padded last frame)
  uint8_t audio_level = 127;    ///< RFC 6464 level, -dBov
  bool fec = false;             ///< carries in-band FEC (LBRR) data for the frame before
  bool dtx = false;             ///< a DTX packet (1-2 bytes, RFC 7587 3.1.3): not sent
  bool dry = false;             ///< live track: no audio was queued; silence stands in
  bool talkspurt_start = false; ///< live track: first audio after silence (RTP marker bit)
  uint64_t source_end = 0;      ///< live track: the push queue's position after this frame
  std::vector<uint8_t> opus;
};

/// A log of encoded frames with one producer and any number of readers (cursors).
/// Giving one track object to several meetings decodes, resamples and encodes it once;
/// each meeting only packetizes and encrypts (peer::AudioSender). Without sharing, the
/// meetings would take turns pulling chunks from the track and each hear a fraction.
///
/// The producer runs as jobs on a worker pool, never on the network thread: when the
/// furthest reader gets within kRefillBelow frames of the head, one job encodes up to
/// kAheadFrames ahead (a batch, not a wake-up per frame). Frames stay in the log until
/// every reader has passed them and for kHistoryFrames behind the head, so a meeting that
/// joins within that window still hears the track from its first frame.
///
/// A live track (PushAudioTrack) is not read ahead: the frame for a tick is taken from its
/// queue and encoded when the first reader asks for it at that tick (Status::Pending, then
/// the reader's wake-up), so the wire lags a push by at most one frame plus the queue.
///
/// Encoder control follows the network: with OpusFec::Adaptive, in-band FEC is on while
/// some reader reports loss (RTCP receiver reports) and off on clean paths.
class EncodedTrack : public std::enable_shared_from_this<EncodedTrack> {
 public:
  static constexpr std::size_t kAheadFrames = 10;     // 200 ms encoded ahead
  static constexpr std::size_t kRefillBelow = 5;      // refill when fewer are left ahead
  static constexpr std::size_t kHistoryFrames = 500;  // 10 s kept for late joiners
  /// Loss (fraction) from which adaptive FEC turns on, and the expected-loss floor then.
  static constexpr double kFecOnLoss = 0.01;
  /// libopus 1.3 takes a mode that can carry FEC (SILK or hybrid) for music only when it
  /// expects enough loss; 10 % is its own long-standing example figure, and works here.
  static constexpr int kMinExpectedLossPercent = 10;

  using RunJob = std::function<void(std::function<void()>)>;

  /// `run_job` runs a job on a worker thread (core::WorkerPool::post). Throws
  /// Error(Kind::Media) when libopus rejects the settings.
  EncodedTrack(std::shared_ptr<CustomAudioTrack> track, EncoderSettings settings, RunJob run_job);
  ~EncodedTrack();
  EncodedTrack(const EncodedTrack&) = delete;
  EncodedTrack& operator=(const EncodedTrack&) = delete;

  /// Pending: live track only: the frame is being made now; the reader's wake-up follows.
  enum class Status { Frame, Underrun, Pending, Ended, Failed };
  /// A live reader further behind the head than this (it was paused) skips to the present.
  static constexpr uint64_t kLiveMaxLagFrames = 5;
  /// With at most this many live tracks in the process, a live frame is made on the reader's
  /// (loop) thread at once: no hand-off to a worker and back, so no scheduling delay under
  /// load (~0.1-0.4 ms of encoding each). With more, the workers spread them over the cores.
  static constexpr int kInlineLiveTracks = 4;

  /// One reader's position in the log. Use from one thread at a time (the loop thread).
  class Reader {
   public:
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    /// The next frame, without waiting: Underrun when the producer has not got there yet
    /// (it has been asked), Ended / Failed at the end (error() says why it failed).
    Status next(std::shared_ptr<const EncodedFrame>& frame);
    /// Live track: called (from a worker thread, briefly) when a Pending frame is ready.
    void set_wakeup(std::function<void()> wakeup);
    /// Moves on `frames` frames without taking them: time went on while this reader was paused
    /// (a running camera kept its timeline). The producer encodes up to the new position; a
    /// live reader skips to the present on its own.
    void skip(uint64_t frames);
    /// The frame went out on the wire: wait_for_playout() of a live track follows this.
    void mark_sent(const EncodedFrame& frame);
    /// Loss on this reader's path (RTCP fraction lost, 0..1); steers adaptive FEC.
    void report_loss(double fraction);
    /// Frames this reader has taken.
    uint64_t frames_read() const { return read_; }
    std::string error() const;
    EncodedTrack& track() { return *track_; }

   private:
    friend class EncodedTrack;
    explicit Reader(std::shared_ptr<EncodedTrack> track) : track_(std::move(track)) {}
    std::shared_ptr<EncodedTrack> track_;
    uint64_t position_ = 0;  // index of the next frame; guarded by the track's mutex
    double loss_ = 0;        // guarded by the track's mutex
    bool waiting_ = false;   // guarded: wants the wake-up of a Pending frame
    std::function<void()> wakeup_;  // guarded
    uint64_t read_ = 0;
  };

  /// A reader starting at the oldest frame still held (the first frame within the
  /// history window). Starts the producer if it is not running.
  std::unique_ptr<Reader> open_reader();

  /// An encoded 20 ms of silence (same settings), for lead-ins.
  const std::vector<uint8_t>& silence() const { return silence_; }
  const std::shared_ptr<CustomAudioTrack>& source_track() const { return source_.track(); }
  const EncoderSettings& settings() const { return settings_; }
  /// A live track (PushAudioTrack): no read-ahead, one frame per tick.
  bool live() const { return live_ != nullptr; }
  /// Live track: count it in the process's live tracks (the engine's counter), which decides
  /// between making frames inline and on the workers (kInlineLiveTracks).
  void count_live_in(std::shared_ptr<std::atomic<int>> live_tracks);

  struct Stats {
    uint64_t frames_encoded = 0;
    std::size_t readers = 0;
    std::size_t frames_held = 0;
    bool fec = false;  ///< FEC requested of the encoder
    int expected_loss_percent = 0;
    uint64_t fill_jobs = 0;
  };
  Stats stats() const;

 private:
  void request_fill_locked();
  void fill();  // producer job
  void request_live_frame_locked();
  void produce_live();  // live producer job: one frame
  std::shared_ptr<EncodedFrame> encode_frame(const AudioFrame& pcm, bool fec, int loss_percent);
  void prune_locked();
  void update_loss_locked();
  uint64_t head_locked() const { return base_ + frames_.size(); }

  const EncoderSettings settings_;
  const RunJob run_job_;
  std::vector<uint8_t> silence_;

  // Producer side: only the one running fill() job touches these.
  FrameSource source_;  // used single-threaded: fill() then pop()
  const std::shared_ptr<detail::PushQueue> live_;  // live tracks only
  OpusEncoder encoder_;
  bool encoder_fec_ = false;
  int encoder_loss_percent_ = -1;

  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<const EncodedFrame>> frames_;
  uint64_t base_ = 0;  // index of frames_.front()
  std::vector<Reader*> readers_;
  bool fill_pending_ = false;  // a fill() or produce_live() job is queued or running
  std::shared_ptr<std::atomic<int>> live_tracks_;  // the engine's count; null: always on workers
  bool ended_ = false;
  std::string error_;  // set when the track failed
  bool want_fec_ = false;
  int want_loss_percent_ = 0;
  uint64_t fill_jobs_ = 0;
};

}  // namespace roomcast::media
