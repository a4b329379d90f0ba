// FileVideoTrack on real files made by the ffmpeg CLI at test time: frames, timeline, errors.
#include <gtest/gtest.h>

#include <memory>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "ffmpeg_test_files.hpp"
#include "roomcast/error.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast {
namespace {

namespace fs = std::filesystem;
using std::chrono::microseconds;
using std::chrono::milliseconds;

class FileVideoTrackTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    files_ = std::make_unique<roomcast::testing::FfmpegTestFiles>("roomcast-video");
    const std::string clip = "-f lavfi -i testsrc2=size=320x240:rate=25:duration=1 ";
    const std::string tone = "-f lavfi -i sine=frequency=441:sample_rate=44100:duration=1 ";
    const std::string white = "-f lavfi -i color=c=white:size=64x48:rate=25:duration=0.2 ";
    ffmpeg_ok_ =
        make(clip + "-c:v libvpx -b:v 1M", "clip.webm") &&
        make(clip + "-c:v libx264 -pix_fmt yuv420p", "clip.mp4") && // B-frames: reordered
        make(clip + "-c:v libx264 -pix_fmt yuv444p", "yuv444.mp4") &&
        make("-f lavfi -i testsrc=size=161x121:rate=25:duration=1 -pix_fmt yuv420p -c:v libvpx",
             "odd.webm") && // testsrc2 rounds odd sizes down; testsrc is RGB
        make(clip + "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -movflags +faststart",
             "vp9.mp4") &&
        make(white + "-c:v mjpeg -pix_fmt yuvj420p", "white-full-range.mkv") && // yuvj420p
        make(white + "-vf scale=out_range=full -pix_fmt yuv420p -color_range pc -c:v libvpx-vp9 " +
                 "-deadline realtime -cpu-used 8",
             "white-full-range.webm") && // yuv420p flagged full range
        make(white + "-c:v libx264 -pix_fmt yuv420p", "white.mp4") &&
        make(clip + tone + "-map 0:v -map 1:a -map 0:v -c:v libvpx -c:a libopus", "two.mkv") &&
        make(tone + "-c:a libopus", "tone.ogg") &&
        make("-f lavfi -i color=c=red:size=32x32:duration=0.04 -frames:v 1", "cover.png") &&
        make(tone + "-i '" + path("cover.png") + "' -map 0 -map 1 -c:a libmp3lame -c:v png " +
                 "-disposition:v attached_pic",
             "cover.mp3") &&
        raw("clip.webm", "clip-webm.yuv") && raw("clip.mp4", "clip-mp4.yuv") &&
        raw("odd.webm", "odd.yuv") && raw("yuv444.mp4", "yuv444.yuv");
    std::ofstream(path("notes.txt")) << "this is not media\njust text\n";
    // The concat demuxer starts the second copy at 0.5 s while the first runs to 0.96 s:
    // timestamps that go back, as in a badly cut file.
    std::ofstream(path("back.ffconcat"))
        << "ffconcat version 1.0\nfile clip.webm\nduration 0.5\nfile clip.webm\n";
  }

  static void TearDownTestSuite() { files_.reset(); }

  void SetUp() override { ASSERT_TRUE(ffmpeg_ok_) << "the ffmpeg CLI could not make test files"; }

  static std::string path(const std::string& name) { return files_->path(name); }

  // Bounded: a mistaken argument must fail the suite, not hang it.
  static bool make(const std::string& args, const std::string& name) { return files_->make(args, name); }

  // The CLI's decode of a file as raw I420: the reference our frames must match.
  static bool raw(const std::string& from, const std::string& to) {
    return make("-i '" + path(from) + "' -f rawvideo -pix_fmt yuv420p", to);
  }

  static std::vector<std::byte> read_bytes(const std::string& name) {
    std::ifstream in(path(name), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto* begin = reinterpret_cast<const std::byte*>(bytes.data());
    return {begin, begin + bytes.size()};
  }

  static std::vector<VideoFrame> play_all(FileVideoTrack& track, std::size_t limit = 1000) {
    std::vector<VideoFrame> frames;
    while (frames.size() < limit) {
      std::optional<VideoFrame> frame = track.recv();
      if (!frame) {
        EXPECT_FALSE(track.recv()); // stays at the end
        break;
      }
      frames.push_back(std::move(*frame));
    }
    return frames;
  }

  static std::string error_text(const std::string& file, FileVideoTrack::Options options = {},
                                Error::Kind kind = Error::Kind::Media) {
    try {
      FileVideoTrack track(file, options);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind);
      return e.what();
    }
    return "(no error)";
  }

  static inline std::unique_ptr<roomcast::testing::FfmpegTestFiles> files_;
  static inline bool ffmpeg_ok_ = false;
};

