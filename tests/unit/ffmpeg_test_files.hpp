// Media files made by the ffmpeg CLI for a test suite, in a private temporary folder that goes
// with the suite (TearDownTestSuite runs whatever happened).
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace roomcast::testing {

class FfmpegTestFiles {
 public:
  /// A fresh folder under the system's temporary directory, named `prefix`-XXXXXX.
  explicit FfmpegTestFiles(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    dir_ = pattern;
  }
  ~FfmpegTestFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FfmpegTestFiles(const FfmpegTestFiles&) = delete;
  FfmpegTestFiles& operator=(const FfmpegTestFiles&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  /// Runs `ffmpeg ARGS DIR/NAME` (at most 60 s); true when it made the file.
  bool make(const std::string& args, const std::string& name) const {
    const std::string command =
        "timeout 60 ffmpeg -hide_banner -loglevel error -nostdin -y " + args + " '" + path(name) + "'";
    return std::system(command.c_str()) == 0;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace roomcast::testing
