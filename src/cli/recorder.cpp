// WAV recorders for `roomcast listen --record/--record-dir`.
#include "cli/recorder.hpp"

#include <cctype>
#include <vector>

namespace roomcast::cli {

WavRecorder::WavRecorder(const std::string& path)
    : path_(path), writer_(std::make_unique<receive::WavWriter>(path, 48000, 1)) {}

void WavRecorder::on_audio_frame(const ReceivedAudioFrame& frame) {
  std::lock_guard lock(mutex_);
  if (!writer_) return;
  if (!started_) {
    started_ = true;
    next_sample_ = frame.timestamp_samples;
  }
  if (frame.timestamp_samples > next_sample_) {
    // The stream paused (nothing to play): keep the timeline with silence.
    std::vector<int16_t> silence(frame.timestamp_samples - next_sample_, 0);
    writer_->write(silence);
  }
  writer_->write(frame.samples);
  next_sample_ = frame.timestamp_samples + frame.samples.size();
}

void WavRecorder::close() {
  std::lock_guard lock(mutex_);
  if (writer_) writer_->close();
  writer_.reset();
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

PerParticipantRecorder::PerParticipantRecorder(std::string directory, const Participant& participant)
    : directory_(std::move(directory)), id_(participant.id()), name_(participant.display_name()) {}

void PerParticipantRecorder::on_stream_enabled(const Stream& stream) {
  if (stream.kind() != "audio" || stream.is_local()) return;
  std::lock_guard lock(mutex_);
  if (recorders_.count(stream.id())) return;
  std::string suffix = recorders_.empty() ? "" : "-" + std::to_string(recorders_.size());
  auto recorder = std::make_shared<WavRecorder>(
      directory_ + "/" + recording_file_name(name_, id_ + suffix));
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
