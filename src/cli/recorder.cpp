// Recorders for `roomcast listen --record/--record-dir`: WAV, or WebM for participants with video.
#include "cli/recorder.hpp"

#include <cctype>
#include <vector>

#include "core/log.hpp"
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

std::string recording_file_name(const std::string& display_name, const std::string& id,
                                const std::string& extension) {
  std::string name;
  for (char c : display_name) {
    auto u = static_cast<unsigned char>(c);
    name += (std::isalnum(u) || c == '-' || c == '.') ? c : '_';
  }
  if (name.empty()) name = "participant";
  return name + "-" + id + extension;
}

PerParticipantRecorder::PerParticipantRecorder(std::string directory, const Participant& participant,
                                               RecordingFailed on_failed)
    : directory_(std::move(directory)),
      id_(participant.id()),
      name_(participant.display_name()),
      on_failed_(std::move(on_failed)) {}

ParticipantFile::ParticipantFile(std::string base, RecordingFailed on_failed)
    : base_(std::move(base)), on_failed_(std::move(on_failed)) {}

void ParticipantFile::expect_audio() {
  std::lock_guard lock(mutex_);
  audio_expected_ = true;
}

void ParticipantFile::expect_video() {
  std::lock_guard lock(mutex_);
  video_expected_ = true;
}

void ParticipantFile::choose(bool video_frame) {
  if (closed_ || wav_ || media_) return;
  if (video_frame || video_expected_) {
    MediaRecorder::Options options;
    options.audio = audio_expected_;
    options.video = true;
    options.on_failed = on_failed_;
    media_ = std::make_shared<MediaRecorder>(base_ + ".webm", options);
    return;
  }
  try {
    wav_ = std::make_shared<WavRecorder>(base_ + ".wav", on_failed_);
  } catch (const Error& e) {
    closed_ = true;  // e.g. the disk is already full: no file for this one
    if (on_failed_) on_failed_(e.what());
  }
}

void ParticipantFile::on_audio_frame(const ReceivedAudioFrame& frame) {
  std::shared_ptr<AudioSink> sink;
  {
    std::lock_guard lock(mutex_);
    choose(false);
    if (closed_) return;
    sink = media_ ? std::shared_ptr<AudioSink>(media_) : std::shared_ptr<AudioSink>(wav_);
  }
  if (sink) sink->on_audio_frame(frame);  // unlocked: a failure calls on_failed_
}

void ParticipantFile::on_video_frame(const ReceivedVideoFrame& frame) {
  std::shared_ptr<MediaRecorder> sink;
  {
    std::lock_guard lock(mutex_);
    choose(true);
    if (closed_) return;
    if (wav_ && !warned_late_video_) {
      warned_late_video_ = true;
      core::log_warn("recording ", base_, ".wav: video started after the audio; it is not recorded");
    }
    sink = media_;
  }
  if (sink) sink->on_video_frame(frame);
}

void ParticipantFile::close() {
  std::shared_ptr<WavRecorder> wav;
  std::shared_ptr<MediaRecorder> media;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    wav = wav_;
    media = media_;
  }
  if (wav) wav->close();
  if (media) {
    try {
      media->close();
    } catch (const Error& e) {
      if (on_failed_) on_failed_(e.what());
    }
  }
}

void PerParticipantRecorder::on_stream_enabled(const Stream& stream) {
  if (stream.is_local() || (stream.kind() != "audio" && stream.kind() != "video")) return;
  std::lock_guard lock(mutex_);
  if (stream.id() == file_audio_ || stream.id() == file_video_ || recorders_.count(stream.id())) return;
  if (!file_) file_ = std::make_shared<ParticipantFile>(directory_ + "/" + recording_file_name(name_, id_, ""),
                                                        on_failed_);
  if (stream.kind() == "video") {
    if (!file_video_.empty()) return;  // a second camera is not recorded
    file_video_ = stream.id();
    file_->expect_video();
    stream.add_sink(std::static_pointer_cast<VideoSink>(file_));  // subscribes to the video
    return;
  }
  if (file_audio_.empty()) {
    file_audio_ = stream.id();
    file_->expect_audio();
    stream.add_sink(std::static_pointer_cast<AudioSink>(file_));
    return;
  }
  std::string suffix = "-" + std::to_string(recorders_.size() + 1);
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

void PerParticipantRecorder::close_all() {
  std::lock_guard lock(mutex_);
  if (file_) file_->close();
  for (auto& [id, recorder] : recorders_) recorder->close();
}

}  // namespace roomcast::cli
