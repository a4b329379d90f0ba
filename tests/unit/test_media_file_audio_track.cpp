// FileAudioTrack on real files made by the ffmpeg CLI at test time: decode, tone, errors.
#include <gtest/gtest.h>

#include <memory>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ffmpeg_test_files.hpp"
#include "media/audio_frame.hpp"
#include "media/pcm_converter.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/error.hpp"
#include "test_media_signal.hpp"

namespace roomcast::media {
namespace {

namespace fs = std::filesystem;

class FileAudioTrackTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    files_ = std::make_unique<roomcast::testing::FfmpegTestFiles>("roomcast-media");
    const std::string tone = "-f lavfi -i sine=frequency=441:sample_rate=44100:duration=1";
    const std::string long_tone = "-f lavfi -i sine=frequency=441:sample_rate=44100:duration=3";
    ffmpeg_ok_ = make(tone + " -c:a libmp3lame", "tone.mp3") &&
                 make(tone + " -c:a aac", "tone.m4a") &&
                 make(tone + " -ac 2 -c:a pcm_s16le", "tone.wav") &&
                 make(tone + " -ar 48000 -c:a libopus", "tone.ogg") &&
                 make(tone + " -c:a flac", "tone.flac") &&
                 make(tone + " -ar 48000 -c:a libopus", "tone.webm") &&
                 make("-f lavfi -i testsrc=duration=1:size=64x64:rate=10 -c:v libx264 "
                      "-pix_fmt yuv420p",
                      "video.mp4") &&
                 make(tone + " -f lavfi -i sine=frequency=882:sample_rate=44100:duration=1 "
                             "-map 0:a -map 1:a -c:a flac",
                      "two.mka") &&
                 make(long_tone + " -c:a libmp3lame", "long.mp3") &&
                 make(long_tone + " -c:a aac", "long.m4a") &&
                 make(long_tone + " -c:a flac -frame_size 1152", "long.flac") &&
                 make(long_tone + " -ar 48000 -c:a libopus -page_duration 20000", "long.ogg") &&
                 make(long_tone + " -c:a aac -movflags +faststart", "fast.m4a");
    std::ofstream(path("notes.txt")) << "this is not media\njust text\n";
    std::ofstream(path("empty.mp3"));
  }

  static void TearDownTestSuite() { files_.reset(); }

  void SetUp() override { ASSERT_TRUE(ffmpeg_ok_) << "the ffmpeg CLI could not make test files"; }

  static std::string path(const std::string& name) { return files_->path(name); }

  static bool make(const std::string& args, const std::string& name) { return files_->make(args, name); }

  // Everything the track yields, as 48 kHz mono (the way the SDK sends it).
  static std::vector<int16_t> decode_all(FileAudioTrack& track) {
    PcmConverter converter;
    std::vector<int16_t> out;
    while (std::optional<AudioChunk> chunk = track.recv()) {
      EXPECT_GT(chunk->frames(), 0u);
      converter.convert(*chunk, out);
    }
    converter.flush(out);
    EXPECT_FALSE(track.recv()); // stays at end
    return out;
  }

  static std::string error_text(const std::string& file, FileAudioTrack::Options options = {}) {
    try {
      FileAudioTrack track(file, options);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::Media);
      return e.what();
    }
    return "(no error)";
  }

  static inline std::unique_ptr<roomcast::testing::FfmpegTestFiles> files_;
  static inline bool ffmpeg_ok_ = false;
};

struct Expect {
  const char* file;
  const char* codec;
  int rate_hz;
  int channels;
};

TEST_F(FileAudioTrackTest, DecodesEveryFormatAtTheRightLengthAndPitch) {
  for (const Expect& e :
       {Expect{"tone.mp3", "mp3", 44100, 1}, Expect{"tone.m4a", "aac", 44100, 1},
        Expect{"tone.wav", "pcm_s16le", 44100, 2}, Expect{"tone.ogg", "opus", 48000, 1},
        Expect{"tone.flac", "flac", 44100, 1}, Expect{"tone.webm", "opus", 48000, 1}}) {
    SCOPED_TRACE(e.file);
    FileAudioTrack track(path(e.file));
    EXPECT_EQ(track.codec_name(), e.codec);
    EXPECT_EQ(track.source_sample_rate_hz(), e.rate_hz);
    EXPECT_EQ(track.source_channels(), e.channels);
    EXPECT_EQ(track.description(), path(e.file));
    ASSERT_TRUE(track.duration());
    EXPECT_NEAR(static_cast<double>(track.duration()->count()), 1000.0, 50.0); // MP3: 1045
    ::testing::internal::CaptureStderr();
    const std::vector<int16_t> pcm = decode_all(track);
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), ""); // an intact file warns of nothing
    EXPECT_NEAR(static_cast<double>(pcm.size()), 48000.0, 960.0); // within 2%
    ASSERT_GT(pcm.size(), 36000u);
    EXPECT_NEAR(test::dominant_frequency(std::span(pcm).subspan(6000, 24000), kSampleRateHz), 441.0,
                2.0);
    EXPECT_EQ(track.skipped_packets(), 0u);
  }
}

