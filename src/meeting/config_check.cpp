// Config checks: ranges from Opus and Janus, URLs parsed by GLib, the CA file loaded by GIO.
#include "meeting/config_check.hpp"

#include <gio/gio.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "ice/ice_config.hpp"
#include "media/encoded_video_source.hpp"
#include "media/video_codec_text.hpp"
#include "roomcast/error.hpp"

namespace roomcast::meeting {

namespace {

// Byte offset of the first control character, if any (JSON could carry it, a log line not).
std::optional<size_t> control_character(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return i;
  }
  return std::nullopt;
}

bool valid_utf8(const std::string& text) {
  return g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr);
}

std::string gerror_text(GError* error) {
  std::string text = error && error->message ? error->message : "unknown error";
  g_clear_error(&error);
  return text;
}

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

std::string printable(const std::string& value) {
  constexpr size_t kMaxShown = 80;
  std::string out = "'";
  for (size_t i = 0; i < value.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += value[i];
    }
  }
  if (value.size() > kMaxShown) out += "...";
  return out + "'";
}

std::optional<std::string> bitrate_problem(int64_t bps) {
  if (bps >= kMinBitrateBps && bps <= kMaxBitrateBps) return std::nullopt;
  return "is " + std::to_string(bps) + " bps, outside what Opus encodes; set " + std::to_string(kMinBitrateBps) +
         " to " + std::to_string(kMaxBitrateBps) + " bps (32000 is the default)";
}

std::optional<std::string> complexity_problem(int64_t complexity) {
  if (complexity >= 0 && complexity <= kMaxComplexity) return std::nullopt;
  return "is " + std::to_string(complexity) + "; Opus complexity runs from 0 (cheapest) to " +
         std::to_string(kMaxComplexity) + " (best): set a value in that range";
}

std::optional<std::string> channels_problem(int64_t channels) {
  if (channels == 1 || channels == 2) return std::nullopt;
  return "is " + std::to_string(channels) + "; send 1 channel (mono, the default) or 2 (stereo, for music)";
}

std::optional<std::string> lead_in_problem(int64_t ms) {
  if (ms >= 0 && ms <= kMaxLeadInMs) return std::nullopt;
  return "is " + std::to_string(ms) + " ms; the silence sent before the track must be 0 to " +
         std::to_string(kMaxLeadInMs) + " ms (300 is the default)";
}

std::optional<std::string> reconnect_give_up_problem(int64_t ms) {
  constexpr int64_t kDay = 24 * 3600 * 1000;
  if (ms >= 0 && ms <= kDay) return std::nullopt;
  return "is " + std::to_string(ms) + " ms; give how long to keep trying to get back into the meeting, 0 to " +
         std::to_string(kDay) + " ms (a day; 120000, two minutes, is the default)";
}

std::optional<std::string> meeting_id_problem(const std::string& id) {
  if (id.empty()) return "is empty; give the numeric id of the Janus VideoRoom room, e.g. 1234";
  if (id.find_first_not_of("0123456789") != std::string::npos)
    return "is " + printable(id) + ", not a number; Janus VideoRoom meetings have numeric ids, e.g. 1234";
  // Up to 19 digits fit; compare as text beyond that (no overflow).
  const std::string max = std::to_string(kMaxRoomId);
  const std::string digits = id.substr(std::min(id.find_first_not_of('0'), id.size()));
  if (digits.empty() || digits.size() > max.size() || (digits.size() == max.size() && digits > max))
    return "is " + printable(id) + ", outside Janus's room ids; use 1 to " + max;
  return std::nullopt;
}

std::optional<std::string> name_problem(const std::string& name) {
  if (name.empty()) return std::string("is empty; give the participant a display name others will see");
  if (name.size() > kMaxNameBytes)
    return "is " + std::to_string(name.size()) + " bytes long; keep display names to " +
           std::to_string(kMaxNameBytes) + " bytes";
  if (!valid_utf8(name)) return "is not valid UTF-8; give the display name as UTF-8 text";
  if (auto at = control_character(name))
    return "holds a control character at byte " + std::to_string(*at) + " (" + printable(name) +
           "); use printable characters only";
  return std::nullopt;
}

