// check_player_options: the range checks FileAudioTrack and FileMedia share for their options.
#pragma once

#include <chrono>

namespace roomcast::media {

/// Throws Error(Kind::Config) naming the option for loop < 0, start < 0 or a gain outside
/// -60..+20 dB.
void check_player_options(int loop, std::chrono::milliseconds start, double gain_db);

} // namespace roomcast::media
