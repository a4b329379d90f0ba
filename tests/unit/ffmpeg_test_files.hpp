// Media files made by the ffmpeg CLI for a test suite, in a private temporary folder that goes
// with the suite (TearDownTestSuite runs whatever happened).
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <optional>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "roomcast/error.hpp"

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

/// Overwrites bytes [from_fraction, to_fraction) of a copy of the file with noise (the same
/// noise every run); returns `to`.
inline std::string corrupt_copy(const std::string& from, const std::string& to,
                                double from_fraction, double to_fraction) {
  namespace fs = std::filesystem;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  std::fstream file(to, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = static_cast<double>(fs::file_size(to));
  const auto begin = static_cast<std::streamoff>(size * from_fraction);
  const auto end = static_cast<std::streamoff>(size * to_fraction);
  std::mt19937 rng(7);
  file.seekp(begin);
  for (std::streamoff i = begin; i < end; ++i) {
    file.put(static_cast<char>(rng()));
  }
  return to;
}

/// Where a faststart MP4's packet data starts, as a fraction of its size: its index (moov)
/// comes first and stays intact when only what follows is damaged, so every damaged packet
/// still reaches the decoder. Nothing when the file has no mdat box.
inline std::optional<double> media_data_fraction(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t mdat = bytes.find("mdat");
  if (mdat == std::string::npos) return std::nullopt;
  return static_cast<double>(mdat + 4) / static_cast<double>(bytes.size());
}

/// Plays `track` (recv() until the end) expecting a Media error: its text, or "(no error)"
/// with a test failure when the whole file played. After the error recv() must say "end".
template <class Track> std::string media_error_text_of(Track& track) {
  std::string text = "(no error)";
  try {
    while (track.recv()) {
    }
    ADD_FAILURE() << "no error for a file without one decodable packet";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    text = e.what();
  }
  EXPECT_FALSE(track.recv()); // after the error: the end, not a second throw
  return text;
}

}  // namespace roomcast::testing
