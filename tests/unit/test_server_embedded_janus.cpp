// EmbeddedJanus: starts a real Janus, proves the port opens, and that teardown leaves nothing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "roomcast/error.hpp"
#include "server/embedded_janus.hpp"

namespace fs = std::filesystem;
using roomcast::Error;
using roomcast::server::EmbeddedJanus;
using roomcast::server::EmbeddedJanusOptions;
using roomcast::server::make_signed_token;
using roomcast::server::RoomOptions;

namespace {

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool process_gone(int pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename());
  return names;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool janus_installed() { return ::access(EmbeddedJanusOptions{}.janus_binary.c_str(), X_OK) == 0; }

// A stand-in "janus" that never opens its port (for the timeout path).
struct FakeBinary {
  std::string path;
  explicit FakeBinary(const std::string& script) {
    char dir[] = "/tmp/roomcast-test-XXXXXX";
    path = std::string(::mkdtemp(dir)) + "/janus";
    std::ofstream(path) << script;
    fs::permissions(path, fs::perms::owner_all);
  }
  ~FakeBinary() { fs::remove_all(fs::path(path).parent_path()); }
};

// Each test gets a private parent for the Janus dirs, so "nothing left behind" is exact even
// when ctest runs tests in parallel.
class ServerEmbeddedJanus : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/roomcast-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    tmp_ = dir;
  }
  void TearDown() override { fs::remove_all(tmp_); }
  EmbeddedJanusOptions options() const {
    EmbeddedJanusOptions o;
    o.temp_dir = tmp_;
    return o;
  }
  std::set<std::string> leftovers() const { return entries(tmp_); }
  // The text of the error starting Janus with `options` throws, checked to be of `kind`;
  // nothing when Janus started.
  static std::optional<std::string> start_error(const EmbeddedJanusOptions& options,
                                                Error::Kind kind) {
    try {
      EmbeddedJanus janus(options);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind);
      return e.what();
    }
    return std::nullopt;
  }
  std::string tmp_;
};

}  // namespace

// Janus starts even when only loopback exists (it warns "Couldn't find any address" and
// fails later, at ICE time), so these tests need no network namespace; WebRTC through it
// is covered by the e2e tests, which run inside one (tests/e2e/netns.sh).
TEST_F(ServerEmbeddedJanus, StartsAcceptsConnectionsAndCleansUp) {
  if (!janus_installed()) GTEST_SKIP() << "Debian package 'janus' is not installed";
  int pid = 0, port = 0;
  std::string dir;
  {
    EmbeddedJanus janus(options());
    pid = janus.pid();
    port = janus.port();
    dir = janus.config_dir();
    EXPECT_GT(pid, 0);
    EXPECT_EQ(janus.url(), "ws://127.0.0.1:" + std::to_string(port));
    EXPECT_TRUE(port_open(port));
    EXPECT_TRUE(janus.running());
    EXPECT_EQ(dir.rfind(tmp_ + "/roomcast-janus-", 0), 0u) << dir;
    // Only the two modules we use are visible to Janus.
    EXPECT_EQ(fs::read_symlink(dir + "/plugins/libjanus_videoroom.so"),
              "/usr/lib/x86_64-linux-gnu/janus/plugins/libjanus_videoroom.so");
    EXPECT_EQ(fs::read_symlink(dir + "/transports/libjanus_websockets.so"),
              "/usr/lib/x86_64-linux-gnu/janus/transports/libjanus_websockets.so");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir + "/plugins"), fs::directory_iterator{}), 1);
    // Janus logs from its own thread, so the line can follow the open port by a moment.
    bool logged = false;
    for (int i = 0; i < 100 && !logged; ++i) {
      logged = janus.log_tail(200).find("Websockets server started") != std::string::npos;
      if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(logged) << janus.log_tail(200);
  }
  EXPECT_TRUE(process_gone(pid)) << "janus pid " << pid << " still exists";
  EXPECT_FALSE(fs::exists(dir)) << dir;
  EXPECT_TRUE(leftovers().empty());
  EXPECT_FALSE(port_open(port)) << "port " << port << " still accepts connections";
}

TEST_F(ServerEmbeddedJanus, WritesRequestedConfig) {
  if (!janus_installed()) GTEST_SKIP() << "Debian package 'janus' is not installed";
  EmbeddedJanusOptions options = this->options();
  options.token_secret = "s3cr\"et";
  options.session_timeout_s = 33;
  options.event_loops = 3;
  options.rtp_port_range = "21000-21999";
  options.rooms = {RoomOptions{4321, "9876"}};
  EmbeddedJanus janus(options);
  std::string core = slurp(janus.config_dir() + "/janus.jcfg");
  EXPECT_NE(core.find("token_auth = true"), std::string::npos) << core;
  EXPECT_NE(core.find("token_auth_secret = \"s3cr\\\"et\""), std::string::npos) << core;
  EXPECT_NE(core.find("session_timeout = 33"), std::string::npos);
  EXPECT_NE(core.find("event_loops = 3"), std::string::npos);
  EXPECT_NE(core.find("rtp_port_range = \"21000-21999\""), std::string::npos);
  EXPECT_NE(core.find("full_trickle = false"), std::string::npos);
  std::string ws = slurp(janus.config_dir() + "/janus.transport.websockets.jcfg");
  EXPECT_NE(ws.find("ws_port = " + std::to_string(janus.port())), std::string::npos) << ws;
  EXPECT_NE(ws.find("ws_ip = \"127.0.0.1\""), std::string::npos);
  std::string vr = slurp(janus.config_dir() + "/janus.plugin.videoroom.jcfg");
  EXPECT_NE(vr.find("room-4321: {"), std::string::npos) << vr;
  EXPECT_NE(vr.find("pin = \"9876\""), std::string::npos) << vr;
  // Janus parsed it: the signed-token mode is on.
  EXPECT_NE(janus.log_tail(500).find("Signed-Token based authentication enabled"), std::string::npos)
      << janus.log_tail(50);
}

