// Runs test code against a real full filesystem: a child process with a tiny tmpfs of its own.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace roomcast::test {

/// Forks; the child gets a private mount namespace (inside a user namespace when not root),
/// mounts a tmpfs of `size` (e.g. "64k") on `dir` and returns body(dir)'s text through a
/// pipe. The mount dies with the child, so nothing is left behind. nullopt when this
/// machine allows no such namespace (the caller skips).
inline std::optional<std::string> in_small_tmpfs(const std::filesystem::path& dir, const char* size,
                                                 const std::function<std::string(const std::filesystem::path&)>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const auto put = [](const char* file, const std::string& text) {
      const int fd = ::open(file, O_WRONLY);
      const bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      if (fd >= 0) ::close(fd);
      return ok;
    };
    if (::unshare(CLONE_NEWNS) != 0) {
      if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(77);
      put("/proc/self/setgroups", "deny");
      if (!put("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
          !put("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
        ::_exit(77);
    }
    const std::string options = std::string("size=") + size;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0)
      ::_exit(77);
    std::string text;
    try {
      text = body(dir);
    } catch (const std::exception& e) {
      text = std::string("exception: ") + e.what();
    }
    const bool ok = ::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::_exit(ok ? 0 : 3);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return std::nullopt;
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 77) return std::nullopt;
  if (WEXITSTATUS(status) != 0) return "child failed with exit status " + std::to_string(WEXITSTATUS(status));
  return text;
}

}  // namespace roomcast::test