// Frame `index` of a raw I420 file of frames this size.
std::vector<std::byte> raw_frame(const std::vector<std::byte>& raw, std::size_t index,
                                 std::size_t frame_bytes) {
  if ((index + 1) * frame_bytes > raw.size()) {
    return {};
  }
  const auto at = raw.begin() + static_cast<std::ptrdiff_t>(index * frame_bytes);
  return {at, at + static_cast<std::ptrdiff_t>(frame_bytes)};
}

TEST_F(FileVideoTrackTest, DecodesEveryFrameWithItsTimeAndTheCliPixels) {
  for (const auto& [file, codec, reference] :
       {std::tuple{"clip.webm", "vp8", "clip-webm.yuv"}, {"clip.mp4", "h264", "clip-mp4.yuv"}}) {
    SCOPED_TRACE(file);
    FileVideoTrack track(path(file));
    EXPECT_EQ(track.codec_name(), codec);
    EXPECT_EQ(track.source_width(), 320);
    EXPECT_EQ(track.source_height(), 240);
    EXPECT_DOUBLE_EQ(track.source_frame_rate(), 25.0);
    EXPECT_EQ(track.description(), path(file));
    ASSERT_TRUE(track.duration());
    EXPECT_NEAR(static_cast<double>(track.duration()->count()), 1000.0, 50.0);
    const std::vector<VideoFrame> frames = play_all(track);
    ASSERT_EQ(frames.size(), 25u);
    const std::size_t frame_bytes = VideoFrame::size_for(PixelFormat::I420, 320, 240);
    const std::vector<std::byte> cli = read_bytes(reference);
    ASSERT_EQ(cli.size(), 25 * frame_bytes);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(frames[i].timestamp, microseconds(40000 * i)) << "frame " << i;
      EXPECT_EQ(frames[i].format, PixelFormat::I420);
      EXPECT_EQ(frames[i].width, 320);
      EXPECT_EQ(frames[i].height, 240);
      EXPECT_TRUE(frames[i].data == raw_frame(cli, i, frame_bytes)) << "frame " << i;
    }
    EXPECT_EQ(track.skipped_packets(), 0u);
    EXPECT_EQ(track.clamped_timestamps(), 0u);
  }
}

TEST_F(FileVideoTrackTest, OddSizeKeepsItsRoundedUpChroma) {
  FileVideoTrack track(path("odd.webm"));
  const std::vector<VideoFrame> frames = play_all(track);
  ASSERT_EQ(frames.size(), 25u);
  const std::size_t frame_bytes = VideoFrame::size_for(PixelFormat::I420, 161, 121);
  const std::vector<std::byte> cli = read_bytes("odd.yuv");
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].width, 161);
    EXPECT_EQ(frames[i].height, 121);
    EXPECT_TRUE(frames[i].data == raw_frame(cli, i, frame_bytes)) << "frame " << i;
  }
}

TEST_F(FileVideoTrackTest, OtherPixelFormatsAreConvertedToI420) {
  // 4:4:4 H.264 goes through libswscale: luma as is, chroma halved (the CLI filters it with
  // another kernel, so chroma is compared on average).
  FileVideoTrack track(path("yuv444.mp4"));
  const std::vector<VideoFrame> frames = play_all(track);
  ASSERT_EQ(frames.size(), 25u);
  const std::size_t luma = 320 * 240;
  const std::size_t frame_bytes = VideoFrame::size_for(PixelFormat::I420, 320, 240);
  const std::vector<std::byte> cli = read_bytes("yuv444.yuv");
  for (std::size_t i : {0u, 12u, 24u}) {
    const std::vector<std::byte> expected = raw_frame(cli, i, frame_bytes);
    ASSERT_EQ(frames[i].data.size(), expected.size());
    EXPECT_TRUE(std::equal(expected.begin(), expected.begin() + luma, frames[i].data.begin()));
    double difference = 0;
    for (std::size_t at = luma; at < frame_bytes; ++at) {
      difference += std::abs(static_cast<int>(frames[i].data[at]) - static_cast<int>(expected[at]));
    }
    EXPECT_LT(difference / static_cast<double>(frame_bytes - luma), 1.5) << "frame " << i;
  }
}

