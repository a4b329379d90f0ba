// Engine: wiring of the loop, the media clock's timer, the workers and the encode registry.
#include "engine/engine.hpp"

#include <thread>

#include "core/log.hpp"

namespace roomcast::engine {

Engine::Engine()
    : loop_(std::make_unique<core::EventLoop>()),
      workers_(std::make_shared<core::WorkerPool>()),
      clock_(core::MediaClock::Clock::now()) {
  loop_->call([this] {
    clock_timer_ = std::make_unique<core::Timer>(loop_->context(), [this] { on_clock_timer(); });
    // Pacing outranks signaling and housekeeping when the loop is busy.
    clock_timer_->set_priority(G_PRIORITY_HIGH);
  });
}

Engine::~Engine() {
  loop_->call([this] { clock_timer_.reset(); });
  workers_.reset();  // no encode job runs past here
  loop_.reset();
}

std::shared_ptr<Engine> Engine::acquire() {
  static std::mutex mutex;
  static std::weak_ptr<Engine> instance;
  std::lock_guard lock(mutex);
  auto engine = instance.lock();
  if (!engine) {
    engine = std::make_shared<Engine>();
    instance = engine;
  }
  return engine;
}

void Engine::release(std::shared_ptr<Engine> engine) {
  if (!engine || !engine->loop().in_loop_thread()) return;  // dropped here, safely
  // The loop thread cannot join itself: let a short-lived thread drop what may be the
  // last reference once this handler has returned.
  std::thread([engine = std::move(engine)]() mutable { engine.reset(); }).detach();
}

void Engine::add_ticker(core::MediaClock::Client* client) {
  const bool was_idle = clock_.empty();
  clock_.add(client);
  if (was_idle && !clock_.empty()) on_clock_timer();  // a first tick now, then on the grid
}

void Engine::remove_ticker(core::MediaClock::Client* client) {
  clock_.remove(client);
  if (clock_.empty() && clock_timer_) clock_timer_->cancel();
}

void Engine::on_clock_timer() {
  auto next = clock_.dispatch(core::MediaClock::Clock::now());
  workers_->unstick();  // a track blocked in recv() must not hold up the others' encodes
  if (!clock_.empty()) clock_timer_->arm_at(next);
}

std::shared_ptr<media::EncodedTrack> Engine::encoded_track(const std::shared_ptr<CustomAudioTrack>& track,
                                                           const media::EncoderSettings& settings) {
  std::lock_guard lock(encodes_mutex_);
  for (auto it = encodes_.begin(); it != encodes_.end();) {
    if (it->second.expired()) it = encodes_.erase(it);
    else ++it;
  }
  auto [first, last] = encodes_.equal_range(track.get());
  for (auto it = first; it != last; ++it) {
    auto existing = it->second.lock();
    if (!existing) continue;
    // A track must have one consumer, or the meetings would take turns at its audio (each
    // hearing a fraction): one with other settings shares the first meeting's encode.
    if (!(existing->settings() == settings)) {
      core::log_warn("an audio track shared by meetings with different Opus settings (bitrate, "
                     "complexity, FEC, DTX or channels) is encoded once, with the first meeting's "
                     "settings; give each meeting its own track object to encode it differently");
    }
    return existing;
  }
  // Weak: an encode outliving the engine (a reader kept by its user) just stops producing.
  std::weak_ptr<core::WorkerPool> workers = workers_;
  auto encoded = std::make_shared<media::EncodedTrack>(track, settings, [workers](std::function<void()> job) {
    if (auto pool = workers.lock()) pool->post(std::move(job));
  });
  encoded->count_live_in(live_tracks_);
  encodes_.emplace(track.get(), encoded);
  return encoded;
}

std::shared_ptr<media::EncodedVideoTrack> Engine::encoded_video(const std::shared_ptr<CustomVideoTrack>& track,
                                                                const media::VideoEncodeSettings& settings) {
  std::lock_guard lock(encodes_mutex_);
  std::erase_if(video_encodes_, [](const auto& entry) { return entry.second.expired(); });
  const auto key = std::make_pair(static_cast<const CustomVideoTrack*>(track.get()), settings.codec);
  if (auto it = video_encodes_.find(key); it != video_encodes_.end()) {
    auto existing = it->second.lock();
    const auto& first = existing->settings();
    if (first.width != settings.width || first.height != settings.height || first.fps != settings.fps ||
        first.bitrate_bps != settings.bitrate_bps || first.keyframe_interval != settings.keyframe_interval) {
      core::log_warn("a video track shared by meetings with different video settings is encoded once, "
                     "with the first meeting's settings; give each meeting its own track object to "
                     "encode it differently");
    }
    return existing;
  }
  auto encoded = std::make_shared<media::EncodedVideoTrack>(track, settings);
  video_encodes_.emplace(key, encoded);
  return encoded;
}

}  // namespace roomcast::engine
