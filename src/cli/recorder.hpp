// Recorders for the CLI: the room mix into one WAV, or one WAV per remote participant.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "receive/wav_writer.hpp"
#include "roomcast/events.hpp"

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

/// One WavRecorder per remote audio stream, named after the participant.
class PerParticipantRecorder : public ParticipantEventHandler {
 public:
  PerParticipantRecorder(std::string directory, const Participant& participant,
                         RecordingFailed on_failed = nullptr);
  void on_stream_enabled(const Stream& stream) override;
  void on_stream_disabled(const Stream& stream) override;
  void close_all();

 private:
  std::string directory_;
  std::string id_;    // not the Participant: it holds this handler (no cycle)
  std::string name_;
  RecordingFailed on_failed_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<WavRecorder>> recorders_;
};

/// "Alice B." + "123" -> "Alice_B-123.wav"
std::string recording_file_name(const std::string& display_name, const std::string& id);

}  // namespace roomcast::cli
