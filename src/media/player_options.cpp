// check_player_options: what each option's range is and what to give instead.
#include "media/player_options.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

constexpr double kMinGainDb = -60.0;
constexpr double kMaxGainDb = 20.0;

} // namespace

void check_player_options(int loop, std::chrono::milliseconds start, double gain_db) {
  if (loop < 0) {
    throw Error(Error::Kind::Config, "loop is " + std::to_string(loop) +
                                         "; give a play count: 1 or more, or 0 to loop forever");
  }
  if (start.count() < 0) {
    throw Error(Error::Kind::Config,
                "start is " + std::to_string(start.count()) + " ms; give an offset of 0 or more");
  }
  if (!std::isfinite(gain_db) || gain_db < kMinGainDb || gain_db > kMaxGainDb) {
    char text[64];
    std::snprintf(text, sizeof(text), "%g", gain_db);
    throw Error(Error::Kind::Config,
                std::string("gain is ") + text + " dB; give -60 to +20 dB (0: unchanged)");
  }
}

} // namespace roomcast::media
