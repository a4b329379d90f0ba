// Checks every MeetingConfig value before anything touches the network (one line per problem).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roomcast/meeting_config.hpp"

namespace roomcast::meeting {

inline constexpr int64_t kMinBitrateBps = 6000;    // Opus's range (RFC 6716 §2.1.1, opus_encoder_ctl)
inline constexpr int64_t kMaxBitrateBps = 510000;
inline constexpr int64_t kMaxComplexity = 10;
inline constexpr int64_t kMaxLeadInMs = 5000;
// Janus reads room ids as JSON integers (jansson: signed 64-bit) and refuses 0 when joining.
inline constexpr uint64_t kMaxRoomId = 9223372036854775807ull;
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxSecretBytes = 4096;

/// One bad setting. `text` follows the setting's name, which the caller spells its own way
/// ("MeetingConfig::audio_bitrate_bps", "--bitrate"): "<name> <text>" is the whole line.
struct ConfigProblem {
  std::string field;  // the MeetingConfig member
  std::string text;
};

// Each returns the text of a problem, or nullopt when the value is fine. Numbers are taken
// wide so a command line can check a value before narrowing it.
std::optional<std::string> bitrate_problem(int64_t bps);
std::optional<std::string> complexity_problem(int64_t complexity);
std::optional<std::string> channels_problem(int64_t channels);
std::optional<std::string> lead_in_problem(int64_t ms);
std::optional<std::string> reconnect_give_up_problem(int64_t ms);
std::optional<std::string> meeting_id_problem(const std::string& id);
std::optional<std::string> name_problem(const std::string& name);
/// Token, PIN: never echoes the value.
std::optional<std::string> secret_problem(const std::string& value);
std::optional<std::string> server_url_problem(const std::string& url, bool require_tls);
/// A WHIP endpoint URL (http:// or https://; https:// when TLS is required).
std::optional<std::string> whip_url_problem(const std::string& url, bool require_tls);
/// Loads the file as a certificate store (local I/O only).
std::optional<std::string> ca_file_problem(const std::string& path, const std::string& server_url);

/// STUN/TURN URLs, credentials and the transport policy; `servers_name` and `credential_hint`
/// are how the caller names the setting and says where credentials go (the API's members,
/// or a command line's flags and environment).
std::optional<ConfigProblem> ice_servers_problem(const std::vector<IceServer>& servers, IceTransportPolicy policy,
                                                 const std::string& credential_hint);

/// The first problem of `config`, in the order a reader of the struct meets its members.
/// `track_required` false: a missing microphone track is no problem (a command line checks
/// its options before it opens the file).
std::optional<ConfigProblem> find_config_problem(const MeetingConfig& config, bool track_required = true);
/// Throws Error{Config} "MeetingConfig::<field> <text>" for the first problem.
void check_config(const MeetingConfig& config);
/// The numeric room id of a checked meeting_id.
uint64_t room_id_of(const std::string& meeting_id);

/// A value as it may appear in a one-line message: quoted, control characters escaped, long
/// values cut.
std::string printable(const std::string& value);

}  // namespace roomcast::meeting
