// Umbrella header.
#pragma once
#include "roomcast/audio_track.hpp"
#include "roomcast/error.hpp"
#include "roomcast/events.hpp"
#include "roomcast/file_media.hpp"
#include "roomcast/meeting.hpp"
#include "roomcast/media_recorder.hpp"
#include "roomcast/meeting_config.hpp"
#include "roomcast/push_audio_track.hpp"
#include "roomcast/push_video_track.hpp"
#include "roomcast/video_sink.hpp"
#include "roomcast/video_track.hpp"
#include "roomcast/version.hpp"
