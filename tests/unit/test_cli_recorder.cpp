// WavRecorder (listen --record): a full disk ends the recording once, with a reason, and
// leaves a valid WAV; the frames after it are dropped without another word.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/recorder.hpp"
#include "small_tmpfs.hpp"

namespace roomcast::cli {
namespace {

namespace fs = std::filesystem;

uint32_t u32(const std::string& b, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])); };
  return byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
}

TEST(CliWavRecorder, FullDiskStopsTheRecordingOnceAndKeepsAValidFile) {
  std::string pattern = (fs::temp_directory_path() / "roomcast-rec-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  // The child answers: failures reported, whether still recording, file size, RIFF and data
  // sizes from the header, and the first failure's text.
  const auto text = test::in_small_tmpfs(dir, "32k", [](const fs::path& dir) {
    std::vector<std::string> failures;
    const std::string path = (dir / "mix.wav").string();
    WavRecorder recorder(path, [&](const std::string& why) { failures.push_back(why); });
    std::vector<int16_t> samples(960, 1000);
    for (uint64_t i = 0; i < 250; ++i) {  // 5 s, with a 1 s pause in the middle
      const uint64_t at = (i < 100 ? i : i + 50) * 960;
      recorder.on_audio_frame(ReceivedAudioFrame{samples, 48000, at, false});
    }
    const bool recording = recorder.recording();
    recorder.close();
    std::ifstream in(path, std::ios::binary);
    const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return std::to_string(failures.size()) + " " + std::to_string(recording) + " " +
           std::to_string(b.size()) + " " + std::to_string(b.size() >= 44 ? u32(b, 4) : 0) + " " +
           std::to_string(b.size() >= 44 ? u32(b, 40) : 0) + " " + (failures.empty() ? "" : failures[0]);
  });
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!text) GTEST_SKIP() << "no mount namespace here for a small tmpfs";
  std::istringstream in(*text);
  std::size_t failures = 0, size = 0, riff = 0, data = 0;
  int recording = 1;
  in >> failures >> recording >> size >> riff >> data;
  std::string why;
  std::getline(in >> std::ws, why);
  EXPECT_EQ(failures, 1u) << *text;
  EXPECT_EQ(recording, 0);
  EXPECT_GT(size, 16000u);  // most of the 32 KiB
  EXPECT_LE(size, 32768u);
  EXPECT_EQ(riff, size - 8);
  EXPECT_EQ(data, size - 44);
  EXPECT_EQ(data % 2, 0u);
  EXPECT_NE(why.find("mix.wav': No space left on device; recording stopped after 0."), std::string::npos) << why;
}

}  // namespace
}  // namespace roomcast::cli
