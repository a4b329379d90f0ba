// publish's progress display: the line (position / length, a level meter) and the track tap
// that measures the level of the audio handed to the SDK.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "roomcast/audio_track.hpp"

namespace roomcast::cli {

struct ProgressState {
  std::chrono::milliseconds position{0};
  std::optional<std::chrono::milliseconds> length;  // of the current file
  std::optional<double> level_dbfs;                 // RMS of the audio being sent
  std::size_t file = 0, files = 1;                  // playlist entry (0-based) and count
  int play = 1;                                     // loop pass (1-based)
  std::optional<int> plays = 1;                     // nullopt: forever
};

/// "1:02.5 / 3:10.0 [#######.............] -18 dBFS |||||||      " (bar and meter only on a
/// TTY; the plain form for logs is "playing 62.5 s / 190.0 s, level -18 dBFS").
std::string progress_line(const ProgressState& state, bool bar);

/// RMS level of a chunk in dBFS (-inf clamped to -99); any sample format.
double chunk_level_dbfs(const AudioChunk& chunk);

/// Forwards an audio track and keeps the level of the last chunk it handed out (the SDK
/// reads ~200 ms ahead of the wire, so the meter leads what others hear by that much).
class MeteredTrack : public CustomAudioTrack {
 public:
  explicit MeteredTrack(std::shared_ptr<CustomAudioTrack> track) : track_(std::move(track)) {}
  std::optional<AudioChunk> recv() override;
  std::optional<std::chrono::milliseconds> duration() const override { return track_->duration(); }
  std::string description() const override { return track_->description(); }
  std::optional<double> level_dbfs() const;

 private:
  std::shared_ptr<CustomAudioTrack> track_;
  std::atomic<double> level_{-1000};  // below -999: nothing yet
};

}  // namespace roomcast::cli
