// EncodedVideoSource: a camera track whose frames are already encoded (a file's video copied
// as it is): EncodedVideoTrack paces and fans them out instead of encoding.
#pragma once

#include <memory>
#include <string>

#include "media/encoded_video_frame.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast::detail {

/// next() is called from the encode thread, one call at a time.
class EncodedVideoSource {
 public:
  virtual ~EncodedVideoSource() = default;
  struct Next {
    enum class Kind {
      Frame,  ///< `frame` holds the next one, its timestamp on the track's timeline
      Wait,   ///< nothing now (paused): ask again a little later
      End,    ///< every play ended
    };
    Kind kind = Kind::End;
    media::EncodedVideoFrame frame;
  };
  virtual Next next() = 0;
  /// What the frames are (VP8 or H.264 Annex B access units).
  virtual VideoCodec codec() const = 0;
  virtual std::string description() const = 0;
};

/// The copied source behind `track` (FileVideoTrack or a FileMedia video track with copy on),
/// or nullptr for a track whose frames the SDK encodes.
std::shared_ptr<EncodedVideoSource> encoded_source_of(const CustomVideoTrack& track);

}  // namespace roomcast::detail