std::optional<std::string> secret_problem(const std::string& value) {
  // The value is never shown: it is a credential.
  if (value.size() > kMaxSecretBytes)
    return "is " + std::to_string(value.size()) + " bytes long (at most " + std::to_string(kMaxSecretBytes) +
           "); check the value (not shown)";
  if (!valid_utf8(value)) return std::string("is not valid UTF-8; check the value (not shown)");
  if (control_character(value))
    return std::string("holds a control character (a stray newline?); check the value (not shown)");
  return std::nullopt;
}

std::optional<std::string> server_url_problem(const std::string& url, bool require_tls) {
  if (url.empty()) {
    if (require_tls)
      return std::string("is empty, which starts the embedded server over ws:// (no TLS), but TLS is required; "
                         "give the wss:// URL of a Janus server");
    return std::nullopt;
  }
  const bool tls = starts_with(url, "wss://");
  if (!tls && !starts_with(url, "ws://"))
    return printable(url) + " must start with ws:// or wss:// (Janus's WebSocket transport), e.g. ws://10.0.0.5:8188";
  GError* error = nullptr;
  GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, &error);
  if (!uri)
    return printable(url) + " is not a valid URL (" + gerror_text(error) +
           "); write it as ws://HOST:PORT or wss://HOST:PORT";
  const char* host = g_uri_get_host(uri);
  const bool has_host = host && *host;
  const bool has_userinfo = g_uri_get_userinfo(uri) != nullptr;
  const int port = g_uri_get_port(uri);
  g_uri_unref(uri);
  // Not echoed: the user part may hold a password.
  if (has_userinfo)
    return std::string("holds user:password@ (not shown); Janus takes no credentials in the URL: pass them as a "
                       "token (--token, MeetingConfig::token) and remove them from the URL");
  if (!has_host) return printable(url) + " names no host; write it as ws://HOST:PORT, e.g. ws://10.0.0.5:8188";
  if (port == 0) return printable(url) + " has port 0; give the port of Janus's WebSocket transport (8188 by default)";
  if (require_tls && !tls)
    return printable(url) + " is unencrypted (ws://), but TLS is required; use the wss:// URL of the server";
  return std::nullopt;
}

std::optional<std::string> whip_url_problem(const std::string& url, bool require_tls) {
  if (url.empty())
    return std::string("is empty, but the protocol is WHIP; give the WHIP endpoint URL the server's operator gave "
                       "you, e.g. https://example.net/whip/endpoint/ID");
  const bool tls = starts_with(url, "https://");
  if (!tls && !starts_with(url, "http://"))
    return printable(url) + " is not a WHIP endpoint URL: it must start with http:// or https://, e.g. "
                            "https://example.net/whip/endpoint/ID";
  GError* error = nullptr;
  GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, &error);
  if (!uri) return printable(url) + " is not a valid URL (" + gerror_text(error) + ")";
  const char* host = g_uri_get_host(uri);
  const bool has_host = host && *host;
  const bool has_userinfo = g_uri_get_userinfo(uri) != nullptr;
  g_uri_unref(uri);
  if (has_userinfo)
    return std::string("holds user:password@ (not shown); WHIP takes a Bearer token instead: pass it as the token "
                       "(--token, ROOMCAST_TOKEN, MeetingConfig::token) and remove it from the URL");
  if (!has_host) return printable(url) + " names no host; write it as http(s)://HOST[:PORT]/PATH";
  if (require_tls && !tls)
    return printable(url) + " is unencrypted (http://), but TLS is required; use the https:// URL of the endpoint";
  return std::nullopt;
}

