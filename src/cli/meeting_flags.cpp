// Flag names for the config checks of src/meeting/config_check.
#include "cli/meeting_flags.hpp"

#include <map>
#include <string>

#include "meeting/config_check.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {

void check_meeting_flags(const MeetingConfig& config) {
  static const std::map<std::string, std::string> kFlags = {
      {"meeting_id", "--room"}, {"name", "--name"},       {"token", "--token"},  {"pin", "--pin"},
      {"server_url", "--server"}, {"ca_file", "--ca"},    {"lead_in", "--lead-in"},
      {"audio_bitrate_bps", "--bitrate"}, {"reconnect_give_up", "--reconnect-give-up"},
      {"opus_complexity", "--complexity"}, {"audio_channels", "--channels"}};
  MeetingConfig without_track = config;
  without_track.mic_enabled = false;
  auto problem = meeting::find_config_problem(without_track);
  if (!problem) return;
  auto flag = kFlags.find(problem->field);
  const std::string name = flag != kFlags.end() ? flag->second : "MeetingConfig::" + problem->field;
  throw Error(Error::Kind::Config, name + " " + problem->text);
}

OpusFec parse_fec(const std::string& text) {
  if (text == "adaptive") return OpusFec::Adaptive;
  if (text == "on") return OpusFec::On;
  if (text == "off") return OpusFec::Off;
  throw Error(Error::Kind::Config, "--fec is '" + text + "'; use adaptive (the default), on or off");
}

}  // namespace roomcast::cli
