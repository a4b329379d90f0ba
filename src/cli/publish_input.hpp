// What `roomcast publish` plays: files, URLs or stdin, with --loop/--start/--gain/--stream/--raw;
// a file with a picture as one FileMedia (one demuxer for its sound and picture).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "cli/progress_line.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/file_media.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast::cli {

/// The options publish's inputs take (with a value), for Args.
const std::set<std::string>& publish_input_options();

/// `--loop` alone means forever: gives it the value 0 unless a play count follows.
std::vector<std::string> normalise_loop_flag(const std::vector<std::string>& argv);

/// What publish sends: the microphone (metered for the progress line), the camera when the
/// input has a picture, and the player behind them (a FileMedia, or a FileAudioTrack for
/// sound only) for the progress line.
struct PublishMedia {
  std::shared_ptr<MeteredTrack> audio;
  std::shared_ptr<CustomVideoTrack> video;  ///< nullptr: sound only
  std::shared_ptr<FileMedia> media;         ///< set when the input has a picture
  std::shared_ptr<FileAudioTrack> file;     ///< set otherwise

  std::chrono::milliseconds position() const;
  std::size_t current_file() const;
  int current_play() const;
  std::optional<std::chrono::milliseconds> current_file_duration() const;
  /// "song.mp4 (aac, 48000 Hz, 2 ch, 3:10.0)": what the first line says is published.
  std::string summary() const;
  /// "h264, 480x270": the picture's codec and size (empty without video).
  std::string video_summary() const;
};

/// Checks the flags (Error Config "--FLAG ...; what to give") and opens and probes every
/// input before anything connects (Error Media naming the file). The picture comes too, from
/// the same demuxer (FileMedia), unless --no-video, the input is stdin, raw PCM, or a file (of
/// a playlist) without video. Reads --video-size, --fps, --video-bitrate, --keyframe-interval
/// and --video-codec into `video` (Error Config naming the flag).
PublishMedia open_publish_media(const Args& args, VideoSettings& video);

}  // namespace roomcast::cli
