// FileMedia on files made by the ffmpeg CLI whose picture and sound both tell their file time:
// after plays, seeks, pauses, loops and playlist changes the two tracks' timestamps agree.
#include <gtest/gtest.h>

#include <memory>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ffmpeg_test_files.hpp"
#include "roomcast/error.hpp"
#include "roomcast/file_media.hpp"

namespace roomcast {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int kFps = 25;
constexpr int kRate = 48000;
// The SDK reads the audio this far ahead of the picture; the driver below does the same.
constexpr double kAudioLead = 0.2;

// Frame N carries N in its top quarter (bit i in block i of 16, LSB left). The audio holds one
// level per 10 ms, 0.05 + 0.9 * k / 1000 for block k: its value tells its file time exactly
// (PCM), and silence (0) tells itself.
const std::string kPicture = "-vf \"geq=lum='if(lt(Y,H/4),16+219*mod(floor(N/pow(2,floor(X*16/W))),2),"
                             "16+mod(X+Y+4*N,200))':cb=128:cr=128,format=yuv420p\" ";

std::string av_input(double seconds) {
  const std::string d = std::to_string(seconds);
  return "-f lavfi -i color=c=black:size=320x180:rate=" + std::to_string(kFps) + ":duration=" + d +
         " -f lavfi -i \"aevalsrc='0.05+0.9*mod(floor(t*100),1000)/1000':s=" + std::to_string(kRate) +
         ":d=" + d + "\" ";
}

struct Recording {
  std::vector<std::pair<double, int>> frames;  // (timestamp s, frame number)
  std::vector<float> audio;                    // the audio track's samples, mono, 48 kHz
  bool video_ended = false;
  bool audio_ended = false;
};

int frame_number(const VideoFrame& frame) {
  int n = 0;
  const int y = frame.height / 8;
  for (int bit = 0; bit < 16; ++bit) {
    const int x = (2 * bit + 1) * frame.width / 32;
    const auto luma = static_cast<uint8_t>(frame.data[static_cast<std::size_t>(y * frame.width + x)]);
    if (luma > 128) {
      n |= 1 << bit;
    }
  }
  return n;
}

void append_audio(const AudioChunk& chunk, std::vector<float>& out) {
  ASSERT_EQ(chunk.sample_rate_hz, kRate);
  ASSERT_EQ(chunk.channels, 1);
  const std::size_t frames = chunk.frames();
  for (std::size_t i = 0; i < frames; ++i) {
    float v = 0;
    if (chunk.format == SampleFormat::S16) {
      int16_t s;
      std::memcpy(&s, chunk.data.data() + 2 * i, 2);
      v = static_cast<float>(s) / 32768.0f;
    } else if (chunk.format == SampleFormat::S32) {
      int32_t s;
      std::memcpy(&s, chunk.data.data() + 4 * i, 4);
      v = static_cast<float>(static_cast<double>(s) / 2147483648.0);
    } else {
      std::memcpy(&v, chunk.data.data() + 4 * i, 4);
    }
    out.push_back(v);
  }
}

// The file time the audio plays at timeline `t` (s), or nullopt for silence.
std::optional<double> audio_content(const Recording& r, double t) {
  const auto i = static_cast<std::size_t>(std::llround(t * kRate));
  if (i >= r.audio.size()) {
    return std::nullopt;
  }
  const float v = r.audio[i];
  if (std::fabs(v) < 0.02f) {
    return std::nullopt;
  }
  return std::round((v - 0.05) / 0.9 * 1000.0) / 100.0;
}

// Pulls both tracks as the SDK does: the picture at its pace, the audio kAudioLead ahead of it.
// `on_frame(t)` runs after each picture (the controls are called from there).
Recording play(FileMedia& media, const std::function<void(double)>& on_frame = {}, int max_frames = 2000) {
  Recording r;
  auto audio = media.audio_track();
  auto video = media.video_track();
  double audio_t = 0;
  for (int i = 0; i < max_frames; ++i) {
    auto frame = video->recv();
    if (!frame) {
      r.video_ended = true;
      break;
    }
    const double t = static_cast<double>(frame->timestamp.count()) / 1e6;
    r.frames.emplace_back(t, frame_number(*frame));
    while (!r.audio_ended && audio_t < t + kAudioLead) {
      auto chunk = audio->recv();
      if (!chunk) {
        r.audio_ended = true;
        break;
      }
      append_audio(*chunk, r.audio);
      audio_t = static_cast<double>(r.audio.size()) / kRate;
    }
    if (on_frame) {
      on_frame(t);
    }
  }
  while (!r.audio_ended && r.audio.size() < 600u * kRate) {
    auto chunk = audio->recv();
    if (!chunk) {
      r.audio_ended = true;
      break;
    }
    append_audio(*chunk, r.audio);
  }
  return r;
}

// Every picture shown at t carries the file time the audio plays at t (5 ms into its 10 ms
// level block, within one block); returns how many pictures had sound to compare with.
int expect_in_sync(const Recording& r) {
  int compared = 0;
  for (const auto& [t, n] : r.frames) {
    const auto heard = audio_content(r, t + 0.005);
    if (!heard) {
      continue;
    }
    ++compared;
    EXPECT_NEAR(*heard, static_cast<double>(n) / kFps, 0.0101)
        << "at timeline " << t << " s the picture shows frame " << n << " but the sound is at " << *heard << " s";
  }
  return compared;
}

class FileMediaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = std::make_unique<roomcast::testing::FfmpegTestFiles>("roomcast-file-media");
    ffmpeg_ok_ = make(av_input(6) + kPicture + "-c:v libx264 -preset veryfast -g 25 -c:a pcm_s16le", "av.mkv") &&
                 make(av_input(2) + kPicture + "-c:v libx264 -preset veryfast -g 25 -c:a pcm_s16le", "short.mkv") &&
                 make("-f lavfi -i sine=frequency=441:sample_rate=48000:duration=1 -c:a pcm_s16le", "tone.wav");
    std::ofstream(path("notes.txt")) << "this is not media\n";
  }
  static void TearDownTestSuite() { files_.reset(); }
  void SetUp() override { ASSERT_TRUE(ffmpeg_ok_) << "the ffmpeg CLI could not make test files"; }
  static std::string path(const std::string& name) { return files_->path(name); }
  static bool make(const std::string& args, const std::string& name) { return files_->make(args, name); }

  static inline std::unique_ptr<roomcast::testing::FfmpegTestFiles> files_;
  static bool ffmpeg_ok_;
};