TEST_F(FileVideoTrackTest, FullRangeVideoBecomesLimitedRange) {
  for (const char* file : {"white-full-range.mkv", "white-full-range.webm", "white.mp4"}) {
    SCOPED_TRACE(file);
    FileVideoTrack track(path(file));
    const std::optional<VideoFrame> frame = track.recv();
    ASSERT_TRUE(frame);
    // White is 235 in limited range; left full range it would be 255.
    for (std::size_t at : {0u, 1000u, 64u * 48 - 1}) {
      EXPECT_NEAR(static_cast<int>(frame->data[at]), 235, 2) << at;
    }
  }
}

TEST_F(FileVideoTrackTest, LoopsContinueTheTimeline) {
  FileVideoTrack twice(path("clip.webm"), {.loop = 2});
  ASSERT_TRUE(twice.duration());
  EXPECT_NEAR(static_cast<double>(twice.duration()->count()), 2000.0, 100.0);
  const std::vector<VideoFrame> frames = play_all(twice);
  ASSERT_EQ(frames.size(), 50u);
  const std::vector<std::byte> cli = read_bytes("clip-webm.yuv");
  const std::size_t frame_bytes = VideoFrame::size_for(PixelFormat::I420, 320, 240);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].timestamp, microseconds(40000 * i)) << "frame " << i;
    EXPECT_TRUE(frames[i].data == raw_frame(cli, i % 25, frame_bytes)) << "frame " << i;
  }

  FileVideoTrack forever(path("clip.mp4"), {.loop = FileVideoTrack::kLoopForever});
  EXPECT_FALSE(forever.duration());
  const std::vector<VideoFrame> many = play_all(forever, 130);
  ASSERT_EQ(many.size(), 130u); // five plays and more: no end
  for (std::size_t i = 0; i < many.size(); ++i) {
    EXPECT_EQ(many[i].timestamp, microseconds(40000 * i)) << "frame " << i;
  }
}

TEST_F(FileVideoTrackTest, StartOffsetPlaysFromThereAtTimeZero) {
  // 500 ms: the frames at 0.52 s to 0.96 s; the one at 0.48 s is before the start.
  for (const auto& [file, reference] :
       {std::pair{"clip.webm", "clip-webm.yuv"}, {"clip.mp4", "clip-mp4.yuv"}}) {
    SCOPED_TRACE(file);
    FileVideoTrack track(path(file), {.loop = 2, .start = milliseconds(500)});
    ASSERT_TRUE(track.duration());
    EXPECT_NEAR(static_cast<double>(track.duration()->count()), 1500.0, 100.0);
    const std::vector<VideoFrame> frames = play_all(track);
    ASSERT_EQ(frames.size(), 12u + 25u); // the second play is whole
    const std::vector<std::byte> cli = read_bytes(reference);
    const std::size_t frame_bytes = VideoFrame::size_for(PixelFormat::I420, 320, 240);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(frames[i].timestamp, microseconds(40000 * i)) << "frame " << i;
      const std::size_t source = i < 12 ? 13 + i : i - 12;
      EXPECT_TRUE(frames[i].data == raw_frame(cli, source, frame_bytes)) << "frame " << i;
    }
  }
}

TEST_F(FileVideoTrackTest, BackwardTimestampsAreClampedAndCounted) {
  FileVideoTrack track(path("back.ffconcat"));
  const std::vector<VideoFrame> frames = play_all(track);
  ASSERT_EQ(frames.size(), 50u);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    EXPECT_GE(frames[i].timestamp, frames[i - 1].timestamp) << "frame " << i;
  }
  // The second copy's frames at 0.50 to 0.94 s came after 0.96 s: held at 0.96 s.
  EXPECT_EQ(track.clamped_timestamps(), 12u);
  EXPECT_EQ(frames[25].timestamp, microseconds(960000));
  EXPECT_EQ(frames[37].timestamp, microseconds(980000));
  EXPECT_EQ(frames[49].timestamp, microseconds(1460000));
}

