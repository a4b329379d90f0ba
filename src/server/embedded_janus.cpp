// Private Janus child process: generated config dir, spawn, readiness by TCP connect, teardown.
#include "server/embedded_janus.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "roomcast/error.hpp"

namespace roomcast::server {

const char* const kNoIceInterfaceHint =
    "Janus found no network interface for ICE (it never uses loopback); run inside a network "
    "namespace with a veth pair (see README, tests/e2e/netns.sh) or on a host with a LAN "
    "interface";

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* const kPlugin = "libjanus_videoroom.so";
const char* const kTransport = "libjanus_websockets.so";

std::string errno_text(int err) { return std::strerror(err); }

// libconfig string literal: quotes and backslashes escaped.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush())
    throw Error(Error::Kind::Config, "embedded server: cannot write " + path + ": " +
                                         errno_text(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Binds 127.0.0.1:port (0 = kernel's choice) and returns the port, or -errno. The socket is
// closed again: Janus binds it next (a small race, acceptable for a local test server).
int probe_port(int port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return -errno;
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -errno;
  socklen_t len = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -errno;
  return ntohs(addr.sin_port);
}

bool port_accepts(int port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  sockaddr_in addr = loopback(port);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

std::string base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

}  // namespace

EmbeddedJanus::EmbeddedJanus(EmbeddedJanusOptions options) : options_(std::move(options)) {
  if (::access(options_.janus_binary.c_str(), X_OK) != 0)
    throw Error(Error::Kind::Config, "embedded server: " + options_.janus_binary +
                                         " not found; install the Debian package 'janus' or "
                                         "pass --server ws://HOST:PORT");
  for (const auto& [dir, so] : {std::pair{options_.plugins_dir, kPlugin},
                                std::pair{options_.transports_dir, kTransport}}) {
    if (::access((dir + "/" + so).c_str(), R_OK) != 0)
      throw Error(Error::Kind::Config, "embedded server: " + dir + "/" + so +
                                           " not found; install the Debian package 'janus' or "
                                           "pass --server ws://HOST:PORT");
  }
  if (options_.ws_port < 0 || options_.ws_port > 65535)
    throw Error(Error::Kind::Config,
                "embedded server: WebSocket port " + std::to_string(options_.ws_port) +
                    " is out of range; use 1-65535, or 0 for a free port");

  port_ = probe_port(options_.ws_port);
  if (port_ < 0)
    throw Error(Error::Kind::Config,
                "embedded server: cannot use port " + std::to_string(options_.ws_port) +
                    " on 127.0.0.1 (" + errno_text(-port_) +
                    "); pick another --port or let roomcast choose one");

  std::string parent = options_.temp_dir;
  if (parent.empty()) {
    const char* env = std::getenv("TMPDIR");
    parent = env != nullptr && *env != '\0' ? env : "/tmp";
  }
  std::string pattern = parent + "/roomcast-janus-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw Error(Error::Kind::Config, "embedded server: cannot create a directory in " + parent +
                                         ": " + errno_text(errno));
  dir_ = pattern;
  // From here on the destructor does not run if we throw: undo by hand, then rethrow.
  try {
    write_config();
    spawn();
    wait_until_ready();
  } catch (...) {
    stop();
    remove_dir();
    throw;
  }
}

EmbeddedJanus::~EmbeddedJanus() {
  stop();
  remove_dir();
}

std::string EmbeddedJanus::url() const { return "ws://127.0.0.1:" + std::to_string(port_); }

std::string EmbeddedJanus::log_path() const { return dir_ + "/janus.log"; }

void EmbeddedJanus::write_config() const {
  for (const char* sub : {"plugins", "transports", "loggers", "events"}) {
    if (::mkdir((dir_ + "/" + sub).c_str(), 0700) != 0)
      throw Error(Error::Kind::Config, "embedded server: cannot create " + dir_ + "/" + sub +
                                           ": " + errno_text(errno));
  }
  // Only the two modules we need: Janus loads every .so it finds in these folders.
  for (const auto& [dir, sub, so] : {std::tuple{options_.plugins_dir, "plugins", kPlugin},
                                     std::tuple{options_.transports_dir, "transports", kTransport}}) {
    std::string link = dir_ + "/" + sub + "/" + so;
    if (::symlink((dir + "/" + so).c_str(), link.c_str()) != 0)
      throw Error(Error::Kind::Config, "embedded server: cannot create " + link + ": " +
                                           errno_text(errno));
  }

  std::ostringstream core;
  core << "general: {\n"
       << "  configs_folder = " << quoted(dir_) << "\n"
       << "  plugins_folder = " << quoted(dir_ + "/plugins") << "\n"
       << "  transports_folder = " << quoted(dir_ + "/transports") << "\n"
       << "  loggers_folder = " << quoted(dir_ + "/loggers") << "\n"
       << "  events_folder = " << quoted(dir_ + "/events") << "\n"
       << "  session_timeout = " << options_.session_timeout_s << "\n"
       << "  reclaim_session_timeout = " << options_.reclaim_session_timeout_s << "\n"
       << "  event_loops = " << options_.event_loops << "\n"
       << "  debug_level = 4\n";
  if (!options_.token_secret.empty())
    core << "  token_auth = true\n  token_auth_secret = " << quoted(options_.token_secret) << "\n";
  core << "}\n"
       << "nat: {\n  full_trickle = false\n  ignore_mdns = true\n  nice_debug = false\n"
       << (options_.ice_tcp ? "  ice_lite = true\n  ice_tcp = true\n" : "") << "}\n"
       << "media: {\n  ipv6 = " << (options_.ipv6 ? "true" : "false") << "\n  rtp_port_range = " << quoted(options_.rtp_port_range)
       << "\n}\n";
  write_file(dir_ + "/janus.jcfg", core.str());

  write_file(dir_ + "/janus.transport.websockets.jcfg",
             "general: {\n  json = \"plain\"\n  ws = true\n  ws_port = " + std::to_string(port_) +
                 "\n  ws_ip = \"127.0.0.1\"\n  wss = false\n}\n"
                 "admin: {\n  admin_ws = false\n  admin_wss = false\n}\n");

  std::ostringstream room;
  room << "general: {\n}\n";
  for (const RoomOptions& r : options_.rooms) {
    room << "room-" << r.id << ": {\n"
         << "  description = "
         << quoted(r.description.empty() ? "roomcast " + std::to_string(r.id) : r.description)
         << "\n  publishers = " << r.publishers << "\n  audiocodec = \"opus\"\n"
         << "  videocodec = " << quoted(r.video_codecs) << "\n"
         << "  opus_fec = true\n  audiolevel_ext = true\n";
    if (!r.pin.empty()) room << "  pin = " << quoted(r.pin) << "\n";
    room << "}\n";
  }
  write_file(dir_ + "/janus.plugin.videoroom.jcfg", room.str());
}

void EmbeddedJanus::spawn() {
  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::string cfg = dir_ + "/janus.jcfg";
  std::vector<std::string> args = {options_.janus_binary, "-F", dir_, "-C", cfg, "-o"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int log_fd = -1;
  if (!options_.log_to_console) {
    log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0)
      throw Error(Error::Kind::Config,
                  "embedded server: cannot create " + log_path() + ": " + errno_text(errno));
  }
  Fd log(log_fd);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  Fd dev_null(null_fd);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0)
    throw Error(Error::Kind::Config,
                "embedded server: cannot start " + options_.janus_binary + ": " + errno_text(errno));
  if (pid == 0) {
    // Die with the thread that started us; bail out if that already happened.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    // Our caller may block or ignore signals (e.g. to sigwait); Janus must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2})
      ::signal(sig, SIG_DFL);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    ::syscall(SYS_close_range, 3U, ~0U, 0U);  // no inherited sockets or pipes
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // -1 on old kernels: we poll
}

bool EmbeddedJanus::wait_exit(std::chrono::milliseconds timeout) {
  if (pidfd_ >= 0) {
    pollfd p{pidfd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(timeout.count()));
  } else {
    std::this_thread::sleep_for(timeout);
  }
  return !running();
}

bool EmbeddedJanus::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    exit_status_ = status;
    return false;
  }
  return true;
}

void EmbeddedJanus::wait_until_ready() {
  const auto deadline = Clock::now() + options_.start_timeout;
  auto backoff = std::chrono::milliseconds(2);
  for (;;) {
    if (!running()) {
      std::string how = WIFEXITED(exit_status_)
                            ? "exited with status " + std::to_string(WEXITSTATUS(exit_status_))
                            : "was killed by signal " + std::to_string(WTERMSIG(exit_status_));
      throw Error(Error::Kind::Signaling, "embedded server: " + options_.janus_binary + " " +
                                              how + " before it accepted connections on " +
                                              url() + "; its log ends with:\n" + log_tail(15));
    }
    if (port_accepts(port_)) return;
    if (Clock::now() >= deadline)
      throw Error(Error::Kind::Signaling,
                  "embedded server: " + options_.janus_binary + " did not accept connections on " +
                      url() + " within " + std::to_string(options_.start_timeout.count()) +
                      " ms; its log ends with:\n" + log_tail(15));
    // Readiness has no event to wait on: retry connect() with a short, growing backoff,
    // waking at once if Janus exits meanwhile.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    wait_exit(std::clamp(left, std::chrono::milliseconds(1), backoff));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
  }
}

void EmbeddedJanus::stop() noexcept {
  if (pid_ > 0 && running()) {
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + options_.stop_timeout;
    while (running() && Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      wait_exit(std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(50)));
    }
    if (running()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
    }
  }
  if (pidfd_ >= 0) {
    ::close(pidfd_);
    pidfd_ = -1;
  }
}

void EmbeddedJanus::remove_dir() noexcept {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string EmbeddedJanus::log_tail(int lines) const {
  std::ifstream in(log_path());
  if (!in) return "";
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& line : tail) out += line + "\n";
  return out;
}

bool EmbeddedJanus::has_ice_candidates_problem() const {
  std::ifstream in(log_path());
  for (std::string line; std::getline(in, line);) {
    if (line.find("Error gathering candidates") != std::string::npos ||
        line.find("Couldn't find any address") != std::string::npos)
      return true;
  }
  return false;
}

std::string make_signed_token(const std::string& secret,
                              std::chrono::system_clock::time_point expiry,
                              const std::vector<std::string>& plugins) {
  std::string data =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(expiry.time_since_epoch()).count()) +
      ",janus";
  for (const auto& p : plugins) data += "," + p;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len) == nullptr)
    throw Error(Error::Kind::Config, "cannot sign a Janus token: HMAC-SHA1 failed in OpenSSL");
  return data + ":" + base64(mac, mac_len);
}

}  // namespace roomcast::server