TEST_F(FileAudioTrackTest, ChoosesTheRequestedAudioStream) {
  FileAudioTrack second(path("two.mka"), FileAudioTrack::Options{.audio_stream = 1});
  const std::vector<int16_t> pcm = decode_all(second);
  EXPECT_NEAR(static_cast<double>(pcm.size()), 48000.0, 960.0);
  EXPECT_NEAR(test::dominant_frequency(std::span(pcm).subspan(6000, 24000), kSampleRateHz), 882.0,
              2.0);
}

TEST_F(FileAudioTrackTest, MissingFile) {
  const std::string file = path("nope.mp3");
  EXPECT_EQ(error_text(file), "cannot open '" + file + "': no such file; check the path");
}

// The error text for file as seen by an unprivileged user: root reads anything, so when we
// are root a forked child drops to nobody first.
std::optional<std::string> error_text_unprivileged(const std::string& file) {
  if (::geteuid() != 0) {
    try {
      FileAudioTrack track(file);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return "(no error)";
  }
  int fds[2];
  if (::pipe(fds) != 0) {
    return std::nullopt;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string text = "(no error)";
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      ::_exit(2);
    }
    try {
      FileAudioTrack track(file);
    } catch (const Error& e) {
      text = e.what();
    }
    const ssize_t written = ::write(fds[1], text.data(), text.size());
    ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 3);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[512];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return std::nullopt;
  }
  return text;
}

TEST_F(FileAudioTrackTest, UnreadableFile) {
  const std::string file = path("locked.mp3");
  fs::copy_file(path("tone.mp3"), file);
  fs::permissions(file, fs::perms::owner_write); // exists, but nobody may read it
  fs::permissions(files_->dir(), fs::perms::others_exec | fs::perms::group_exec,
                  fs::perm_options::add); // the directory stays traversable
  const std::optional<std::string> text = error_text_unprivileged(file);
  if (!text) {
    GTEST_SKIP() << "cannot run as an unprivileged user here";
  }
  EXPECT_EQ(*text, "cannot open '" + file + "': permission denied; check the file's permissions");
}

TEST_F(FileAudioTrackTest, TextFileIsNotMedia) {
  const std::string file = path("notes.txt");
  EXPECT_EQ(error_text(file), "cannot read '" + file +
                                  "': not a media file FFmpeg recognises (Invalid data found when "
                                  "processing input); use an audio or video file such as MP3, "
                                  "MP4/AAC, WAV, OGG, FLAC");
}

TEST_F(FileAudioTrackTest, EmptyFileIsNotMedia) {
  const std::string file = path("empty.mp3");
  const std::string text = error_text(file);
  EXPECT_EQ(text.rfind("cannot read '" + file + "': not a media file FFmpeg recognises (", 0), 0u)
      << text;
}

TEST_F(FileAudioTrackTest, VideoOnlyFileHasNoAudioStream) {
  const std::string file = path("video.mp4");
  EXPECT_EQ(error_text(file),
            "'" + file + "' has no audio stream (it has: video h264); choose a file with audio");
}

TEST_F(FileAudioTrackTest, AudioStreamIndexOutOfRange) {
  const std::string file = path("two.mka");
  EXPECT_EQ(error_text(file, {.audio_stream = 2}),
            "'" + file + "' has 2 audio stream(s); audio stream 2 does not exist");
  EXPECT_EQ(error_text(file, {.audio_stream = -1}),
            "'" + file + "' has 2 audio stream(s); audio stream -1 does not exist");
  const std::string mp3 = path("tone.mp3");
  EXPECT_EQ(error_text(mp3, {.audio_stream = 1}),
            "'" + mp3 + "' has 1 audio stream(s); audio stream 1 does not exist");
}

using roomcast::testing::corrupt_copy;

TEST_F(FileAudioTrackTest, CorruptDataMidFileIsSkippedNotFatal) {
  std::size_t skipped = 0;
  for (const char* name : {"long.mp3", "long.m4a", "long.flac", "long.ogg"}) {
    SCOPED_TRACE(name);
    const std::string file =
        corrupt_copy(path(name), path(std::string("corrupt-") + name), 0.4, 0.6);
    FileAudioTrack track(file);
    std::vector<int16_t> pcm;
    ASSERT_NO_THROW(pcm = decode_all(track));
    // Most of the 3 s survive the 20% of bytes that are noise.
    EXPECT_GT(pcm.size(), 3 * 48000u * 6 / 10) << "skipped packets: " << track.skipped_packets();
    EXPECT_LT(pcm.size(), 3 * 48000u * 102 / 100);
    skipped += track.skipped_packets();
  }
  EXPECT_GT(skipped, 0u); // the decoders did reject packets, and we counted them
}