std::optional<std::string> ca_file_problem(const std::string& path, const std::string& server_url) {
  if (path.empty()) return std::nullopt;
  if (server_url.empty())
    return printable(path) + " is given, but no server URL (the embedded server speaks ws://, no TLS); give a "
                             "wss:// URL or drop the CA file";
  if (!starts_with(server_url, "wss://") && !starts_with(server_url, "https://"))
    return printable(path) + " is given, but the server URL " + printable(server_url) +
           " does not use TLS; use a " + (starts_with(server_url, "http://") ? "https://" : "wss://") +
           " URL or drop the CA file";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return printable(path) + ": no such file; check the path";
  if (!std::filesystem::is_regular_file(path, ec)) return printable(path) + " is not a file; give a PEM file";
  GError* error = nullptr;
  GTlsDatabase* database = g_tls_file_database_new(path.c_str(), &error);
  if (!database)
    return printable(path) + " cannot be used as CA file (" + gerror_text(error) +
           "); give a PEM file holding the server's certificate or the CA that signed it";
  g_object_unref(database);
  return std::nullopt;
}

std::optional<ConfigProblem> ice_servers_problem(const std::vector<IceServer>& servers, IceTransportPolicy policy,
                                                 const std::string& credential_hint) {
  if (policy != IceTransportPolicy::All && policy != IceTransportPolicy::Relay)
    return ConfigProblem{"ice_transport_policy", "is " + std::to_string(static_cast<int>(policy)) +
                                                     ", not an IceTransportPolicy; use IceTransportPolicy::All or Relay"};
  auto problem = [](std::string text) { return ConfigProblem{"ice_servers", std::move(text)}; };
  bool turn = false;
  for (size_t i = 0; i < servers.size(); ++i) {
    const auto& server = servers[i];
    if (server.urls.empty())
      return problem("[" + std::to_string(i) + "] has no URL; give stun:HOST[:PORT] or turn:HOST[:PORT]");
    bool server_turn = false;
    for (const auto& url : server.urls) {
      std::string why;
      if (control_character(url)) return problem(printable(url) + " holds a control character; check the URL");
      auto parsed = ice::parse_server_url(url, why);
      // A URL with user@ may hold a password: not shown.
      if (!parsed)
        return problem((url.find('@') != std::string::npos ? std::string("(URL not shown)") : printable(url)) + " " +
                       why);
      server_turn = server_turn || parsed->scheme != ice::ServerScheme::Stun;
    }
    if (server_turn && (server.username.empty() || server.credential.empty()))
      return problem(printable(server.urls.front()) + " is a TURN server without " +
                     (server.username.empty() ? "a username" : "a credential") +
                     " (TURN relays only for long-term credentials, RFC 8489 §9.2); " + credential_hint);
    if (auto p = secret_problem(server.username)) return problem(printable(server.urls.front()) + ": its username " + *p);
    if (auto p = secret_problem(server.credential))
      return problem(printable(server.urls.front()) + ": its credential " + *p);
    turn = turn || server_turn;
  }
  if (policy == IceTransportPolicy::Relay && !turn)
    return ConfigProblem{"ice_transport_policy",
                         "is relay (relay candidates only), but no turn: server is given, so nothing could carry "
                         "media; add a TURN server or use the policy all"};
  return std::nullopt;
}

