// WavWriter: header fields and sizes, a header kept valid while writing, error text, a full disk.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "receive/wav_writer.hpp"
#include "roomcast/error.hpp"
#include "small_tmpfs.hpp"

namespace roomcast::receive {
using namespace roomcast::media;  // frames and test signals of the send side
namespace {

namespace fs = std::filesystem;

uint32_t u32(const std::vector<uint8_t> &b, std::size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}
uint16_t u16(const std::vector<uint8_t> &b, std::size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
std::string tag(const std::vector<uint8_t> &b, std::size_t at) {
  return std::string(b.begin() + static_cast<std::ptrdiff_t>(at),
                     b.begin() + static_cast<std::ptrdiff_t>(at + 4));
}

std::vector<uint8_t> read_all(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ReceiveWavWriter : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "roomcast-wav-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    EXPECT_FALSE(fs::exists(dir_));
  }
  fs::path dir_;
};

// 20 ms of a ramp, different per frame so misplaced data shows.
std::vector<int16_t> frame(int index) {
  std::vector<int16_t> out(kFrameSamples);
  for (int i = 0; i < kFrameSamples; ++i) {
    out[i] = static_cast<int16_t>(index * 100 - i);
  }
  return out;
}

TEST_F(ReceiveWavWriter, HeaderDescribesWhatWasWritten) {
  const fs::path path = dir_ / "out.wav";
  {
    WavWriter wav(path.string());
    for (int i = 0; i < 75; ++i) { // 1.5 s
      wav.write(frame(i));
    }
    EXPECT_EQ(wav.frames_written(), 72000u);
    wav.close();
    wav.close();         // idempotent
    wav.write(frame(0)); // ignored once closed
  }
  const std::vector<uint8_t> b = read_all(path);
  constexpr uint32_t kDataBytes = 72000 * 2;
  ASSERT_EQ(b.size(), 44u + kDataBytes);
  EXPECT_EQ(tag(b, 0), "RIFF");
  EXPECT_EQ(u32(b, 4), 36u + kDataBytes);
  EXPECT_EQ(tag(b, 8), "WAVE");
  EXPECT_EQ(tag(b, 12), "fmt ");
  EXPECT_EQ(u32(b, 16), 16u);
  EXPECT_EQ(u16(b, 20), 1u);         // PCM
  EXPECT_EQ(u16(b, 22), 1u);         // mono
  EXPECT_EQ(u32(b, 24), 48000u);     // Hz
  EXPECT_EQ(u32(b, 28), 48000u * 2); // bytes per second
  EXPECT_EQ(u16(b, 32), 2u);         // block align
  EXPECT_EQ(u16(b, 34), 16u);        // bits per sample
  EXPECT_EQ(tag(b, 36), "data");
  EXPECT_EQ(u32(b, 40), kDataBytes);
  // Samples little-endian, in order: frame 74's sample 5 is 7400 - 5.
  const std::size_t at = 44 + (74 * kFrameSamples + 5) * 2;
  EXPECT_EQ(static_cast<int16_t>(u16(b, at)), 7395);
}

TEST_F(ReceiveWavWriter, HeaderIsValidWhileStillOpen) {
  const fs::path path = dir_ / "live.wav";
  WavWriter wav(path.string());
  std::vector<uint8_t> b = read_all(path);
  ASSERT_EQ(b.size(), 44u); // valid and empty from the start
  EXPECT_EQ(u32(b, 4), 36u);
  EXPECT_EQ(u32(b, 40), 0u);

  for (int i = 0; i < 60; ++i) { // 1.2 s, not closed: as if the process were killed now
    wav.write(frame(i));
  }
  b = read_all(path);
  const uint32_t data_bytes = u32(b, 40);
  EXPECT_GE(data_bytes, 48000u * 2);     // covers at least 1 s
  EXPECT_LE(44u + data_bytes, b.size()); // never claims more than is on disk
  EXPECT_EQ(u32(b, 4), 36u + data_bytes);
}

TEST_F(ReceiveWavWriter, DestructorFinishesTheHeaderAndStereoFormat) {
  const fs::path path = dir_ / "stereo.wav";
  {
    WavWriter wav(path.string(), 44100, 2);
    wav.write(std::vector<int16_t>(441 * 2, 7)); // 10 ms
    EXPECT_EQ(wav.frames_written(), 441u);
  }
  const std::vector<uint8_t> b = read_all(path);
  ASSERT_EQ(b.size(), 44u + 441 * 4);
  EXPECT_EQ(u16(b, 22), 2u);
  EXPECT_EQ(u32(b, 24), 44100u);
  EXPECT_EQ(u32(b, 28), 44100u * 4);
  EXPECT_EQ(u16(b, 32), 4u);
  EXPECT_EQ(u32(b, 40), 441u * 4);
}

TEST_F(ReceiveWavWriter, ExistingFileIsTruncated) {
  const fs::path path = dir_ / "old.wav";
  std::ofstream(path) << std::string(100000, 'x');
  { WavWriter wav(path.string()); }
  EXPECT_EQ(fs::file_size(path), 44u);
}

TEST_F(ReceiveWavWriter, UnwritablePathSaysWhatToDo) {
  const std::string path = (dir_ / "missing" / "out.wav").string();
  try {
    WavWriter wav(path);
    FAIL() << "no error for " << path;
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    EXPECT_EQ(std::string(e.what()),
              "cannot write '" + path +
                  "': No such file or directory; check the directory exists and is writable");
  }
  EXPECT_FALSE(fs::exists(path));
}

// What a WAV file on a 64 KiB tmpfs looks like after the disk filled up mid-recording.
struct FullDiskOutcome {
  std::string error;
  uint64_t frames_accepted = 0;   // 20 ms frames write() took before it threw
  uint64_t frames_written = 0;    // sample frames the writer says it kept
  std::vector<uint8_t> bytes;     // the file, read back after close()
};

FullDiskOutcome record_until_full(const fs::path &dir) {
  FullDiskOutcome out;
  const fs::path path = dir / "full.wav";
  WavWriter wav(path.string());
  for (int i = 0; i < 500 && out.error.empty(); ++i) { // 10 s: far more than fits
    try {
      wav.write(frame(i));
      ++out.frames_accepted;
    } catch (const Error &e) {
      out.error = e.what();
    }
  }
  if (wav.is_open()) out.error += " (but the writer is still open)";
  wav.write(frame(0)); // ignored after the failure
  wav.close();         // nothing left to do, nothing thrown
  out.frames_written = wav.frames_written();
  out.bytes = read_all(path);
  return out;
}

std::string hex(const std::vector<uint8_t> &bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

TEST_F(ReceiveWavWriter, FullDiskStopsWithAValidFile) {
  // The child sends back: error text, frames accepted, frames kept, the file in hex.
  const auto text = test::in_small_tmpfs(dir_, "64k", [](const fs::path &dir) {
    const FullDiskOutcome out = record_until_full(dir);
    return out.error + "\n" + std::to_string(out.frames_accepted) + "\n" +
           std::to_string(out.frames_written) + "\n" + hex(out.bytes);
  });
  if (!text) {
    GTEST_SKIP() << "no mount namespace here for a small tmpfs";
  }
  std::vector<std::string> lines;
  for (std::size_t at = 0; at <= text->size();) {
    const std::size_t end = std::min(text->find('\n', at), text->size());
    lines.push_back(text->substr(at, end - at));
    at = end + 1;
  }
  ASSERT_EQ(lines.size(), 4u) << *text;
  const std::string &error = lines[0];
  const std::string path = (dir_ / "full.wav").string();
  EXPECT_EQ(error.rfind("cannot write '" + path + "': No space left on device; recording stopped after 0.", 0), 0u)
      << error;
  EXPECT_NE(error.find(" s (the file is valid and keeps what was written)"), std::string::npos) << error;
  const uint64_t accepted = std::stoull(lines[1]);
  const uint64_t kept = std::stoull(lines[2]);
  std::vector<uint8_t> b;
  for (std::size_t i = 0; i + 1 < lines[3].size(); i += 2) {
    b.push_back(static_cast<uint8_t>(std::stoi(lines[3].substr(i, 2), nullptr, 16)));
  }
  // 64 KiB hold about 0.68 s of 48 kHz mono; most of it is kept, nothing beyond it.
  EXPECT_GT(accepted, 20u);
  EXPECT_LT(accepted, 40u);
  EXPECT_GT(kept, 48000u * 4 / 10);
  EXPECT_LE(kept, (accepted + 1) * kFrameSamples);
  // The header says exactly what the file holds, whole samples only.
  ASSERT_EQ(b.size(), 44u + kept * 2);
  EXPECT_EQ(tag(b, 0), "RIFF");
  EXPECT_EQ(u32(b, 4), b.size() - 8);
  EXPECT_EQ(tag(b, 36), "data");
  EXPECT_EQ(u32(b, 40), b.size() - 44);
  // And the samples are the ones written, in order.
  for (uint64_t n = 0; n < kept; n += 997) {
    const int16_t expected = frame(static_cast<int>(n / kFrameSamples))[n % kFrameSamples];
    ASSERT_EQ(static_cast<int16_t>(u16(b, 44 + n * 2)), expected) << "sample " << n;
  }
}

} // namespace
} // namespace roomcast::receive
