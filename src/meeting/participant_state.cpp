// Participant and Stream handles, and the state they share with the meeting.
#include "meeting/participant_state.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "receive/png_image.hpp"
#include "roomcast/error.hpp"

namespace roomcast {

namespace detail {

namespace {
template <typename F>
void notify(const ParticipantState& participant, F&& f) {
  std::vector<std::shared_ptr<ParticipantEventHandler>> handlers;
  {
    std::lock_guard lock(participant.mutex);
    handlers = participant.handlers;
  }
  for (const auto& handler : handlers) {
    try {
      f(*handler);
    } catch (const std::exception& e) {
      core::log_warn("participant event handler threw: ", e.what());
    }
  }
}
}  // namespace

void ParticipantState::enable_stream(const std::shared_ptr<StreamState>& stream) {
  {
    std::lock_guard lock(mutex);
    for (const auto& s : streams)
      if (s->id == stream->id) return;
    streams.push_back(stream);
  }
  notify(*this, [&](ParticipantEventHandler& h) { h.on_stream_enabled(Stream(stream)); });
}

void ParticipantState::disable_stream(const std::string& stream_id) {
  std::shared_ptr<StreamState> removed;
  {
    std::lock_guard lock(mutex);
    auto it = std::find_if(streams.begin(), streams.end(),
                           [&](const auto& s) { return s->id == stream_id; });
    if (it == streams.end()) return;
    removed = *it;
    streams.erase(it);
  }
  notify(*this, [&](ParticipantEventHandler& h) { h.on_stream_disabled(Stream(removed)); });
}

void ParticipantState::disable_all_streams() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mutex);
    for (const auto& s : streams) ids.push_back(s->id);
  }
  for (const auto& id : ids) disable_stream(id);
}

std::shared_ptr<StreamState> ParticipantState::find_stream(const std::string& stream_id) const {
  std::lock_guard lock(mutex);
  for (const auto& s : streams)
    if (s->id == stream_id) return s;
  return nullptr;
}

void ParticipantState::clear_handlers() {
  std::lock_guard lock(mutex);
  handlers.clear();
}

}  // namespace detail

const std::string& Stream::id() const { return state_->id; }
const std::string& Stream::kind() const { return state_->kind; }
const std::string& Stream::participant_id() const { return state_->participant_id; }
bool Stream::is_local() const { return state_->local; }

namespace {
/// A sink of the wrong kind would never be called: say so instead of waiting in silence.
void check_sink_kind(const detail::StreamState& stream, const char* kind, const char* sink) {
  if (stream.kind == kind) return;
  throw Error(Error::Kind::Config, "Stream::add_sink: stream " + stream.id + " of participant " +
                                       stream.participant_id + " is " + stream.kind + ", not " + kind +
                                       "; give it a" + (stream.kind == "audio" ? "n AudioSink" : " VideoSink") +
                                       " (a " + sink + " is for " + kind + " streams)");
}
}  // namespace

void Stream::add_sink(std::shared_ptr<AudioSink> sink) const {
  std::lock_guard lock(state_->mutex);
  check_sink_kind(*state_, "audio", "AudioSink");
  state_->sinks.push_back(std::move(sink));
}

void Stream::add_sink(std::shared_ptr<VideoSink> sink) const {
  std::function<void()> added;
  {
    std::lock_guard lock(state_->mutex);
    if (!sink) return;
    check_sink_kind(*state_, "video", "VideoSink");
    state_->video_sinks.push_back(std::move(sink));
    added = state_->on_video_sink_added;
  }
  if (added) added();
}

AudioReceiveStats Stream::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

const std::string& Participant::id() const { return state_->id; }
const std::string& Participant::display_name() const { return state_->display_name; }
bool Participant::is_local() const { return state_->local; }

std::vector<Stream> Participant::streams() const {
  std::lock_guard lock(state_->mutex);
  std::vector<Stream> out;
  for (const auto& s : state_->streams) out.emplace_back(s);
  return out;
}

void Participant::add_event_listener(std::shared_ptr<ParticipantEventHandler> handler) {
  std::lock_guard lock(state_->mutex);
  state_->handlers.push_back(std::move(handler));
}

std::optional<std::vector<uint8_t>> Participant::capture_image() const {
  std::shared_ptr<const media::I420Frame> picture;
  {
    std::lock_guard lock(state_->mutex);
    picture = state_->latest_picture;
  }
  if (!picture) return std::nullopt;
  return receive::encode_png(*picture);
}

}  // namespace roomcast
