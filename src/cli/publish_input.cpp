// publish's inputs and player flags.
#include "cli/publish_input.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cli/raw_spec.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

constexpr double kMaxStartSeconds = 1e7;

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

const std::set<std::string>& publish_input_options() {
  static const std::set<std::string> options = {"loop",  "start", "gain",          "raw",
                                                "video-size", "fps", "video-bitrate", "keyframe-interval",
                                                "video-codec"};
  return options;
}

std::vector<std::string> normalise_loop_flag(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--loop" && (i + 1 >= argv.size() || !all_digits(argv[i + 1]))) {
      out.push_back("--loop=0");
    } else {
      out.push_back(argv[i]);
    }
  }
  return out;
}

std::shared_ptr<MeteredTrack> open_publish_input(const Args& args) {
  FileAudioTrack::Options options;
  const int64_t stream_index = args.get_integer("stream").value_or(0);
  if (stream_index < 0 || stream_index > 1000)
    throw Error(Error::Kind::Config, "--stream is " + std::to_string(stream_index) +
                                         "; give the index of one of the file's audio streams (0 is the first)");
  options.audio_stream = static_cast<int>(stream_index);
  if (auto loop = args.get("loop")) {
    if (!all_digits(*loop) || loop->size() > 6)
      throw Error(Error::Kind::Config, "--loop " + quoted(*loop) +
                                           " is not a play count; give --loop N (N from 1 to 999999) "
                                           "or --loop alone to play forever");
    options.loop = std::atoi(loop->c_str());
  }
  if (auto start = args.get("start")) {
    char* end = nullptr;
    const double seconds = std::strtod(start->c_str(), &end);
    if (start->empty() || *end != '\0' || !std::isfinite(seconds) || seconds < 0 || seconds > kMaxStartSeconds)
      throw Error(Error::Kind::Config, "--start " + quoted(*start) +
                                           " is not an offset in seconds; give a number of 0 or more, e.g. 12.5");
    options.start = std::chrono::milliseconds(std::llround(seconds * 1000));
  }
  if (auto gain = args.get("gain")) {
    char* end = nullptr;
    const double db = std::strtod(gain->c_str(), &end);
    if (gain->empty() || *end != '\0' || !std::isfinite(db) || db < -60 || db > 20)
      throw Error(Error::Kind::Config,
                  "--gain " + quoted(*gain) + " is not a gain from -60 to +20 dB; give e.g. --gain -6");
    options.gain_db = db;
  }
  if (auto raw = args.get("raw")) options.raw = parse_raw_spec(*raw);
  const std::vector<std::string>& inputs = args.positional();
  std::shared_ptr<FileAudioTrack> track = inputs.size() == 1
                                              ? std::make_shared<FileAudioTrack>(inputs[0], options)
                                              : FileAudioTrack::playlist(inputs, options);
  return std::make_shared<MeteredTrack>(std::move(track));
}

std::shared_ptr<FileVideoTrack> open_publish_video(const Args& args, VideoSettings& video) {
  if (auto size = args.get("video-size")) {
    int width = 0, height = 0;
    char tail = 0;
    if (std::sscanf(size->c_str(), "%dx%d%c", &width, &height, &tail) != 2 || width <= 0 || height <= 0)
      throw Error(Error::Kind::Config, "--video-size " + quoted(*size) + " is not WIDTHxHEIGHT; give e.g. 1280x720");
    video.width = width;
    video.height = height;
  }
  if (auto codec = args.get("video-codec")) {
    if (*codec == "vp8") video.codec = VideoCodec::vp8;
    else if (*codec == "h264") video.codec = VideoCodec::h264;
    else throw Error(Error::Kind::Config, "--video-codec " + quoted(*codec) + " is not a codec roomcast sends; give vp8 or h264");
  }
  if (auto fps = args.get_integer("fps")) video.frame_rate = static_cast<int>(std::clamp<int64_t>(*fps, -1, 1000));
  if (auto bitrate = args.get_integer("video-bitrate"))
    video.max_bitrate_bps = static_cast<int>(std::clamp<int64_t>(*bitrate, -1, 1'000'000'000));
  if (auto interval = args.get_number("keyframe-interval"))
    video.keyframe_interval = std::chrono::milliseconds(std::llround(std::clamp(*interval, -1.0, 1e6) * 1000));
  const std::vector<std::string>& inputs = args.positional();
  if (args.has("no-video") || inputs.size() != 1 || inputs[0] == "-" || args.has("raw")) return nullptr;
  FileVideoTrack::Options options;
  if (auto loop = args.get("loop")) options.loop = std::atoi(loop->c_str());
  if (auto start = args.get("start")) options.start = std::chrono::milliseconds(std::llround(std::strtod(start->c_str(), nullptr) * 1000));
  if (!FileVideoTrack::has_video(inputs[0])) return nullptr;
  return std::make_shared<FileVideoTrack>(inputs[0], options);
}

}  // namespace roomcast::cli
