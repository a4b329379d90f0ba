// Size of one sample of each public SampleFormat.
#pragma once

#include <cstddef>

#include "roomcast/audio_track.hpp"

namespace roomcast::media {

constexpr std::size_t bytes_per_sample(SampleFormat format) {
  switch (format) {
    case SampleFormat::S16: return 2;
    case SampleFormat::S32:
    case SampleFormat::Float32: return 4;
  }
  return 0;
}

}  // namespace roomcast::media
