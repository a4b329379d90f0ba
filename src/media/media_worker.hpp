// MediaWorker: one thread that keeps many FrameSources filled ahead of their pacers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/frame_source.hpp"

namespace roomcast::media {

/// One thread for hundreds of participants: it sleeps on a condition variable until a
/// pop() takes a source below its target, then refills that source (calling the track's
/// recv() on this thread). Sources are served in request order, each for at most
/// FrameSource::kMaxRecvPerFill recv() calls per turn.
class MediaWorker {
public:
  MediaWorker();
  /// Stops and joins the thread (after the fill in progress, if any) and detaches sources.
  ~MediaWorker();
  MediaWorker(const MediaWorker&) = delete;
  MediaWorker& operator=(const MediaWorker&) = delete;

  /// Starts serving source (filling it right away). A source belongs to one worker;
  /// adding it to a second throws Error(Kind::Config).
  void add(std::shared_ptr<FrameSource> source);

  /// Stops serving source. When it returns the worker is not inside the source's
  /// recv() and will not call it again. Must not be called from a recv().
  void remove(const std::shared_ptr<FrameSource>& source);

  std::size_t size() const;

private:
  friend class FrameSource;
  void request(FrameSource* source);
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_; // pending_ gained a source, or stopping_
  std::condition_variable idle_; // busy_ changed
  std::unordered_map<FrameSource*, std::shared_ptr<FrameSource>> sources_;
  std::vector<FrameSource*> pending_; // may name removed sources; looked up in sources_
  FrameSource* busy_ = nullptr;
  bool stopping_ = false;
  std::thread thread_; // last: starts once the members above exist
};

} // namespace roomcast::media