TEST_F(ServerEmbeddedJanus, PrivateDirGoesUnderTmpdirByDefault) {
  if (!janus_installed()) GTEST_SKIP() << "Debian package 'janus' is not installed";
  const char* old = std::getenv("TMPDIR");
  std::string saved = old ? old : "";
  ::setenv("TMPDIR", tmp_.c_str(), 1);
  {
    EmbeddedJanus janus;  // default options: temp_dir empty
    EXPECT_EQ(janus.config_dir().rfind(tmp_ + "/roomcast-janus-", 0), 0u) << janus.config_dir();
  }
  if (old) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(ServerEmbeddedJanus, FixedPortInUseIsAConfigError) {
  if (!janus_installed()) GTEST_SKIP() << "Debian package 'janus' is not installed";
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  EmbeddedJanusOptions options = this->options();
  options.ws_port = ntohs(addr.sin_port);
  try {
    EmbeddedJanus janus(options);
    ADD_FAILURE() << "started on a port that is in use";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_NE(std::string(e.what()).find("cannot use port " + std::to_string(options.ws_port)),
              std::string::npos)
        << e.what();
  }
  ::close(fd);
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(ServerEmbeddedJanus, MissingBinaryIsAConfigErrorWithAdvice) {
  EmbeddedJanusOptions options = this->options();
  options.janus_binary = "/nonexistent/janus";
  const auto what = start_error(options, Error::Kind::Config);
  ASSERT_TRUE(what) << "no exception";
  EXPECT_EQ(*what, "embedded server: /nonexistent/janus not found; install the Debian package "
                   "'janus' or pass --server ws://HOST:PORT");
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(ServerEmbeddedJanus, ExitBeforeReadyIsASignalingErrorWithLogTail) {
  if (!janus_installed()) GTEST_SKIP() << "plugins of the Debian package 'janus' are needed";
  FakeBinary fake("#!/bin/sh\necho 'fake janus: cannot start, args' \"$@\"\nexit 3\n");
  EmbeddedJanusOptions options = this->options();
  options.janus_binary = fake.path;
  const auto what = start_error(options, Error::Kind::Signaling);
  ASSERT_TRUE(what) << "no exception";
  EXPECT_NE(what->find("exited with status 3 before it accepted connections"), std::string::npos)
      << *what;
  EXPECT_NE(what->find("fake janus: cannot start, args -F " + tmp_ + "/roomcast-janus-"),
            std::string::npos)
      << *what;
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(ServerEmbeddedJanus, NotReadyInTimeIsASignalingErrorAndKillsTheChild) {
  if (!janus_installed()) GTEST_SKIP() << "plugins of the Debian package 'janus' are needed";
  // Ignores SIGTERM, so teardown must escalate to SIGKILL.
  FakeBinary fake("#!/bin/sh\ntrap '' TERM\necho \"hung pid $$\"\nexec sleep 1000\n");
  EmbeddedJanusOptions options = this->options();
  options.janus_binary = fake.path;
  options.start_timeout = std::chrono::milliseconds(300);
  options.stop_timeout = std::chrono::milliseconds(200);
  const auto what = start_error(options, Error::Kind::Signaling);
  ASSERT_TRUE(what) << "no exception";
  EXPECT_NE(what->find("did not accept connections on ws://127.0.0.1:"), std::string::npos) << *what;
  EXPECT_NE(what->find("within 300 ms"), std::string::npos) << *what;
  auto at = what->find("hung pid ");
  ASSERT_NE(at, std::string::npos) << *what;
  const int pid = std::stoi(what->substr(at + 9));
  EXPECT_TRUE(process_gone(pid)) << pid;
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(ServerEmbeddedJanus, ReportsTheNoInterfaceProblemFromTheLog) {
  if (!janus_installed()) GTEST_SKIP() << "Debian package 'janus' is not installed";
  // What Janus prints on a host with only loopback, then the real thing.
  FakeBinary wrapper(
      "#!/bin/sh\necho \"[WARN] Couldn't find any address! using 127.0.0.1 as the local IP\"\n"
      "exec /usr/bin/janus \"$@\"\n");
  EmbeddedJanusOptions options = this->options();
  options.janus_binary = wrapper.path;
  EmbeddedJanus janus(options);
  EXPECT_TRUE(janus.has_ice_candidates_problem()) << janus.log_tail(20);
}

// Janus's signed-token format (src/auth.c): "expiry,janus,plugins:" + base64(HMAC-SHA1).
// Expected values from Python's hmac module; the e2e tests prove Janus 1.1.2 accepts them.
TEST_F(ServerEmbeddedJanus, SignedTokenMatchesJanusFormat) {
  auto expiry = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  EXPECT_EQ(make_signed_token("janus-secret", expiry),
            "1700000000,janus,janus.plugin.videoroom:aZqQMrq+Uc75liZPXdaN0x+ZG5Q=");
  EXPECT_EQ(make_signed_token("janus-secret", expiry,
                              {"janus.plugin.videoroom", "janus.plugin.echotest"}),
            "1700000000,janus,janus.plugin.videoroom,janus.plugin.echotest:"
            "5HF7IVU6egFAMjvR9+yGLnOqbO8=");
}
