// PcmConverter + Framer: every input shape becomes 48 kHz mono 20 ms frames, same sound.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "media/framer.hpp"
#include "media/pcm_converter.hpp"
#include "roomcast/error.hpp"
#include "test_media_signal.hpp"

namespace roomcast::media {
namespace {

using test::dominant_frequency;
using test::energy;
using test::sine;
using test::to_s16;

AudioChunk make_chunk(std::span<const float> interleaved, SampleFormat format, int rate,
                      int channels) {
  if (format == SampleFormat::Float32) {
    return AudioChunk::from_float(interleaved, rate, channels);
  }
  if (format == SampleFormat::S16) {
    return AudioChunk::from_s16(to_s16(interleaved), rate, channels);
  }
  AudioChunk chunk;
  chunk.format = SampleFormat::S32;
  chunk.sample_rate_hz = rate;
  chunk.channels = channels;
  chunk.data.resize(interleaved.size() * 4);
  for (std::size_t i = 0; i < interleaved.size(); ++i) {
    const auto v = static_cast<int32_t>(std::lround(interleaved[i] * 2147483647.0));
    std::memcpy(chunk.data.data() + i * 4, &v, 4);
  }
  return chunk;
}

// Feeds frames of input in chunks through converter and framer; checks the frame stream.
struct Pipeline {
  PcmConverter converter;
  Framer framer;
  std::vector<int16_t> buffer;
  std::vector<int16_t> output; // real samples of all frames, in order
  uint64_t next_first = 0;
  int last_valid = -1;