std::optional<ConfigProblem> video_problem(const VideoSettings& v) {
  auto range = [](const char* field, long long value, long long low, long long high,
                  const char* unit) -> std::optional<ConfigProblem> {
    if (value >= low && value <= high) return std::nullopt;
    return ConfigProblem{std::string("video.") + field, "is " + std::to_string(value) + unit + "; use " +
                                                            std::to_string(low) + " to " + std::to_string(high) + unit};
  };
  if (auto p = range("width", v.width, 16, 1920, "")) return p;
  if (auto p = range("height", v.height, 16, 1080, "")) return p;
  if (v.width % 2 || v.height % 2)
    return ConfigProblem{"video", "is " + std::to_string(v.width) + "x" + std::to_string(v.height) +
                                      "; use an even width and height (I420 halves both for its colour planes)"};
  if (auto p = range("frame_rate", v.frame_rate, 1, 60, " fps")) return p;
  if (auto p = range("max_bitrate_bps", v.max_bitrate_bps, 50000, 8000000, " bit/s")) return p;
  if (auto p = range("keyframe_interval", v.keyframe_interval.count(), 500, 60000, " ms")) return p;
  if (v.codec != VideoCodec::vp8 && v.codec != VideoCodec::h264)
    return ConfigProblem{"video.codec", "is " + std::to_string(static_cast<int>(v.codec)) +
                                            ", not a VideoCodec; use VideoCodec::vp8 or VideoCodec::h264"};
  if (v.codec == VideoCodec::h264) {
    // We offer profile-level-id 42e01f: level 3.1 bounds the frame and the macroblock rate
    // (H.264 Table A-1), checked here rather than when the encoder starts after joining.
    const long long macroblocks = ((v.width + 15) / 16) * ((v.height + 15) / 16);
    const std::string size = std::to_string(v.width) + "x" + std::to_string(v.height);
    if (macroblocks > 3600)
      return ConfigProblem{"video", "is " + size + ", over H.264 level 3.1's 3600 macroblocks a frame; "
                                    "use at most 1280x720 with H.264, or VP8"};
    if (macroblocks * v.frame_rate > 108000)
      return ConfigProblem{"video", "is " + size + " at " + std::to_string(v.frame_rate) +
                                        " fps, over H.264 level 3.1's 108000 macroblocks a second; "
                                        "lower the frame rate (e.g. 1280x720 at 30), or use VP8"};
  }
  return std::nullopt;
}

/// What WHIP (publish only, to one endpoint) cannot do of what the config asks.
std::optional<ConfigProblem> whip_problem(const MeetingConfig& c) {
  if (!c.mic_enabled)
    return ConfigProblem{"mic_enabled", "is false (listen only), but WHIP only publishes; publish a track with "
                                        "mic_enabled, or listen over Janus VideoRoom (SignalingProtocol::JanusVideoRoom)"};
  if (!c.pin.empty())
    return ConfigProblem{"pin", "is given, but WHIP endpoints take no room PIN (the endpoint URL and the token "
                                "choose the room); drop the PIN"};
  if (c.create_room_if_missing)
    return ConfigProblem{"create_room_if_missing", "is set, but WHIP cannot create rooms (the endpoint's operator "
                                                   "sets them up); drop it"};
  return std::nullopt;
}

/// What WHEP (listen only, to one feed) cannot do of what the config asks.
std::optional<ConfigProblem> whep_problem(const MeetingConfig& c) {
  if (c.mic_enabled || c.webcam_enabled)
    return ConfigProblem{c.mic_enabled ? "mic_enabled" : "webcam_enabled",
                         "is set, but WHEP only listens; set mic_enabled and webcam_enabled to false, or publish "
                         "over WHIP (SignalingProtocol::Whip) or Janus VideoRoom"};
  if (!c.pin.empty())
    return ConfigProblem{"pin", "is given, but WHEP endpoints take no room PIN (the endpoint URL and the token "
                                "choose the feed); drop the PIN"};
  if (c.create_room_if_missing)
    return ConfigProblem{"create_room_if_missing", "is set, but WHEP cannot create rooms; drop it"};
  return std::nullopt;
}