bool FileMediaTest::ffmpeg_ok_ = false;

TEST_F(FileMediaTest, PlaysBothKindsOnOneTimeline) {
  FileMedia media(path("av.mkv"));
  ASSERT_TRUE(media.has_audio());
  ASSERT_TRUE(media.has_video());
  EXPECT_EQ(media.video_codec_name(), "h264");
  EXPECT_EQ(media.audio_codec_name(), "pcm_s16le");
  EXPECT_EQ(media.source_width(), 320);
  const Recording r = play(media);
  EXPECT_TRUE(r.video_ended);
  EXPECT_TRUE(r.audio_ended);
  ASSERT_EQ(r.frames.size(), 6u * kFps);
  for (std::size_t i = 0; i < r.frames.size(); ++i) {
    EXPECT_EQ(r.frames[i].second, static_cast<int>(i));
    EXPECT_NEAR(r.frames[i].first, static_cast<double>(i) / kFps, 1e-3);
  }
  EXPECT_NEAR(static_cast<double>(r.audio.size()) / kRate, 6.0, 0.05);
  EXPECT_EQ(expect_in_sync(r), 6 * kFps);
}

TEST_F(FileMediaTest, SeekMovesBothTracksAtOnePointOfTheTimeline) {
  FileMedia media(path("av.mkv"));
  bool sought = false;
  const Recording r = play(media, [&](double t) {
    if (!sought && t >= 1.0) {
      sought = true;
      media.seek(milliseconds(4000));
    }
  });
  ASSERT_TRUE(sought);
  // Frames go on from 0..~30 to 100 (4 s) and on to the end, never back.
  bool jumped = false;
  for (std::size_t i = 1; i < r.frames.size(); ++i) {
    const int step = r.frames[i].second - r.frames[i - 1].second;
    if (step != 1) {
      EXPECT_FALSE(jumped) << "a second jump at frame " << r.frames[i].second;
      EXPECT_EQ(r.frames[i].second, 100);
      jumped = true;
    }
    EXPECT_GT(r.frames[i].first, r.frames[i - 1].first);
  }
  EXPECT_TRUE(jumped);
  EXPECT_EQ(r.frames.back().second, 6 * kFps - 1);
  EXPECT_GE(expect_in_sync(r), static_cast<int>(r.frames.size()) - 1);
}

TEST_F(FileMediaTest, PauseHoldsThePictureAndSilencesTheSoundAtOnePoint) {
  FileMedia media(path("av.mkv"));
  bool paused = false, resumed = false;
  const Recording r = play(media, [&](double t) {
    if (!paused && t >= 1.0) {
      paused = true;
      media.pause();
      EXPECT_TRUE(media.paused());
    } else if (paused && !resumed && t >= 2.5) {
      resumed = true;
      const auto at = media.position();
      media.resume();
      EXPECT_NEAR(static_cast<double>(at.count()), 1200, 60) << "the position stood still while paused";
    }
  });
  ASSERT_TRUE(resumed);
  // Every frame number is shown, in order; the one at the pause point stands ~1.5 s.
  int held = 0;
  for (std::size_t i = 1; i < r.frames.size(); ++i) {
    const int step = r.frames[i].second - r.frames[i - 1].second;
    EXPECT_TRUE(step == 0 || step == 1) << "frame " << r.frames[i - 1].second << " then " << r.frames[i].second;
    held += step == 0 ? 1 : 0;
    if (step == 0) {
      EXPECT_FALSE(audio_content(r, r.frames[i].first + 0.005)) << "sound while the picture is held";
    }
  }
  EXPECT_NEAR(held, 1.5 * kFps, 3);
  EXPECT_EQ(r.frames.back().second, 6 * kFps - 1);
  EXPECT_GE(expect_in_sync(r), 6 * kFps - 2);
  // The silence is one stretch as long as the picture stood.
  std::size_t silent = 0;
  for (float v : r.audio) {
    silent += std::fabs(v) < 0.02f ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(silent) / kRate, static_cast<double>(held) / kFps, 0.05);
}