// The seconds after "corrupt data at " in a warning about file, or -1.
double damage_position(const std::string& log, const std::string& file) {
  const std::string prefix = "roomcast warn: '" + file + "': corrupt data at ";
  const std::size_t at = log.find(prefix);
  return at == std::string::npos ? -1.0 : std::stod(log.substr(at + prefix.size()));
}

TEST_F(FileAudioTrackTest, CorruptSpanIsSilenceInItsPlaceWithAWarningSayingWhere) {
  for (const char* name : {"long.m4a", "long.flac", "long.ogg", "long.mp3"}) {
    SCOPED_TRACE(name);
    // 10% of the bytes, from 45%: about 1.35 s into the 3 s (container headers aside).
    const std::string file =
        corrupt_copy(path(name), path(std::string("span-") + name), 0.45, 0.55);
    FileAudioTrack track(file);
    ::testing::internal::CaptureStderr();
    const std::vector<int16_t> pcm = decode_all(track);
    const std::string log = ::testing::internal::GetCapturedStderr();
    FileAudioTrack intact(path(name));
    const std::vector<int16_t> clean = decode_all(intact);
    // The timeline holds: what the damage took comes back as silence, so the file lasts
    // as long as the intact one (within a frame) and the audio after the damage plays at
    // its own time: in phase with the intact file's.
    EXPECT_NEAR(static_cast<double>(pcm.size()), static_cast<double>(clean.size()), 960.0) << log;
    const std::size_t from = 48000 * 22 / 10, n = 24000;
    if (std::min(pcm.size(), clean.size()) < from + n) {
      ADD_FAILURE() << "too short: " << pcm.size();
      continue;
    }
    double dot = 0, a2 = 0, b2 = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      const double x = pcm[i], y = clean[i];
      dot += x * y;
      a2 += x * x;
      b2 += y * y;
    }
    EXPECT_GT(dot / std::sqrt(a2 * b2 + 1), 0.9) << "the audio after the damage is shifted";
    const double at = damage_position(log, file);
    EXPECT_GT(at, 1.0) << log;
    EXPECT_LT(at, 1.8) << log;
    EXPECT_NE(log.find("replaced by silence"), std::string::npos) << log;
  }
}

// Copies the first `fraction` of a file, as a download cut short would.
std::string truncated_copy(const std::string& from, const std::string& to, double fraction) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::resize_file(to, static_cast<std::uintmax_t>(static_cast<double>(fs::file_size(to)) * fraction));
  return to;
}

TEST_F(FileAudioTrackTest, TruncatedFileEndsWithAWarningNotSilently) {
  // Formats whose header announces the length (Xing frame count, STREAMINFO, a faststart
  // moov); a truncated Ogg announces nothing (its length is read from its last page).
  for (const char* name : {"long.mp3", "long.flac", "fast.m4a"}) {
    SCOPED_TRACE(name);
    const std::string file = truncated_copy(path(name), path(std::string("cut-") + name), 0.5);
    FileAudioTrack track(file);
    ::testing::internal::CaptureStderr();
    const std::vector<int16_t> pcm = decode_all(track);
    const std::string log = ::testing::internal::GetCapturedStderr();
    const std::string prefix = "roomcast warn: '" + file + "' is truncated: its audio ends at ";
    const std::size_t at = log.find(prefix);
    ASSERT_NE(at, std::string::npos) << log;
    const double ends = std::stod(log.substr(at + prefix.size()));
    EXPECT_NEAR(ends, static_cast<double>(pcm.size()) / 48000.0, 0.1) << log;
    EXPECT_GT(ends, 1.0) << log;
    EXPECT_LT(ends, 2.0) << log;
    EXPECT_NE(log.find(" but its header announces 3.0"), std::string::npos) << log;
    EXPECT_NE(log.find("; the rest of the file is missing"), std::string::npos) << log;
  }
}

TEST_F(FileAudioTrackTest, NothingDecodableIsAnError) {
  // Faststart MP4: the index (moov) comes first and stays intact, every AAC packet is noise.
  const std::optional<double> data = roomcast::testing::media_data_fraction(path("fast.m4a"));
  ASSERT_TRUE(data);
  const std::string file = corrupt_copy(path("fast.m4a"), path("dead.m4a"), *data, 1.0);
  FileAudioTrack track(file); // opens: the container is fine
  const std::string text = roomcast::testing::media_error_text_of(track);
  EXPECT_EQ(text.rfind("cannot decode '" + file + "': no audio could be decoded (", 0), 0u) << text;
  EXPECT_NE(text.find("); the file may be corrupt"), std::string::npos) << text;
  EXPECT_GT(track.skipped_packets(), 100u);
}

} // namespace
} // namespace roomcast::media
