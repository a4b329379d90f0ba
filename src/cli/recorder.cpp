// WAV recorders for `roomcast listen --record/--record-dir`.
#include "cli/recorder.hpp"

#include <cctype>
#include <vector>

#include "roomcast/error.hpp"

namespace roomcast::cli {

WavRecorder::WavRecorder(const std::string& path, RecordingFailed on_failed)
    : path_(path),
      on_failed_(std::move(on_failed)),
      writer_(std::make_unique<receive::WavWriter>(path, 48000, 1)) {}

void WavRecorder::on_audio_frame(const ReceivedAudioFrame& frame) {
  std::string failure;
  {
    std::lock_guard lock(mutex_);
    if (!writer_) return;
    if (!started_) {
      started_ = true;
      next_sample_ = frame.timestamp_samples;
    }
    try {
      if (frame.timestamp_samples > next_sample_) {
        // The stream paused (nothing to play): keep the timeline with silence.
        std::vector<int16_t> silence(frame.timestamp_samples - next_sample_, 0);
        writer_->write(silence);
      }
      writer_->write(frame.samples);
      next_sample_ = frame.timestamp_samples + frame.samples.size();
    } catch (const Error& e) {
      // The writer closed the file valid; the meeting goes on without this recording.
      writer_.reset();
      failure = e.what();
    }
  }
  if (!failure.empty() && on_failed_) on_failed_(failure);  // unlocked: it may print or call us
}

bool WavRecorder::recording() const {
  std::lock_guard lock(mutex_);
  return writer_ != nullptr;
}

void WavRecorder::close() {
  std::string failure;
  {
    std::lock_guard lock(mutex_);
    try {
      if (writer_) writer_->close();
    } catch (const Error& e) {
      failure = e.what();
    }
    writer_.reset();
  }
  if (!failure.empty() && on_failed_) on_failed_(failure);
}

std::string recording_file_name(const std::string& display_name, const std::string& id) {
  std::string name;
  for (char c : display_name) {
    auto u = static_cast<unsigned char>(c);
    name += (std::isalnum(u) || c == '-' || c == '.') ? c : '_';
  }
  if (name.empty()) name = "participant";
  return name + "-" + id + ".wav";
}

PerParticipantRecorder::PerParticipantRecorder(std::string directory, const Participant& participant,
                                               RecordingFailed on_failed)
    : directory_(std::move(directory)),
      id_(participant.id()),
      name_(participant.display_name()),
      on_failed_(std::move(on_failed)) {}

void PerParticipantRecorder::on_stream_enabled(const Stream& stream) {
  if (stream.kind() != "audio" || stream.is_local()) return;
  std::lock_guard lock(mutex_);
  if (recorders_.count(stream.id())) return;
  std::string suffix = recorders_.empty() ? "" : "-" + std::to_string(recorders_.size());
  std::shared_ptr<WavRecorder> recorder;
  try {
    recorder = std::make_shared<WavRecorder>(
        directory_ + "/" + recording_file_name(name_, id_ + suffix), on_failed_);
  } catch (const Error& e) {
    if (on_failed_) on_failed_(e.what());  // e.g. the disk is already full: no file for this one
    return;
  }
  stream.add_sink(recorder);
  recorders_[stream.id()] = recorder;
}

void PerParticipantRecorder::on_stream_disabled(const Stream& stream) {
  std::lock_guard lock(mutex_);
  auto it = recorders_.find(stream.id());
  if (it == recorders_.end()) return;
  it->second->close();
}

void PerParticipantRecorder::close_all() {
  std::lock_guard lock(mutex_);
  for (auto& [id, recorder] : recorders_) recorder->close();
}

}  // namespace roomcast::cli
