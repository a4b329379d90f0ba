// EmbeddedJanus: runs a private Janus (VideoRoom + WebSockets only) as a child process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace roomcast::server {

/// A room written into the VideoRoom config (a "static" room), so it exists from the start.
struct RoomOptions {
  std::uint64_t id = 1234;
  std::string pin{};     // empty: no PIN
  int publishers = 100;  // VideoRoom's default of 3 is too few for load tests
  std::string description{};  // ({} so `RoomOptions{id, pin}` is warning-free)
  std::string video_codecs = "vp8,h264";  // Janus `videocodec`: the first one a publisher offers wins
};

struct EmbeddedJanusOptions {
  std::string janus_binary = "/usr/bin/janus";
  std::string plugins_dir = "/usr/lib/x86_64-linux-gnu/janus/plugins";
  std::string transports_dir = "/usr/lib/x86_64-linux-gnu/janus/transports";
  int ws_port = 0;  // 0: pick a free port on 127.0.0.1
  std::string rtp_port_range = "20000-29999";
  std::string token_secret;  // non-empty: signed-token auth (token_auth_secret)
  int session_timeout_s = 60;
  /// A session whose WebSocket dropped survives this long for its client to `claim` it
  /// (the media keeps flowing meanwhile). The price: a client that died stays in the room
  /// that long.
  int reclaim_session_timeout_s = 10;
  int event_loops = 2;  // handles share loop threads instead of one thread each
  /// Passive TCP candidates beside the UDP ones (ICE-TCP); Janus then runs as an ICE lite
  /// agent (its ICE-TCP needs that), so clients must take the controlling role.
  bool ice_tcp = false;
  /// IPv6 host candidates beside the IPv4 ones (Janus's `ipv6`; link-local ones left out).
  bool ipv6 = false;
  std::chrono::milliseconds start_timeout{15000};
  std::chrono::milliseconds stop_timeout{5000};  // SIGTERM grace before SIGKILL
  bool log_to_console = false;  // else Janus logs to janus.log in the private dir
  std::string temp_dir;         // parent of the private dir; empty: $TMPDIR, else /tmp
  std::vector<RoomOptions> rooms;  // static rooms; clients may still `create` others
};

/// Owns one Janus process and its private config directory (/tmp/roomcast-janus-XXXXXX, or
/// under temp_dir / $TMPDIR).
/// The constructor returns once Janus accepts TCP connections on its WebSocket port; it
/// throws roomcast::Error (Config: binary/plugins missing or bad options; Signaling: Janus
/// exited or did not get ready in time, with the tail of its log) and then leaves no
/// process or file behind. The destructor stops Janus (SIGTERM, then SIGKILL after a
/// grace period), reaps it and removes the directory.
/// Janus gets PR_SET_PDEATHSIG: it is killed when the *thread* that constructed this
/// object exits, so construct it on a thread that outlives it (normally main).
class EmbeddedJanus {
 public:
  explicit EmbeddedJanus(EmbeddedJanusOptions options = {});
  ~EmbeddedJanus();
  EmbeddedJanus(const EmbeddedJanus&) = delete;
  EmbeddedJanus& operator=(const EmbeddedJanus&) = delete;

  std::string url() const;  // "ws://127.0.0.1:PORT"
  int port() const { return port_; }
  int pid() const { return static_cast<int>(pid_); }
  std::string config_dir() const { return dir_; }
  std::string log_path() const;
  /// Last `lines` lines of Janus's log ("" when logging to the console).
  std::string log_tail(int lines) const;
  /// False once Janus has exited (reaps it; safe to call repeatedly).
  bool running();
  /// True if the log shows Janus found no usable interface for ICE candidates. Callers
  /// then explain: Janus never uses loopback; run inside a network namespace with a veth
  /// pair (tests/e2e/netns.sh) or on a host with a LAN interface.
  bool has_ice_candidates_problem() const;

 private:
  void write_config() const;
  void spawn();
  void wait_until_ready();
  bool wait_exit(std::chrono::milliseconds timeout);  // true once Janus has exited
  void stop() noexcept;
  void remove_dir() noexcept;

  EmbeddedJanusOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable when Janus exits
  bool reaped_ = false;
  int exit_status_ = 0;
};

/// Janus signed token (janus-gateway src/auth.c): "EXPIRY,janus,PLUGIN[,PLUGIN...]:" followed
/// by base64(HMAC-SHA1(secret, that data)), EXPIRY in Unix seconds.
std::string make_signed_token(const std::string& secret,
                              std::chrono::system_clock::time_point expiry,
                              const std::vector<std::string>& plugins = {"janus.plugin.videoroom"});

/// Message callers show when has_ice_candidates_problem() is true.
extern const char* const kNoIceInterfaceHint;

}  // namespace roomcast::server
