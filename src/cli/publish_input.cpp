// publish's inputs and player flags.
#include "cli/publish_input.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cli/raw_spec.hpp"
#include "media/video_codec_text.hpp"
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

namespace {

FileAudioTrack::Options read_player_flags(const Args& args) {
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
  return options;
}

void read_video_flags(const Args& args, VideoSettings& video) {
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
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return text;
}

}  // namespace

PublishMedia open_publish_media(const Args& args, VideoSettings& video) {
  const FileAudioTrack::Options options = read_player_flags(args);
  read_video_flags(args, video);
  const std::vector<std::string>& inputs = args.positional();
  PublishMedia out;
  const bool copy = args.has("video-copy");
  if (copy) {
    if (args.has("no-video")) throw Error(Error::Kind::Config, "--video-copy sends the file's video, --no-video none; give one of them");
    if (args.has("raw") || std::find(inputs.begin(), inputs.end(), "-") != inputs.end())
      throw Error(Error::Kind::Config, "--video-copy needs a file with video; stdin and --raw carry audio only");
    // Copied video goes out as the file has it: nothing to scale, pace down or re-rate.
    for (const char* flag : {"video-size", "fps", "video-bitrate", "keyframe-interval"})
      if (args.has(flag))
        throw Error(Error::Kind::Config, std::string("--") + flag + " does not apply with --video-copy (the video goes out "
                                         "as the file has it); drop one of them");
  }
  const bool picture_possible = !args.has("no-video") && !args.has("raw") &&
                                std::find(inputs.begin(), inputs.end(), "-") == inputs.end();
  // Every file of a playlist must have a picture for the list to be sent with video.
  const bool picture = picture_possible && std::all_of(inputs.begin(), inputs.end(), [](const std::string& path) {
                         return FileVideoTrack::has_video(path);
                       });
  if (copy && !picture) {
    for (const auto& path : inputs)
      if (!FileVideoTrack::has_video(path))
        throw Error(Error::Kind::Media, "--video-copy: '" + path + "' has no video stream; give a file with video or "
                                        "drop --video-copy");
  }
  if (picture) {
    FileMedia::Options media_options;
    media_options.audio_stream = options.audio_stream;
    media_options.loop = options.loop;
    media_options.start = options.start;
    media_options.gain_db = options.gain_db;
    media_options.video_copy = copy;
    out.media = inputs.size() == 1 ? std::make_shared<FileMedia>(inputs[0], media_options)
                                   : FileMedia::playlist(inputs, media_options);
    if (!out.media->has_audio())
      throw Error(Error::Kind::Media, "'" + inputs[0] + "' has no audio stream; roomcast sends video together with "
                                                         "audio: choose a file with sound");
    out.audio = std::make_shared<MeteredTrack>(out.media->audio_track());
    out.video = out.media->video_track();
    if (copy) {
      // Sent in its own codec: --video-codec, if given, must name it.
      const VideoCodec file_codec = out.media->video_codec_name() == "h264" ? VideoCodec::h264 : VideoCodec::vp8;
      if (args.has("video-codec") && video.codec != file_codec)
        throw Error(Error::Kind::Config, "--video-codec " + *args.get("video-codec") + ": " +
                                             media::copy_codec_mismatch("the video of '" + inputs[0] + "'", file_codec,
                                                                        video.codec));
      video.codec = file_codec;
    }
    return out;
  }
  out.file = inputs.size() == 1 ? std::make_shared<FileAudioTrack>(inputs[0], options)
                                : FileAudioTrack::playlist(inputs, options);
  out.audio = std::make_shared<MeteredTrack>(out.file);
  return out;
}

std::chrono::milliseconds PublishMedia::position() const { return media ? media->position() : file->position(); }

std::size_t PublishMedia::current_file() const { return media ? media->current_file() : file->current_file(); }

int PublishMedia::current_play() const { return media ? media->current_play() : file->current_play(); }

std::optional<std::chrono::milliseconds> PublishMedia::current_file_duration() const {
  return media ? media->current_file_duration() : file->current_file_duration();
}

std::string PublishMedia::summary() const {
  const auto length = media ? media->duration() : file->duration();
  const std::string codec = media ? media->audio_codec_name() : file->codec_name();
  const int rate = media ? media->source_sample_rate_hz() : file->source_sample_rate_hz();
  const int channels = media ? media->source_channels() : file->source_channels();
  return (media ? media->description() : file->description()) + " (" + codec + ", " + std::to_string(rate) +
         " Hz, " + std::to_string(channels) + " ch" + (length ? ", " + seconds_text(*length) : "") + ")";
}

std::string PublishMedia::video_summary() const {
  if (!media || !video) return "";
  return media->video_codec_name() + ", " + std::to_string(media->source_width()) + "x" +
         std::to_string(media->source_height());
}

}  // namespace roomcast::cli
