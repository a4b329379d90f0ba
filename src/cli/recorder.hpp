// Recorders for the CLI: the room mix into one WAV, or one file per remote participant (WAV, or
// WebM when the participant has video).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "receive/wav_writer.hpp"
#include "roomcast/events.hpp"
#include "roomcast/media_recorder.hpp"

namespace roomcast::cli {

/// Why a recording stopped before the meeting ended (a full disk); called once.
using RecordingFailed = std::function<void(const std::string& why)>;

/// Writes 20 ms frames into a WAV file, filling gaps in the timestamps with silence so
/// the file's length follows the stream's timeline. A write that fails (a full disk) ends
/// the recording, not the meeting: the file keeps what reached the disk, and on_failed says
/// so once.
class WavRecorder : public AudioSink {
 public:
  explicit WavRecorder(const std::string& path, RecordingFailed on_failed = nullptr);
  void on_audio_frame(const ReceivedAudioFrame& frame) override;
  void close();
  const std::string& path() const { return path_; }
  /// False once closed or stopped by a failed write.
  bool recording() const;

 private:
  mutable std::mutex mutex_;
  std::string path_;
  RecordingFailed on_failed_;
  std::unique_ptr<receive::WavWriter> writer_;
  uint64_t next_sample_ = 0;
  bool started_ = false;
};

/// A participant's file, decided by its first frame: WebM (MediaRecorder, audio and video)
/// when the participant publishes video by then, else WAV as for audio-only participants.
/// Video that starts after the audio went into a WAV is not recorded.
class ParticipantFile : public AudioSink, public VideoSink {
 public:
  /// `base`: the path without extension.
  ParticipantFile(std::string base, RecordingFailed on_failed);
  void on_audio_frame(const ReceivedAudioFrame& frame) override;
  void on_video_frame(const ReceivedVideoFrame& frame) override;
  /// Told by PerParticipantRecorder as the participant's streams appear.
  void expect_audio();
  void expect_video();
  void close();

 private:
  void choose(bool video_frame);  // under mutex_

  std::string base_;
  RecordingFailed on_failed_;
  std::mutex mutex_;
  bool audio_expected_ = false;
  bool video_expected_ = false;
  bool closed_ = false;
  bool warned_late_video_ = false;
  std::shared_ptr<WavRecorder> wav_;
  std::shared_ptr<MediaRecorder> media_;
};

/// One file per remote participant: its first audio and video stream into a ParticipantFile
/// (name-id.webm or name-id.wav), further audio streams into WAVs of their own (name-id-N.wav).
class PerParticipantRecorder : public ParticipantEventHandler {
 public:
  PerParticipantRecorder(std::string directory, const Participant& participant,
                         RecordingFailed on_failed = nullptr);
  void on_stream_enabled(const Stream& stream) override;
  // A stream disabled (a mute, an unpublish) keeps its file open: the recording goes on, the
  // gap filled, when it comes back; the files close when the participant leaves (close_all).
  void close_all();
  const std::string& participant_id() const { return id_; }

 private:
  std::string directory_;
  std::string id_;    // not the Participant: it holds this handler (no cycle)
  std::string name_;
  RecordingFailed on_failed_;
  std::mutex mutex_;
  std::shared_ptr<ParticipantFile> file_;
  std::string file_audio_;  // the stream ids feeding file_
  std::string file_video_;
  std::map<std::string, std::shared_ptr<WavRecorder>> recorders_;  // further audio streams
};

/// "Alice B." + "123" -> "Alice_B-123.wav" (or another `extension`)
std::string recording_file_name(const std::string& display_name, const std::string& id,
                                const std::string& extension = ".wav");

}  // namespace roomcast::cli
