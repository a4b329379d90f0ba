// publish's player flags: --raw specs, --loop's optional count, the progress line and meter.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "cli/progress_line.hpp"
#include "cli/publish_input.hpp"
#include "cli/raw_spec.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

using std::chrono::milliseconds;

std::string raw_error(const std::string& spec) {
  try {
    parse_raw_spec(spec);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    return e.what();
  }
  return "(no error)";
}

TEST(RawSpec, ParsesTheThreeFormats) {
  const RawPcmFormat s16 = parse_raw_spec("s16le:48000:2");
  EXPECT_EQ(s16.format, SampleFormat::S16);
  EXPECT_EQ(s16.sample_rate_hz, 48000);
  EXPECT_EQ(s16.channels, 2);
  EXPECT_EQ(parse_raw_spec("f32le:8000:1").format, SampleFormat::Float32);
  const RawPcmFormat s32 = parse_raw_spec("s32le:192000:8");
  EXPECT_EQ(s32.format, SampleFormat::S32);
  EXPECT_EQ(s32.sample_rate_hz, 192000);
  EXPECT_EQ(s32.channels, 8);
}

TEST(RawSpec, RefusalsSayWhatAndWhatToGive) {
  const std::string how =
      "; give FORMAT:RATE:CHANNELS, e.g. s16le:48000:2 (FORMAT s16le, s32le or f32le; RATE 8000 to "
      "192000; CHANNELS 1 to 8)";
  EXPECT_EQ(raw_error("s16le:48000"), "--raw 's16le:48000': not three fields separated by ':'" + how);
  EXPECT_EQ(raw_error("s16le:48000:2:1"), "--raw 's16le:48000:2:1': not three fields separated by ':'" + how);
  EXPECT_EQ(raw_error("u8:48000:1"), "--raw 'u8:48000:1': unknown sample format 'u8'" + how);
  EXPECT_EQ(raw_error("s16be:48000:1"), "--raw 's16be:48000:1': unknown sample format 's16be'" + how);
  EXPECT_EQ(raw_error("s16le:7999:1"),
            "--raw 's16le:7999:1': sample rate '7999' is not a whole number from 8000 to 192000" + how);
  EXPECT_EQ(raw_error("s16le:44.1k:1"),
            "--raw 's16le:44.1k:1': sample rate '44.1k' is not a whole number from 8000 to 192000" + how);
  EXPECT_EQ(raw_error("f32le:48000:0"),
            "--raw 'f32le:48000:0': channel count '0' is not a whole number from 1 to 8" + how);
  EXPECT_EQ(raw_error("f32le:48000:-1"),
            "--raw 'f32le:48000:-1': channel count '-1' is not a whole number from 1 to 8" + how);
  EXPECT_EQ(raw_error(""), "--raw '': not three fields separated by ':'" + how);
}

TEST(LoopFlag, AloneMeansForeverACountFollowsOtherwise) {
  using V = std::vector<std::string>;
  EXPECT_EQ(normalise_loop_flag(V{"a.mp3", "--loop"}), (V{"a.mp3", "--loop=0"}));
  EXPECT_EQ(normalise_loop_flag(V{"--loop", "a.mp3"}), (V{"--loop=0", "a.mp3"}));
  EXPECT_EQ(normalise_loop_flag(V{"--loop", "3", "a.mp3"}), (V{"--loop", "3", "a.mp3"}));
  EXPECT_EQ(normalise_loop_flag(V{"--loop=2", "a.mp3"}), (V{"--loop=2", "a.mp3"}));
}

TEST(ProgressLine, BarOnATerminalPlainLinesOtherwise) {
  ProgressState state;
  state.position = milliseconds(62500);
  state.length = milliseconds(125000);
  state.level_dbfs = -18.2;
  EXPECT_EQ(progress_line(state, true), "1:02.5 / 2:05.0 [##########..........] -18 dBFS ||||||||    ");
  EXPECT_EQ(progress_line(state, false), "playing 62.5 s / 125.0 s, level -18 dBFS");
  state.files = 3;
  state.file = 1;
  state.plays = std::nullopt;
  state.play = 4;
  state.level_dbfs = std::nullopt;
  EXPECT_EQ(progress_line(state, true), "[2/3] 1:02.5 / 2:05.0 [##########..........] loop 4/inf");
  state.plays = 5;
  state.length = std::nullopt;
  EXPECT_EQ(progress_line(state, false), "[2/3] playing 62.5 s, play 4/5");
}

TEST(ProgressLine, LevelOfAChunkInDbfs) {
  std::vector<float> sine(4800);
  for (std::size_t i = 0; i < sine.size(); ++i) sine[i] = 0.5f * std::sin(2 * M_PI * 480 * i / 48000.0);
  // RMS of a 0.5 sine: 0.5 / sqrt(2) = -9.03 dBFS, in every sample format.
  EXPECT_NEAR(chunk_level_dbfs(AudioChunk::from_float(sine, 48000, 1)), -9.03, 0.01);
  std::vector<int16_t> s16(sine.size());
  for (std::size_t i = 0; i < sine.size(); ++i) s16[i] = static_cast<int16_t>(std::lround(sine[i] * 32767));
  EXPECT_NEAR(chunk_level_dbfs(AudioChunk::from_s16(s16, 48000, 1)), -9.03, 0.01);
  EXPECT_EQ(chunk_level_dbfs(AudioChunk::from_s16(std::vector<int16_t>(960, 0), 48000, 1)), -99);
}

}  // namespace
}  // namespace roomcast::cli
