// Flag names for the config checks of src/meeting/config_check.
#include "cli/meeting_flags.hpp"

#include <fstream>
#include <map>
#include <string>

#include "meeting/config_check.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {

namespace {
constexpr const char* kCredentialHint =
    "set ROOMCAST_ICE_USERNAME and ROOMCAST_ICE_CREDENTIAL in the environment, or give --ice-credential-file FILE "
    "(username on the first line, credential on the second)";
}  // namespace

const std::set<std::string>& ice_options() {
  static const std::set<std::string> kOptions = {"ice-server", "ice-transport-policy", "ice-credential-file"};
  return kOptions;
}

void apply_ice_flags(const Args& args, MeetingConfig& config,
                     const std::function<std::optional<std::string>(const char*)>& getenv) {
  config.ice_tcp = !args.has("no-ice-tcp");
  const std::string policy = args.get_or("ice-transport-policy", "all");
  if (policy == "all") {
    config.ice_transport_policy = IceTransportPolicy::All;
  } else if (policy == "relay") {
    config.ice_transport_policy = IceTransportPolicy::Relay;
  } else {
    throw Error(Error::Kind::Config, "--ice-transport-policy is " + meeting::printable(policy) +
                                         "; use all (the default) or relay (TURN relays only)");
  }
  std::string username = getenv("ROOMCAST_ICE_USERNAME").value_or("");
  std::string credential = getenv("ROOMCAST_ICE_CREDENTIAL").value_or("");
  if (auto path = args.get("ice-credential-file")) {
    std::ifstream file(*path);
    if (!file)
      throw Error(Error::Kind::Config, "--ice-credential-file " + meeting::printable(*path) +
                                           " cannot be read; give a file with the TURN username on the first line "
                                           "and the credential on the second");
    std::string user_line, credential_line;
    std::getline(file, user_line);
    std::getline(file, credential_line);
    for (auto* line : {&user_line, &credential_line})
      if (!line->empty() && line->back() == '\r') line->pop_back();
    if (user_line.empty() || credential_line.empty())
      throw Error(Error::Kind::Config, "--ice-credential-file " + meeting::printable(*path) + " has no " +
                                           (user_line.empty() ? "username on its first line" : "credential on its second line") +
                                           "; put the TURN username on the first line and the credential on the second");
    username = user_line;
    credential = credential_line;
  }
  for (const auto& url : args.get_all("ice-server")) {
    IceServer server;
    server.urls = {url};
    if (url.rfind("turn", 0) == 0) {
      server.username = username;
      server.credential = credential;
    }
    config.ice_servers.push_back(std::move(server));
  }
}

void check_meeting_flags(const MeetingConfig& config) {
  // Before the general checks: the credentials' hint names the environment and the file.
  if (auto problem = meeting::ice_servers_problem(config.ice_servers, config.ice_transport_policy, kCredentialHint))
    throw Error(Error::Kind::Config,
                (problem->field == "ice_servers" ? "--ice-server " : "--ice-transport-policy ") + problem->text);
  static const std::map<std::string, std::string> kFlags = {
      {"meeting_id", "--room"}, {"name", "--name"},       {"token", "--token"},  {"pin", "--pin"},
      {"server_url", "--server"}, {"ca_file", "--ca"},    {"lead_in", "--lead-in"},
      {"audio_bitrate_bps", "--bitrate"}, {"reconnect_give_up", "--reconnect-give-up"},
      {"opus_complexity", "--complexity"}, {"audio_channels", "--channels"}};
  auto problem = meeting::find_config_problem(config, /*track_required=*/false);
  if (!problem) return;
  auto flag = kFlags.find(problem->field);
  std::string name = flag != kFlags.end() ? flag->second : "MeetingConfig::" + problem->field;
  if (config.protocol == SignalingProtocol::Whip && problem->field == "server_url") name = "--whip";
  if (config.protocol == SignalingProtocol::Whep && problem->field == "server_url") name = "--whep";
  throw Error(Error::Kind::Config, name + " " + problem->text);
}

OpusFec parse_fec(const std::string& text) {
  if (text == "adaptive") return OpusFec::Adaptive;
  if (text == "on") return OpusFec::On;
  if (text == "off") return OpusFec::Off;
  throw Error(Error::Kind::Config, "--fec is '" + text + "'; use adaptive (the default), on or off");
}

}  // namespace roomcast::cli
