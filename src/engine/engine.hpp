// Engine: the process's one event loop, media clock, worker pool and shared encodes.
#pragma once

#include <atomic>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "core/event_loop.hpp"
#include "core/media_clock.hpp"
#include "core/worker_pool.hpp"
#include "media/encoded_track.hpp"
#include "media/encoded_video_track.hpp"

namespace roomcast::engine {

/// Every meeting of a process runs on one engine: one loop thread for network I/O and
/// protocol state, one 20 ms media clock ticking every sender and receiver in one
/// wake-up, a worker pool (one thread per core) for encoding, and the registry that
/// lets meetings given the same track object share one encode.
///
/// Meetings hold it by shared_ptr; it lives while any meeting (or other holder) does.
class Engine {
 public:
  Engine();
  /// Stops the clock, the workers and the loop thread. Must not run on the loop thread:
  /// use Engine::release() where the last reference may be dropped there.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// The process's engine, created on first use.
  static std::shared_ptr<Engine> acquire();
  /// Drops a reference; when it may be the last and we are on the loop thread (a meeting
  /// destroyed from its own event handler), the engine is destroyed on another thread.
  static void release(std::shared_ptr<Engine> engine);

  core::EventLoop& loop() { return *loop_; }
  core::WorkerPool& workers() { return *workers_; }

  /// Loop thread: start / stop ticking a client on the media clock (safe from a tick).
  void add_ticker(core::MediaClock::Client* client);
  void remove_ticker(core::MediaClock::Client* client);
  /// Loop thread: the clock itself (for its counters).
  const core::MediaClock& clock() const { return clock_; }

  /// The shared encode of `track` with `settings`: the same object for the same track
  /// object and settings while any reader of it exists. Thread-safe.
  std::shared_ptr<media::EncodedTrack> encoded_track(const std::shared_ptr<CustomAudioTrack>& track,
                                                     const media::EncoderSettings& settings);
  /// The same for a camera track: one conversion and encode per track object and codec,
  /// whatever the number of meetings sending it (a second meeting's other settings are those
  /// of the first). Meetings sending one track in VP8 and in H.264 get one encode of each.
  std::shared_ptr<media::EncodedVideoTrack> encoded_video(const std::shared_ptr<CustomVideoTrack>& track,
                                                          const media::VideoEncodeSettings& settings);

 private:
  void on_clock_timer();

  std::unique_ptr<core::EventLoop> loop_;
  std::shared_ptr<core::WorkerPool> workers_;  // encodes hold it weakly
  core::MediaClock clock_;
  std::unique_ptr<core::Timer> clock_timer_;  // loop thread

  std::mutex encodes_mutex_;
  std::multimap<const CustomAudioTrack*, std::weak_ptr<media::EncodedTrack>> encodes_;
  std::map<std::pair<const CustomVideoTrack*, VideoCodec>, std::weak_ptr<media::EncodedVideoTrack>> video_encodes_;
  std::shared_ptr<std::atomic<int>> live_tracks_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace roomcast::engine
