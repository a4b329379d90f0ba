// MeetingConfig checks: each bad value refused by init_meeting with one line naming it, no I/O.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "meeting/config_check.hpp"
#include "roomcast/meeting.hpp"
#include "roomcast/push_audio_track.hpp"

using namespace roomcast;
using meeting::find_config_problem;

namespace {

MeetingConfig listener() {
  MeetingConfig c;
  c.mic_enabled = false;
  c.server_url = "ws://10.0.0.5:8188";
  return c;
}

// The line init_meeting throws (Config), or "" when it accepts the config.
std::string refusal(const MeetingConfig& c) {
  try {
    init_meeting(c);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ConfigCheck, DefaultsAndAListenerPass) {
  EXPECT_FALSE(find_config_problem(listener()));
  EXPECT_EQ(refusal(listener()), "");
  MeetingConfig embedded = listener();
  embedded.server_url.clear();
  EXPECT_FALSE(find_config_problem(embedded));
}

TEST(ConfigCheck, BitrateWithinOpusRange) {
  for (int bps : {0, 500, 5999, 510001, -32000}) {
    auto c = listener();
    c.audio_bitrate_bps = bps;
    EXPECT_EQ(refusal(c), "MeetingConfig::audio_bitrate_bps is " + std::to_string(bps) +
                              " bps, outside what Opus encodes; set 6000 to 510000 bps (32000 is the default)");
  }
  for (int bps : {6000, 32000, 510000}) {
    auto c = listener();
    c.audio_bitrate_bps = bps;
    EXPECT_EQ(refusal(c), "") << bps;
  }
  EXPECT_TRUE(meeting::bitrate_problem(999999999999));
}

TEST(ConfigCheck, ComplexityAndLeadIn) {
  auto c = listener();
  c.opus_complexity = 11;
  EXPECT_EQ(refusal(c), "MeetingConfig::opus_complexity is 11; Opus complexity runs from 0 (cheapest) to 10 "
                        "(best): set a value in that range");
  c = listener();
  c.opus_complexity = -1;
  EXPECT_NE(refusal(c), "");
  c = listener();
  c.lead_in = std::chrono::milliseconds(-20);
  EXPECT_EQ(refusal(c), "MeetingConfig::lead_in is -20 ms; the silence sent before the track must be 0 to 5000 ms "
                        "(300 is the default)");
  c.lead_in = std::chrono::seconds(6);
  EXPECT_NE(refusal(c), "");
  c.lead_in = std::chrono::seconds(5);
  EXPECT_EQ(refusal(c), "");
  c = listener();
  c.opus_fec = static_cast<OpusFec>(7);
  EXPECT_EQ(find_config_problem(c)->field, "opus_fec");
}

TEST(ConfigCheck, ReconnectGiveUp) {
  auto c = listener();
  c.reconnect_give_up = std::chrono::milliseconds(-1);
  EXPECT_EQ(refusal(c), "MeetingConfig::reconnect_give_up is -1 ms; give how long to keep trying to get back into "
                        "the meeting, 0 to 86400000 ms (a day; 120000, two minutes, is the default)");
  c.reconnect_give_up = std::chrono::hours(25);
  EXPECT_NE(refusal(c), "");
  c.reconnect_give_up = std::chrono::seconds(0);
  EXPECT_EQ(refusal(c), "");
}

TEST(ConfigCheck, MeetingIdNumericAndInJanusRange) {
  auto c = listener();
  c.meeting_id = "abc";
  EXPECT_EQ(refusal(c), "MeetingConfig::meeting_id is 'abc', not a number; Janus VideoRoom meetings have numeric "
                        "ids, e.g. 1234");
  for (const char* id : {"", "12a", "-5", " 12", "1e3"}) {
    c.meeting_id = id;
    EXPECT_NE(refusal(c), "") << id;
  }
  for (const char* id : {"0", "000", "9223372036854775808", "99999999999999999999999"}) {
    c.meeting_id = id;
    EXPECT_NE(refusal(c).find("outside Janus's room ids; use 1 to 9223372036854775807"), std::string::npos) << id;
  }
  c.meeting_id = "9223372036854775807";
  EXPECT_EQ(refusal(c), "");
  EXPECT_EQ(meeting::room_id_of(c.meeting_id), 9223372036854775807ull);
  c.meeting_id = "bad\nid";
  EXPECT_NE(refusal(c).find("'bad\\x0aid'"), std::string::npos) << "control characters escaped";
}

TEST(ConfigCheck, NameSane) {
  auto c = listener();
  c.name = "";
  EXPECT_EQ(refusal(c), "MeetingConfig::name is empty; give the participant a display name others will see");
  c.name = std::string(257, 'x');
  EXPECT_EQ(refusal(c), "MeetingConfig::name is 257 bytes long; keep display names to 256 bytes");
  c.name = "bad\xff";
  EXPECT_EQ(refusal(c), "MeetingConfig::name is not valid UTF-8; give the display name as UTF-8 text");
  c.name = "two\nlines";
  EXPECT_EQ(refusal(c), "MeetingConfig::name holds a control character at byte 3 ('two\\x0alines'); use printable "
                        "characters only");
  c.name = "Zoë 🎵 bot";
  EXPECT_EQ(refusal(c), "");
}

TEST(ConfigCheck, SecretsRefusedWithoutEchoingThem) {
  auto c = listener();
  c.token = "tok-SECRET-123\n";
  std::string line = refusal(c);
  EXPECT_EQ(line, "MeetingConfig::token holds a control character (a stray newline?); check the value (not shown)");
  c = listener();
  c.pin = "pin-SECRET\xfe";
  line = refusal(c);
  EXPECT_EQ(line, "MeetingConfig::pin is not valid UTF-8; check the value (not shown)");
  EXPECT_EQ(line.find("SECRET"), std::string::npos);
}

TEST(ConfigCheck, ServerUrl) {
  auto c = listener();
  c.server_url = "http://10.0.0.5:8188";
  EXPECT_EQ(refusal(c), "MeetingConfig::server_url 'http://10.0.0.5:8188' must start with ws:// or wss:// "
                        "(Janus's WebSocket transport), e.g. ws://10.0.0.5:8188");
  c.server_url = "ws://";
  EXPECT_NE(refusal(c), "");
  c.server_url = "ws://[::1";
  EXPECT_NE(refusal(c).find("is not a valid URL"), std::string::npos);
  c.server_url = "ws://10.0.0.5:99999";
  EXPECT_NE(refusal(c).find("is not a valid URL"), std::string::npos);
  c.server_url = "ws://10.0.0.5:0";
  EXPECT_NE(refusal(c).find("has port 0"), std::string::npos);
  c.server_url = "wss://janus:hunter2@example.org/janus";
  std::string line = refusal(c);
  EXPECT_NE(line.find("holds user:password@ (not shown)"), std::string::npos) << line;
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  c.server_url = "wss://example.org/janus";
  EXPECT_EQ(refusal(c), "");
  c.server_url = "ws://[fe80::1]:8188";
  EXPECT_EQ(refusal(c), "");
}

TEST(ConfigCheck, RequireTls) {
  auto c = listener();
  c.require_tls = true;
  EXPECT_EQ(refusal(c), "MeetingConfig::server_url 'ws://10.0.0.5:8188' is unencrypted (ws://), but TLS is "
                        "required; use the wss:// URL of the server");
  c.server_url = "";
  EXPECT_NE(refusal(c).find("embedded server over ws:// (no TLS), but TLS is required"), std::string::npos);
  c.server_url = "wss://10.0.0.5:8989";
  EXPECT_EQ(refusal(c), "");
}

TEST(ConfigCheck, CaFile) {
  auto dir = std::filesystem::temp_directory_path() / ("roomcast-ca-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto c = listener();
  c.server_url = "wss://10.0.0.5:8989";
  c.ca_file = (dir / "missing.pem").string();
  EXPECT_EQ(refusal(c), "MeetingConfig::ca_file '" + c.ca_file + "': no such file; check the path");
  c.ca_file = dir.string();
  EXPECT_NE(refusal(c).find("is not a file"), std::string::npos);
  const auto junk = dir / "junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  c.ca_file = junk.string();
  EXPECT_NE(refusal(c).find("cannot be used as CA file"), std::string::npos) << refusal(c);
  // Any system CA bundle is a valid store.
  c.ca_file = "/etc/ssl/certs/ca-certificates.crt";
  if (std::filesystem::exists(c.ca_file)) {
    EXPECT_EQ(refusal(c), "");
  }
  c.server_url = "ws://10.0.0.5:8188";
  EXPECT_EQ(refusal(c), "MeetingConfig::ca_file '" + c.ca_file + "' is given, but the server URL "
                        "'ws://10.0.0.5:8188' does not use TLS; use a wss:// URL or drop the CA file");
  c.server_url = "";
  EXPECT_NE(refusal(c).find("is given, but no server URL (the embedded server speaks ws://, no TLS)"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ConfigCheck, MicNeedsTrack) {
  auto c = listener();
  c.mic_enabled = true;
  EXPECT_EQ(refusal(c), "MeetingConfig::custom_microphone_audio_track is empty, but mic_enabled is set; give a "
                        "track (e.g. a FileAudioTrack) or set mic_enabled to false");
}

namespace {
struct StillPicture : roomcast::CustomVideoTrack {
  std::optional<roomcast::VideoFrame> recv() override { return std::nullopt; }
};
}  // namespace

TEST(ConfigCheck, WebcamNeedsItsTrackTheMicAndSaneSettings) {
  auto c = listener();
  c.webcam_enabled = true;
  EXPECT_EQ(refusal(c), "MeetingConfig::custom_camera_video_track is empty, but webcam_enabled is set; give a "
                        "track (e.g. a FileVideoTrack) or set webcam_enabled to false");
  c.custom_camera_video_track = std::make_shared<StillPicture>();
  EXPECT_EQ(refusal(c), "MeetingConfig::webcam_enabled is set without mic_enabled; roomcast sends video together "
                        "with audio (one stream, in sync): enable the microphone too (a silent track will do)");
  c.mic_enabled = true;
  c.custom_microphone_audio_track = std::make_shared<roomcast::PushAudioTrack>();
  EXPECT_EQ(refusal(c), "") << "the defaults are valid";
  c.video.width = 641;
  EXPECT_EQ(refusal(c), "MeetingConfig::video is 641x360; use an even width and height (I420 halves both for its "
                        "colour planes)");
  c.video.width = 4000;
  EXPECT_EQ(refusal(c), "MeetingConfig::video.width is 4000; use 16 to 1920");
  c.video.width = 640;
  c.video.frame_rate = 0;
  EXPECT_EQ(refusal(c), "MeetingConfig::video.frame_rate is 0 fps; use 1 to 60 fps");
  c.video.frame_rate = 30;
  c.video.max_bitrate_bps = 1000;
  EXPECT_EQ(refusal(c), "MeetingConfig::video.max_bitrate_bps is 1000 bit/s; use 50000 to 8000000 bit/s");
  c.video.max_bitrate_bps = 800000;
  c.video.keyframe_interval = std::chrono::milliseconds(100);
  EXPECT_EQ(refusal(c), "MeetingConfig::video.keyframe_interval is 100 ms; use 500 to 60000 ms");
}

TEST(ConfigCheck, WhepListensToAnHttpEndpointOnly) {
  MeetingConfig c;
  c.protocol = SignalingProtocol::Whep;
  c.mic_enabled = false;
  c.server_url = "http://10.0.0.5:7090/whep/endpoint/feed";
  EXPECT_EQ(refusal(c), "");
  c.server_url = "ws://10.0.0.5:8188";
  EXPECT_NE(refusal(c).find("must start with http:// or https://"), std::string::npos);
  c.server_url = "http://10.0.0.5:7090/whep/endpoint/feed";
  c.mic_enabled = true;
  c.custom_microphone_audio_track = std::make_shared<roomcast::PushAudioTrack>();
  EXPECT_EQ(refusal(c), "MeetingConfig::mic_enabled is set, but WHEP only listens; set mic_enabled and "
                        "webcam_enabled to false, or publish over WHIP (SignalingProtocol::Whip) or Janus VideoRoom");
  c.mic_enabled = false;
  c.pin = "4711";
  EXPECT_NE(refusal(c).find("MeetingConfig::pin is given, but WHEP endpoints take no room PIN"), std::string::npos);
}

TEST(ConfigCheck, WhipPublishesToAnHttpEndpointOnly) {
  MeetingConfig c;
  c.protocol = SignalingProtocol::Whip;
  c.custom_microphone_audio_track = std::make_shared<roomcast::PushAudioTrack>();
  c.server_url = "http://10.0.0.5:7080/whip/endpoint/abc";
  EXPECT_EQ(refusal(c), "");
  c.server_url = "";
  EXPECT_EQ(refusal(c), "MeetingConfig::server_url is empty, but the protocol is WHIP; give the WHIP endpoint URL "
                        "the server's operator gave you, e.g. https://example.net/whip/endpoint/ID");
  c.server_url = "ws://10.0.0.5:8188";
  EXPECT_EQ(refusal(c), "MeetingConfig::server_url 'ws://10.0.0.5:8188' is not a WHIP endpoint URL: it must start "
                        "with http:// or https://, e.g. https://example.net/whip/endpoint/ID");
  c.server_url = "https://bot:hunter2@example.net/whip/x";
  EXPECT_EQ(refusal(c).find("hunter2"), std::string::npos);
  EXPECT_NE(refusal(c).find("holds user:password@ (not shown)"), std::string::npos);
  c.server_url = "http://10.0.0.5:7080/whip/endpoint/abc";
  c.require_tls = true;
  EXPECT_NE(refusal(c).find("is unencrypted (http://), but TLS is required"), std::string::npos);
  c.require_tls = false;
  c.mic_enabled = false;
  EXPECT_EQ(refusal(c), "MeetingConfig::mic_enabled is false (listen only), but WHIP only publishes; publish a "
                        "track with mic_enabled, or listen over Janus VideoRoom (SignalingProtocol::JanusVideoRoom)");
  c.mic_enabled = true;
  c.pin = "4711";
  EXPECT_NE(refusal(c).find("MeetingConfig::pin is given, but WHIP endpoints take no room PIN"), std::string::npos);
  c.pin.clear();
  c.create_room_if_missing = true;
  EXPECT_NE(refusal(c).find("MeetingConfig::create_room_if_missing is set, but WHIP cannot create rooms"),
            std::string::npos);
  c.create_room_if_missing = false;
  c.protocol = static_cast<SignalingProtocol>(7);
  EXPECT_EQ(refusal(c), "MeetingConfig::protocol is 7, not a SignalingProtocol; use JanusVideoRoom, Whip or Whep");
}