TEST_F(FileVideoTrackTest, ChoosesTheRequestedVideoStream) {
  FileVideoTrack second(path("two.mkv"), {.video_stream = 1});
  EXPECT_EQ(play_all(second).size(), 25u);
  const std::string file = path("two.mkv");
  EXPECT_EQ(error_text(file, {.video_stream = 2}),
            "'" + file + "' has 2 video streams; video stream 2 does not exist");
  const std::string webm = path("clip.webm");
  EXPECT_EQ(error_text(webm, {.video_stream = 1}),
            "'" + webm + "' has 1 video stream; video stream 1 does not exist");
}

TEST_F(FileVideoTrackTest, MissingFile) {
  const std::string file = path("nope.mp4");
  EXPECT_EQ(error_text(file), "cannot open '" + file + "': no such file; check the path");
}

TEST_F(FileVideoTrackTest, TextFileIsNotMedia) {
  const std::string file = path("notes.txt");
  EXPECT_EQ(error_text(file), "cannot read '" + file +
                                  "': not a media file FFmpeg recognises (Invalid data found when "
                                  "processing input); use a video file such as MP4/H.264, "
                                  "WebM/VP8, MKV");
}

TEST_F(FileVideoTrackTest, AudioOnlyFileHasNoVideoStream) {
  const std::string ogg = path("tone.ogg");
  EXPECT_EQ(error_text(ogg),
            "'" + ogg + "' has no video stream (it has 1 audio stream); choose a file with video");
  // Cover art is a picture, not video to send.
  const std::string mp3 = path("cover.mp3");
  EXPECT_EQ(error_text(mp3), "'" + mp3 +
                                 "' has no video stream (it has 1 audio stream, 1 cover "
                                 "picture); choose a file with video");
}

TEST_F(FileVideoTrackTest, RefusesBadOptions) {
  const std::string file = path("clip.webm");
  EXPECT_EQ(error_text(file, {.loop = -1}, Error::Kind::Config),
            "loop is -1; give a play count: 1 or more, or 0 to loop forever");
  EXPECT_EQ(error_text(file, {.start = milliseconds(-5)}, Error::Kind::Config),
            "start is -5 ms; give an offset of 0 or more");
  EXPECT_EQ(error_text(file, {.start = milliseconds(5000)}),
            "start 5.00 s is past the end of '" + file +
                "' (1.00 s); give a start within the file");
}

using roomcast::testing::corrupt_copy;

TEST_F(FileVideoTrackTest, CorruptDataMidFileIsSkippedNotFatal) {
  const std::string intact = path("vp9.mp4");
  const std::optional<double> fraction = roomcast::testing::media_data_fraction(intact);
  ASSERT_TRUE(fraction);
  const double data = *fraction;
  const std::string file = corrupt_copy(intact, path("corrupt.mp4"), data + (1 - data) * 0.45,
                                        data + (1 - data) * 0.55);
  FileVideoTrack track(file);
  std::vector<VideoFrame> frames;
  ASSERT_NO_THROW(frames = play_all(track));
  EXPECT_GT(frames.size(), 5u); // what precedes the damage at least
  EXPECT_LT(frames.size(), 25u);
  EXPECT_GT(track.skipped_packets(), 0u);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    EXPECT_GT(frames[i].timestamp, frames[i - 1].timestamp) << "frame " << i;
  }
}

TEST_F(FileVideoTrackTest, NothingDecodableIsAnError) {
  const std::string intact = path("vp9.mp4");
  const std::optional<double> data = roomcast::testing::media_data_fraction(intact);
  ASSERT_TRUE(data);
  const std::string file = corrupt_copy(intact, path("dead.mp4"), *data, 1.0);
  FileVideoTrack track(file); // opens: the container is fine
  const std::string text = roomcast::testing::media_error_text_of(track);
  EXPECT_EQ(text.rfind("cannot decode '" + file + "': no video could be decoded (", 0), 0u) << text;
  EXPECT_NE(text.find(" bad packets, last error: "), std::string::npos) << text;
  EXPECT_NE(text.find("); the file may be corrupt"), std::string::npos) << text;
  // Of the 25 packets of noise, a few may parse as frames that show nothing.
  EXPECT_GE(track.skipped_packets(), 20u);
}

} // namespace
} // namespace roomcast
