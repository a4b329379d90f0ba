// Shared state behind the public Participant and Stream handles.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media/i420_frame.hpp"
#include "roomcast/events.hpp"

namespace roomcast::detail {

struct StreamState {
  std::string id;
  std::string kind;
  std::string participant_id;
  bool local = false;

  // Sinks are added from any thread and called on the meeting's AudioDelivery thread
  // (audio) or VideoDelivery thread (video).
  mutable std::mutex mutex;
  std::vector<std::shared_ptr<AudioSink>> sinks;
  std::vector<std::shared_ptr<VideoSink>> video_sinks;
  // Remote video: set by the meeting; called (any thread, outside the lock) when a sink is
  // added, so the stream gets subscribed.
  std::function<void()> on_video_sink_added;
  AudioReceiveStats stats;

  std::vector<std::shared_ptr<VideoSink>> video_sinks_now() const {
    std::lock_guard lock(mutex);
    return video_sinks;
  }
  bool has_video_sinks() const {
    std::lock_guard lock(mutex);
    return !video_sinks.empty();
  }

  std::vector<std::shared_ptr<AudioSink>> sinks_now() const {
    std::lock_guard lock(mutex);
    return sinks;
  }
  bool has_sinks() const {
    std::lock_guard lock(mutex);
    return !sinks.empty();
  }
};

struct ParticipantState {
  std::string id;
  std::string display_name;
  bool local = false;

  mutable std::mutex mutex;
  std::vector<std::shared_ptr<ParticipantEventHandler>> handlers;
  std::vector<std::shared_ptr<StreamState>> streams;  // enabled ones
  // The latest decoded video picture (Participant::capture_image); set on the delivery thread.
  std::shared_ptr<const media::I420Frame> latest_picture;

  /// Adds the stream and tells the handlers; loop thread.
  void enable_stream(const std::shared_ptr<StreamState>& stream);
  /// Removes the stream (by id) and tells the handlers; loop thread.
  void disable_stream(const std::string& stream_id);
  void disable_all_streams();
  std::shared_ptr<StreamState> find_stream(const std::string& stream_id) const;
  /// Drops the handlers once the participant is gone, so a handler that holds its
  /// Participant (a natural thing to do) does not keep both alive forever.
  void clear_handlers();
};

}  // namespace roomcast::detail