TEST_F(FileMediaTest, LoopsRestartBothTracksTogether) {
  FileMedia::Options options;
  options.loop = 3;
  FileMedia media(path("short.mkv"), options);
  EXPECT_EQ(media.duration(), milliseconds(6000));
  const Recording r = play(media, [&](double t) {
    if (t >= 2.5 && t < 2.55) {
      EXPECT_EQ(media.current_play(), 2);
    }
  });
  ASSERT_EQ(r.frames.size(), 3u * 2 * kFps);
  for (std::size_t i = 0; i < r.frames.size(); ++i) {
    EXPECT_EQ(r.frames[i].second, static_cast<int>(i % (2 * kFps))) << "frame " << i;
    EXPECT_NEAR(r.frames[i].first, static_cast<double>(i) / kFps, 1e-3);
  }
  EXPECT_EQ(expect_in_sync(r), 6 * kFps);
  EXPECT_NEAR(static_cast<double>(r.audio.size()) / kRate, 6.0, 0.05);
}

TEST_F(FileMediaTest, StartAndPlaylistKeepTheTracksTogether) {
  FileMedia::Options options;
  options.start = milliseconds(1000);
  auto media = FileMedia::playlist({path("short.mkv"), path("av.mkv")}, options);
  EXPECT_EQ(media->duration(), milliseconds(7000));
  const Recording r = play(*media);
  ASSERT_FALSE(r.frames.empty());
  EXPECT_EQ(r.frames.front().second, kFps);  // 1 s in
  EXPECT_NEAR(r.frames.front().first, 0.0, 1e-3);
  // 25 frames of the first file, then the second from its frame 0 at 1 s.
  ASSERT_EQ(r.frames.size(), static_cast<std::size_t>(kFps + 6 * kFps));
  EXPECT_EQ(r.frames[kFps].second, 0);
  EXPECT_NEAR(r.frames[kFps].first, 1.0, 1e-3);
  EXPECT_EQ(expect_in_sync(r), 7 * kFps);
  EXPECT_EQ(media->current_file(), 1u);
}

TEST_F(FileMediaTest, ControlsBeforeAnythingIsReadApplyFromTheStart) {
  FileMedia media(path("av.mkv"));
  media.seek(milliseconds(5000));
  const Recording r = play(media);
  ASSERT_EQ(r.frames.size(), 1u * kFps);
  EXPECT_EQ(r.frames.front().second, 5 * kFps);
  EXPECT_NEAR(r.frames.front().first, 0.0, 1e-3);
  EXPECT_EQ(expect_in_sync(r), kFps);
}

TEST_F(FileMediaTest, AudioOnlyFileGivesNoVideoTrack) {
  FileMedia media(path("tone.wav"));
  EXPECT_TRUE(media.has_audio());
  EXPECT_FALSE(media.has_video());
  EXPECT_EQ(media.video_track(), nullptr);
  double seconds = 0;
  while (auto chunk = media.audio_track()->recv()) {
    seconds += static_cast<double>(chunk->frames()) / chunk->sample_rate_hz;
  }
  EXPECT_NEAR(seconds, 1.0, 0.03);
}

void expect_error(const std::function<void()>& open, Error::Kind kind, const std::vector<std::string>& words) {
  try {
    open();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    for (const auto& word : words) {
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what() << " lacks '" << word << "'";
    }
  }
}

TEST_F(FileMediaTest, RefusesBadInputClearly) {
  expect_error([&] { FileMedia m(path("missing.mp4")); }, Error::Kind::Media, {"missing.mp4", "no such file"});
  expect_error([&] { FileMedia m(path("notes.txt")); }, Error::Kind::Media, {"notes.txt", "not a media file"});
  expect_error([&] { FileMedia::playlist({path("av.mkv"), path("tone.wav")}); }, Error::Kind::Media,
               {"tone.wav", "audio but no video", "same kinds"});
  FileMedia::Options late;
  late.start = milliseconds(9000);
  expect_error([&] { FileMedia m(path("av.mkv"), late); }, Error::Kind::Media, {"past the end", "av.mkv"});
  FileMedia::Options bad_loop;
  bad_loop.loop = -1;
  expect_error([&] { FileMedia m(path("av.mkv"), bad_loop); }, Error::Kind::Config, {"loop is -1"});
  FileMedia::Options bad_stream;
  bad_stream.video_stream = 2;
  expect_error([&] { FileMedia m(path("av.mkv"), bad_stream); }, Error::Kind::Config, {"video stream 2 does not exist"});
}

} // namespace
} // namespace roomcast
