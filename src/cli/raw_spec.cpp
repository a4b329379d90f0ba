// --raw FORMAT:RATE:CHANNELS parsing.
#include "cli/raw_spec.hpp"

#include <cerrno>
#include <cstdlib>
#include <optional>

#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

constexpr const char* kHow =
    "give FORMAT:RATE:CHANNELS, e.g. s16le:48000:2 (FORMAT s16le, s32le or f32le; RATE 8000 to "
    "192000; CHANNELS 1 to 8)";

std::optional<long> whole_number(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  errno = 0;
  const long value = std::strtol(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return value;
}

}  // namespace

RawPcmFormat parse_raw_spec(const std::string& spec) {
  auto refuse = [&spec](const std::string& what) -> RawPcmFormat {
    throw Error(Error::Kind::Config, "--raw '" + spec + "': " + what + "; " + kHow);
  };
  const auto first = spec.find(':');
  const auto second = first == std::string::npos ? std::string::npos : spec.find(':', first + 1);
  if (second == std::string::npos || spec.find(':', second + 1) != std::string::npos)
    return refuse("not three fields separated by ':'");
  const std::string format = spec.substr(0, first);
  const std::string rate = spec.substr(first + 1, second - first - 1);
  const std::string channels = spec.substr(second + 1);
  RawPcmFormat out;
  if (format == "s16le") {
    out.format = SampleFormat::S16;
  } else if (format == "s32le") {
    out.format = SampleFormat::S32;
  } else if (format == "f32le") {
    out.format = SampleFormat::Float32;
  } else {
    return refuse("unknown sample format '" + format + "'");
  }
  const auto rate_hz = whole_number(rate);
  if (!rate_hz || *rate_hz < 8000 || *rate_hz > 192000)
    return refuse("sample rate '" + rate + "' is not a whole number from 8000 to 192000");
  const auto count = whole_number(channels);
  if (!count || *count < 1 || *count > 8)
    return refuse("channel count '" + channels + "' is not a whole number from 1 to 8");
  out.sample_rate_hz = static_cast<int>(*rate_hz);
  out.channels = static_cast<int>(*count);
  return out;
}

}  // namespace roomcast::cli
