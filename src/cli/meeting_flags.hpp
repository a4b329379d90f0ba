// The publish/listen options' view of MeetingConfig's checks: the same rules, named as flags.
#pragma once

#include <string>

#include "roomcast/meeting_config.hpp"

namespace roomcast::cli {

/// Throws roomcast::Error{Config} "--FLAG <problem>" (or "MeetingConfig::FIELD ..." for a
/// setting no flag sets) for the first bad value, before anything is opened or connected.
/// The microphone track is not required here: the file is opened after the options pass.
void check_meeting_flags(const MeetingConfig& config);

/// --fec's value: adaptive, on or off; throws Error{Config} otherwise.
OpusFec parse_fec(const std::string& text);

}  // namespace roomcast::cli