  void drain_frames() {
    while (auto frame = framer.pop()) {
      take(*frame);
    }
  }
  void take(const AudioFrame& frame) {
    EXPECT_EQ(frame.first_sample, next_first);
    next_first += kFrameSamples;
    output.insert(output.end(), frame.samples.begin(), frame.samples.begin() + frame.valid_samples);
    last_valid = frame.valid_samples;
  }
  void push(const AudioChunk& chunk) {
    converter.convert(chunk, buffer);
    framer.push(buffer);
    buffer.clear();
    drain_frames();
  }
  void finish() {
    converter.flush(buffer);
    framer.push(buffer);
    buffer.clear();
    drain_frames();
    if (auto last = framer.flush()) {
      EXPECT_LT(last->valid_samples, kFrameSamples);
      take(*last);
    }
  }
};

using FramingParam = std::tuple<int /*chunk*/, int /*rate*/, int /*channels*/, SampleFormat>;

class MediaFramingTest : public ::testing::TestWithParam<FramingParam> {};

TEST_P(MediaFramingTest, OnlyWholeFramesAndNothingLost) {
  const auto [chunk_frames, rate, channels, format] = GetParam();
  const std::size_t input_frames = static_cast<std::size_t>(rate) * 3 / 10 + 37; // 0.3 s, odd
  const std::vector<float> input = sine(441, rate, input_frames, channels);

  Pipeline pipeline;
  for (std::size_t at = 0; at < input_frames; at += chunk_frames) {
    const std::size_t n = std::min<std::size_t>(chunk_frames, input_frames - at);
    pipeline.push(
        make_chunk(std::span(input).subspan(at * channels, n * channels), format, rate, channels));
  }
  const double expected = static_cast<double>(input_frames) * kSampleRateHz / rate;
  // Before flush only the resampler's filter delay (< 2 ms) and the partial frame are missing.
  EXPECT_GE(static_cast<double>(pipeline.output.size()), expected - kFrameSamples - 96);
  pipeline.finish();
  EXPECT_NEAR(static_cast<double>(pipeline.output.size()), expected, 2.0);
  EXPECT_EQ(pipeline.next_first,
            (pipeline.output.size() + kFrameSamples - 1) / kFrameSamples * kFrameSamples);

  const std::vector<int16_t> mono_in = to_s16(sine(441, rate, input_frames, 1));
  if (rate == kSampleRateHz && channels == 1 && format == SampleFormat::S16) {
    EXPECT_EQ(pipeline.output, mono_in); // no conversion needed: bit-exact
  }
  // Same energy per second: a lost or duplicated stretch would show here.
  const double in_power = energy(mono_in) / rate;
  const double out_power = energy(pipeline.output) / kSampleRateHz;
  EXPECT_NEAR(out_power / in_power, 1.0, 0.02);
}

std::string framing_name(const ::testing::TestParamInfo<FramingParam>& info) {
  const auto [chunk, rate, channels, format] = info.param;
  const char* f = format == SampleFormat::S16 ? "s16" : format == SampleFormat::S32 ? "s32" : "f32";
  return "chunk" + std::to_string(chunk) + "_" + std::to_string(rate) + "Hz_" +
         std::to_string(channels) + "ch_" + f;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MediaFramingTest,
    ::testing::Combine(::testing::Values(1, 441, 1024, 1152, 4096),
                       ::testing::Values(8000, 22050, 44100, 48000, 96000), ::testing::Values(1, 2),
                       ::testing::Values(SampleFormat::S16, SampleFormat::Float32)),
    framing_name);

TEST(PcmConverterTest, S32AndSixChannelsConvert) {
  const std::vector<float> input = sine(441, 32000, 32000, 6);
  Pipeline pipeline;
  pipeline.push(make_chunk(input, SampleFormat::S32, 32000, 6));
  pipeline.finish();
  EXPECT_NEAR(static_cast<double>(pipeline.output.size()), 48000.0, 2.0);
  EXPECT_NEAR(dominant_frequency(pipeline.output, kSampleRateHz), 441.0, 1.0);
}

TEST(PcmConverterTest, Sine441At44100StereoKeepsItsPitch) {
  const std::vector<float> input = sine(441, 44100, 44100, 2);
  Pipeline pipeline;
  for (std::size_t at = 0; at < 44100; at += 1024) {
    const std::size_t n = std::min<std::size_t>(1024, 44100 - at);
    pipeline.push(AudioChunk::from_float(std::span(input).subspan(at * 2, n * 2), 44100, 2));
  }
  pipeline.finish();
  ASSERT_NEAR(static_cast<double>(pipeline.output.size()), 48000.0, 2.0);
  EXPECT_NEAR(dominant_frequency(pipeline.output, kSampleRateHz), 441.0, 1.0);
  // Played at the wrong rate (44.1k as 48k) it would be 480 Hz: far weaker there.
  EXPECT_GT(test::goertzel_power(pipeline.output, 441, kSampleRateHz),
            1000 * test::goertzel_power(pipeline.output, 480, kSampleRateHz));
}

TEST(PcmConverterTest, ShapeChangeMidStreamKeepsEverySample) {
  Pipeline pipeline;
  const std::vector<float> a = sine(441, 44100, 22050, 2);
  const std::vector<float> b = sine(441, 48000, 24000, 1);
  const std::vector<float> c = sine(441, 22050, 11025, 1);
  pipeline.push(make_chunk(a, SampleFormat::Float32, 44100, 2));
  pipeline.push(make_chunk(b, SampleFormat::S16, 48000, 1));
  pipeline.push(make_chunk(c, SampleFormat::S32, 22050, 1));
  pipeline.push(make_chunk(a, SampleFormat::Float32, 44100, 2));
  pipeline.finish();
  EXPECT_NEAR(static_cast<double>(pipeline.output.size()), 4 * 24000.0, 8.0);
  const double power = energy(pipeline.output) / pipeline.output.size();
  const double expected = energy(to_s16(b)) / b.size();
  EXPECT_NEAR(power / expected, 1.0, 0.02);
}

TEST(PcmConverterTest, FlushOnEmptyConverterGivesNothing) {
  PcmConverter converter;
  EXPECT_TRUE(converter.flush().empty());
  EXPECT_TRUE(converter.convert(AudioChunk{}).empty()); // default chunk: 48 kHz mono, no data
}

void expect_media_error(const AudioChunk& chunk, const std::string& text) {
  PcmConverter converter;
  try {
    converter.convert(chunk);
    ADD_FAILURE() << "no error for: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    EXPECT_EQ(std::string(e.what()), text);
  }
}

TEST(PcmConverterTest, InvalidChunksAreRejectedWithClearMessages) {
  AudioChunk chunk;
  chunk.data.resize(4);
  chunk.channels = 0;
  expect_media_error(chunk,
                     "audio chunk has 0 channels; a chunk needs 1 to 8 interleaved channels");
  chunk.channels = 9;
  chunk.data.resize(18);
  expect_media_error(chunk,
                     "audio chunk has 9 channels; a chunk needs 1 to 8 interleaved channels");
  chunk.channels = 1;
  chunk.sample_rate_hz = 4000;
  expect_media_error(chunk,
                     "audio chunk sample rate 4000 Hz is not supported; use 8000 to 192000 Hz");
  chunk.sample_rate_hz = 384000;
  expect_media_error(chunk,
                     "audio chunk sample rate 384000 Hz is not supported; use 8000 to 192000 Hz");
  chunk.sample_rate_hz = 44100;
  chunk.channels = 2;
  chunk.data.resize(6);
  expect_media_error(chunk,
                     "audio chunk data is 6 bytes, not a multiple of one sample frame (4 bytes: 2 "
                     "channel(s) of S16); pass whole interleaved sample frames");
  chunk.format = SampleFormat::Float32;
  chunk.channels = 1;
  chunk.data.resize(7);
  expect_media_error(chunk,
                     "audio chunk data is 7 bytes, not a multiple of one sample frame (4 bytes: 1 "
                     "channel(s) of Float32); pass whole interleaved sample frames");
}

TEST(PcmConverterTest, AudioChunkFactoriesAndFrames) {
  const std::vector<int16_t> s16(10, 7);
  const AudioChunk a = AudioChunk::from_s16(s16, 16000, 2);
  EXPECT_EQ(a.frames(), 5u);
  EXPECT_EQ(a.format, SampleFormat::S16);
  EXPECT_EQ(a.sample_rate_hz, 16000);
  const std::vector<float> f(12, 0.25f);
  const AudioChunk b = AudioChunk::from_float(f, 96000, 3);
  EXPECT_EQ(b.frames(), 4u);
  EXPECT_EQ(b.data.size(), 48u);
  float first = 0;
  std::memcpy(&first, b.data.data(), 4);
  EXPECT_EQ(first, 0.25f);
  EXPECT_THROW(AudioChunk::from_s16(s16, 48000, 3), Error); // 10 samples, 3 channels
  EXPECT_THROW(AudioChunk::from_float(f, 48000, 0), Error);
  AudioChunk bad;
  bad.channels = 0;
  bad.data.resize(8);
  EXPECT_EQ(bad.frames(), 0u);
}

} // namespace
} // namespace roomcast::media
