// What `roomcast publish` plays: files, URLs or stdin, with --loop/--start/--gain/--stream/--raw.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "cli/progress_line.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast::cli {

/// The options publish's inputs take (with a value), for Args.
const std::set<std::string>& publish_input_options();

/// `--loop` alone means forever: gives it the value 0 unless a play count follows.
std::vector<std::string> normalise_loop_flag(const std::vector<std::string>& argv);

/// Checks the flags (Error Config "--FLAG ...; what to give") and opens and probes every
/// input before anything connects (Error Media naming the file).
std::shared_ptr<MeteredTrack> open_publish_input(const Args& args);

/// The file's video as our camera, unless --no-video, the input is stdin, raw PCM or a
/// playlist, or the file has no video stream (nullptr then). Reads --video-size, --fps,
/// --video-bitrate and --keyframe-interval into `video` (Error Config naming the flag).
std::shared_ptr<FileVideoTrack> open_publish_video(const Args& args, VideoSettings& video);

}  // namespace roomcast::cli