std::optional<ConfigProblem> find_config_problem(const MeetingConfig& c, bool track_required) {
  auto problem = [](const char* field, std::optional<std::string> text) -> std::optional<ConfigProblem> {
    if (!text) return std::nullopt;
    return ConfigProblem{field, std::move(*text)};
  };
  if (auto p = problem("meeting_id", meeting_id_problem(c.meeting_id))) return p;
  if (auto p = problem("name", name_problem(c.name))) return p;
  if (c.webcam_enabled && !c.custom_camera_video_track)
    return ConfigProblem{"custom_camera_video_track",
                         "is empty, but webcam_enabled is set; give a track (e.g. a FileVideoTrack) or set "
                         "webcam_enabled to false"};
  if (c.webcam_enabled && !c.mic_enabled)
    return ConfigProblem{"webcam_enabled",
                         "is set without mic_enabled; roomcast sends video together with audio (one stream, in "
                         "sync): enable the microphone too (a silent track will do)"};
  if (c.webcam_enabled) {
    if (auto p = video_problem(c.video)) return p;
    // A file's video sent as it is must already be in the codec we offer.
    if (auto copy = detail::encoded_source_of(*c.custom_camera_video_track); copy && copy->codec() != c.video.codec)
      return ConfigProblem{"video.codec", "is " + media::codec_text(c.video.codec) + "; " +
                                              media::copy_codec_mismatch("the video of '" + copy->description() + "'",
                                                                         copy->codec(), c.video.codec)};
  }
  if (auto p = problem("token", secret_problem(c.token))) return p;
  if (c.mic_enabled && track_required && !c.custom_microphone_audio_track)
    return ConfigProblem{"custom_microphone_audio_track",
                         "is empty, but mic_enabled is set; give a track (e.g. a FileAudioTrack) or set mic_enabled "
                         "to false"};
  if (c.protocol != SignalingProtocol::JanusVideoRoom && c.protocol != SignalingProtocol::Whip &&
      c.protocol != SignalingProtocol::Whep)
    return ConfigProblem{"protocol", "is " + std::to_string(static_cast<int>(c.protocol)) +
                                         ", not a SignalingProtocol; use JanusVideoRoom, Whip or Whep"};
  if (c.protocol == SignalingProtocol::Whip) {
    if (auto p = problem("server_url", whip_url_problem(c.server_url, c.require_tls))) return p;
    if (auto p = whip_problem(c)) return p;
  } else if (c.protocol == SignalingProtocol::Whep) {
    if (auto p = problem("server_url", whip_url_problem(c.server_url, c.require_tls))) return p;
    if (auto p = whep_problem(c)) return p;
  } else if (auto p = problem("server_url", server_url_problem(c.server_url, c.require_tls))) {
    return p;
  }
  if (auto p = problem("ca_file", ca_file_problem(c.ca_file, c.server_url))) return p;
  if (auto p = ice_servers_problem(c.ice_servers, c.ice_transport_policy,
                                   "give IceServer::username and IceServer::credential"))
    return p;
  if (auto p = problem("pin", secret_problem(c.pin))) return p;
  if (auto p = problem("lead_in", lead_in_problem(c.lead_in.count()))) return p;
  if (auto p = problem("reconnect_give_up", reconnect_give_up_problem(c.reconnect_give_up.count()))) return p;
  if (auto p = problem("audio_bitrate_bps", bitrate_problem(c.audio_bitrate_bps))) return p;
  if (auto p = problem("opus_complexity", complexity_problem(c.opus_complexity))) return p;
  if (auto p = problem("audio_channels", channels_problem(c.audio_channels))) return p;
  if (c.opus_fec != OpusFec::Adaptive && c.opus_fec != OpusFec::On && c.opus_fec != OpusFec::Off)
    return ConfigProblem{"opus_fec", "is " + std::to_string(static_cast<int>(c.opus_fec)) +
                                         ", not an OpusFec value; use OpusFec::Adaptive, On or Off"};
  return std::nullopt;
}

void check_config(const MeetingConfig& config) {
  if (auto problem = find_config_problem(config))
    throw Error(Error::Kind::Config, "MeetingConfig::" + problem->field + " " + problem->text);
}

uint64_t room_id_of(const std::string& meeting_id) { return std::stoull(meeting_id); }

}  // namespace roomcast::meeting
