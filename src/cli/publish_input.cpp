// publish's inputs and player flags.
#include "cli/publish_input.hpp"

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
  static const std::set<std::string> options = {"loop", "start", "gain", "raw"};
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

}  // namespace roomcast::cli
