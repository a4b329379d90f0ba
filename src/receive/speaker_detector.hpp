// SpeakerDetector: who is speaking, from each remote stream's decoded 20 ms frames.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace roomcast::receive {

/// Fed once per 20 ms tick; times are counted in ticks, no clock is read.
///
/// Level: RMS of each frame in dBFS (a full-scale square wave is 0 dBFS, digital silence
/// kFloorDbfs), smoothed exponentially with a time constant of smoothing_ticks; a new
/// stream starts at its first frame's level. A stream is active above
/// active_threshold_dbfs. The dominant speaker changes:
///  - from nobody to the loudest active stream once some stream has been active for
///    switch_ticks consecutive ticks;
///  - from one stream to another once that other has been the loudest active stream for
///    switch_ticks consecutive ticks (so two similar voices do not make it flap);
///  - to nobody once no stream has been active for silence_ticks consecutive ticks, or
///    at the next end_tick() after the dominant stream is remove()d.
/// A stream not fed during a tick is forgotten at end_tick() (its jitter buffer went idle).
class SpeakerDetector {
public:
  struct Options {
    double active_threshold_dbfs = -45.0;
    int smoothing_ticks = 5; // 100 ms
    int switch_ticks = 10;   // 200 ms
    int silence_ticks = 20;  // 400 ms
  };

  static constexpr double kFloorDbfs = -100.0;

  SpeakerDetector() : SpeakerDetector(Options{}) {}
  explicit SpeakerDetector(Options options);

  /// One frame of the stream `id` for the current tick (later calls this tick are ignored).
  void feed(std::string_view id, std::span<const int16_t> samples);
  /// The same with the frame's level already known (e.g. from the RTP audio-level extension,
  /// RFC 6464 -dBov on the same scale), for streams that are not decoded.
  void feed_level(std::string_view id, double level_dbfs);
  /// The participant left: forget the stream now.
  void remove(std::string_view id);
  /// Closes the tick. A value only when the dominant speaker changed; the inner nullopt
  /// means nobody is speaking.
  std::optional<std::optional<std::string>> end_tick();

  const std::optional<std::string> &dominant() const { return dominant_; }
  /// Smoothed level of a stream fed recently, for meters and tests.
  std::optional<double> level_dbfs(std::string_view id) const;

  /// RMS level of one frame in dBFS, kFloorDbfs for silence or an empty frame.
  static double frame_dbfs(std::span<const int16_t> samples);

private:
  struct Stream {
    double level_dbfs = kFloorDbfs;
    bool fed = false;
  };

  Options options_;
  double smoothing_; // weight of the new frame, from the time constant
  std::map<std::string, Stream, std::less<>> streams_;
  std::optional<std::string> dominant_;
  bool dominant_removed_ = false;
  std::string challenger_; // loudest active stream other than the dominant one
  int challenger_ticks_ = 0;
  int active_ticks_ = 0; // consecutive ticks with some stream active
  int silent_ticks_ = 0; // consecutive ticks with none
};

} // namespace roomcast::receive
