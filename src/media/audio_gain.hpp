// apply_gain: a linear gain on an AudioChunk's samples in place, clipping at full scale.
#pragma once

#include "roomcast/audio_track.hpp"

namespace roomcast::media {

/// Multiplies every sample by `gain` (S16/S32 rounded, all formats clipped at full scale).
void apply_gain(AudioChunk& chunk, double gain);

} // namespace roomcast::media
