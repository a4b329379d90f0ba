// The publish/listen options' view of MeetingConfig's checks: the same rules, named as flags.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "cli/args.hpp"
#include "roomcast/meeting_config.hpp"

namespace roomcast::cli {

/// Throws roomcast::Error{Config} "--FLAG <problem>" (or "MeetingConfig::FIELD ..." for a
/// setting no flag sets) for the first bad value, before anything is opened or connected.
/// The microphone track is not required here: the file is opened after the options pass.
void check_meeting_flags(const MeetingConfig& config);

/// The ICE options publish and listen take: --ice-server (repeatable), --ice-transport-policy,
/// --ice-credential-file.
const std::set<std::string>& ice_options();

/// Fills config.ice_servers and ice_transport_policy from the ICE options; TURN credentials
/// come from --ice-credential-file (username on the first line, credential on the second) or
/// the environment (ROOMCAST_ICE_USERNAME, ROOMCAST_ICE_CREDENTIAL; `getenv` reads it), and
/// go to every turn: server. Throws Error{Config} naming the option; never shows a credential.
void apply_ice_flags(const Args& args, MeetingConfig& config,
                     const std::function<std::optional<std::string>(const char*)>& getenv);

/// --fec's value: adaptive, on or off; throws Error{Config} otherwise.
OpusFec parse_fec(const std::string& text);

}  // namespace roomcast::cli
