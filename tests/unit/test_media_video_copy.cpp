// Video copy: AVCC to Annex B with SPS/PPS before every IDR (annotated bytes), copied files
// decoded back by the receive side's decoders, the refusals, seeks landing on keyframes with the
// audio, and the encode thread pacing copied frames and counting keyframe requests it cannot answer.
#include <gtest/gtest.h>

#include <memory>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ffmpeg_test_files.hpp"
#include "media/encoded_video_source.hpp"
#include "media/encoded_video_track.hpp"
#include "media/h264_annexb.hpp"
#include "receive/h264_decoder.hpp"
#include "receive/vp8_decoder.hpp"
#include "roomcast/error.hpp"
#include "roomcast/file_media.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast {
namespace {

namespace fs = std::filesystem;
using media::H264AnnexB;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using Kind = detail::EncodedVideoSource::Next::Kind;

// ---- AVCC -> Annex B

// avcC (ISO/IEC 14496-15 §5.3.3.1.2) with one SPS and one PPS, 4-octet lengths.
const std::vector<uint8_t> kAvcc = {
    0x01,                    // configurationVersion
    0x42, 0xe0, 0x1f,        // profile 66 (baseline), constraints, level 31
    0xff,                    // 111111 + lengthSizeMinusOne = 3
    0xe1,                    // 111 + numOfSequenceParameterSets = 1
    0x00, 0x04,              // SPS length 4
    0x67, 0x42, 0xe0, 0x1f,  // SPS (NAL type 7)
    0x01,                    // numOfPictureParameterSets = 1
    0x00, 0x03,              // PPS length 3
    0x68, 0xce, 0x3c,        // PPS (NAL type 8)
};

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> list) { return list; }

TEST(H264AnnexB, PutsSpsAndPpsFromTheAvccBeforeAnIdr) {
  H264AnnexB converter(kAvcc);
  EXPECT_TRUE(converter.length_prefixed());
  EXPECT_EQ(converter.parameter_sets(), 2u);
  const auto idr = bytes({0x00, 0x00, 0x00, 0x03, 0x65, 0x88, 0x84});  // length 3, IDR slice (type 5)
  auto unit = converter.convert(idr);
  ASSERT_TRUE(unit);
  EXPECT_TRUE(unit->idr);
  EXPECT_EQ(unit->annexb, bytes({0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f,   // SPS
                                 0, 0, 0, 1, 0x68, 0xce, 0x3c,         // PPS
                                 0, 0, 0, 1, 0x65, 0x88, 0x84}));      // the IDR
}

TEST(H264AnnexB, LeavesOtherFramesAsTheyAreButForStartCodes) {
  H264AnnexB converter(kAvcc);
  // Two NAL units: an SEI (type 6, 2 octets) and a non-IDR slice (type 1, 2 octets).
  const auto p = bytes({0x00, 0x00, 0x00, 0x02, 0x06, 0x05, 0x00, 0x00, 0x00, 0x02, 0x41, 0x9a});
  auto unit = converter.convert(p);
  ASSERT_TRUE(unit);
  EXPECT_FALSE(unit->idr);
  EXPECT_EQ(unit->annexb, bytes({0, 0, 0, 1, 0x06, 0x05, 0, 0, 0, 1, 0x41, 0x9a}));
}

TEST(H264AnnexB, DoesNotRepeatInBandParameterSetsAndKeepsTheLatest) {
  H264AnnexB converter(kAvcc);
  // In-band SPS (a new one), PPS, IDR.
  const auto p = bytes({0, 0, 0, 2, 0x67, 0x4d, 0, 0, 0, 2, 0x68, 0xee, 0, 0, 0, 2, 0x65, 0x11});
  auto unit = converter.convert(p);
  ASSERT_TRUE(unit);
  EXPECT_EQ(unit->annexb, bytes({0, 0, 0, 1, 0x67, 0x4d, 0, 0, 0, 1, 0x68, 0xee, 0, 0, 0, 1, 0x65, 0x11}));
  // The next IDR without them gets the in-band ones, not the avcC's.
  auto next = converter.convert(bytes({0, 0, 0, 2, 0x65, 0x22}));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->annexb, bytes({0, 0, 0, 1, 0x67, 0x4d, 0, 0, 0, 1, 0x68, 0xee, 0, 0, 0, 1, 0x65, 0x22}));
}

TEST(H264AnnexB, AnnexBInputGetsParameterSetsFromAnnexBExtradata) {
  H264AnnexB converter(bytes({0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce}));
  EXPECT_FALSE(converter.length_prefixed());
  auto unit = converter.convert(bytes({0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x65, 0x88}));  // AUD, IDR
  ASSERT_TRUE(unit);
  EXPECT_TRUE(unit->idr);
  EXPECT_EQ(unit->annexb, bytes({0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1,
                                 0x65, 0x88}));
}

TEST(H264AnnexB, RefusesDamagedInput) {
  H264AnnexB converter(kAvcc);
  EXPECT_FALSE(converter.convert(bytes({0x00, 0x00, 0x00, 0x09, 0x65, 0x88})));  // length past the end
  EXPECT_FALSE(converter.convert(bytes({0x00, 0x00, 0x01})));                    // length cut short
  auto cut = kAvcc;
  cut.resize(10);  // SPS length says 4, 2 octets left
  EXPECT_THROW(H264AnnexB{cut}, Error);
}

// ---- files

class VideoCopyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = std::make_unique<roomcast::testing::FfmpegTestFiles>("roomcast-video-copy");
    const std::string av = "-f lavfi -i testsrc2=size=320x240:rate=25:duration=3 "
                           "-f lavfi -i \"aevalsrc='0.05+0.9*mod(floor(t*100),1000)/1000':s=48000:d=3\" ";
    ok_ = make(av + "-c:v libx264 -profile:v baseline -bf 0 -g 25 -pix_fmt yuv420p -c:a pcm_s16le", "base.mkv") &&
          make(av + "-c:v libx264 -profile:v baseline -bf 0 -g 25 -pix_fmt yuv420p -c:a aac", "base.mp4") &&
          make(av + "-c:v libvpx -deadline realtime -g 25 -b:v 500k -c:a libopus", "vp8.webm") &&
          make(av + "-c:v libx264 -pix_fmt yuv420p -c:a aac", "high.mp4") &&
          make(av + "-c:v libx264 -profile:v main -bf 2 -pix_fmt yuv420p -c:a aac", "main.mp4") &&
          make(av + "-c:v mpeg4 -c:a aac", "mpeg4.mp4");
  }
  static void TearDownTestSuite() { files_.reset(); }
  void SetUp() override { ASSERT_TRUE(ok_) << "the ffmpeg CLI could not make test files"; }
  static std::string path(const std::string& name) { return files_->path(name); }
  static bool make(const std::string& args, const std::string& name) { return files_->make(args, name); }
  static inline std::unique_ptr<roomcast::testing::FfmpegTestFiles> files_;
  static bool ok_;
};

bool VideoCopyTest::ok_ = false;

std::vector<media::EncodedVideoFrame> all_frames(detail::EncodedVideoSource& source) {
  std::vector<media::EncodedVideoFrame> frames;
  for (int i = 0; i < 10000; ++i) {
    auto next = source.next();
    if (next.kind != Kind::Frame) break;
    frames.push_back(std::move(next.frame));
  }
  return frames;
}

std::vector<uint8_t> nal_types(const std::vector<uint8_t>& annexb) {
  std::vector<uint8_t> types;
  for (std::size_t i = 0; i + 4 < annexb.size(); ++i) {
    if (annexb[i] == 0 && annexb[i + 1] == 0 && annexb[i + 2] == 0 && annexb[i + 3] == 1) types.push_back(annexb[i + 4] & 0x1f);
  }
  return types;
}

TEST_F(VideoCopyTest, CopiedBaselineH264DecodesWithSpsAndPpsBeforeEveryIdr) {
  for (const char* name : {"base.mp4", "base.mkv"}) {
    FileVideoTrack::Options options;
    options.copy = true;
    auto track = std::make_shared<FileVideoTrack>(path(name), options);
    auto source = detail::encoded_source_of(*track);
    ASSERT_TRUE(source) << name;
    EXPECT_EQ(source->codec(), VideoCodec::h264);
    EXPECT_THROW(track->recv(), Error);  // no pictures: the frames go out as they are
    const auto frames = all_frames(*source);
    ASSERT_EQ(frames.size(), 75u) << name;
    receive::H264Decoder decoder;
    int keyframes = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto& f = frames[i];
      EXPECT_EQ(f.timestamp, microseconds(40000 * static_cast<int64_t>(i))) << name << " frame " << i;
      const auto types = nal_types(f.data);
      ASSERT_FALSE(types.empty());
      if (f.keyframe) {
        ++keyframes;
        // SPS, PPS, then the IDR (SEI and AUD may come between).
        const auto sps = std::find(types.begin(), types.end(), 7);
        const auto pps = std::find(types.begin(), types.end(), 8);
        const auto idr = std::find(types.begin(), types.end(), 5);
        EXPECT_TRUE(sps < pps && pps < idr && idr != types.end()) << name << " frame " << i;
      } else {
        EXPECT_EQ(std::count(types.begin(), types.end(), 5), 0);
      }
      EXPECT_TRUE(decoder.decode(f.data, f.timestamp)) << name << " frame " << i << " does not decode";
    }
    EXPECT_TRUE(frames.front().keyframe);
    EXPECT_EQ(keyframes, 3);  // -g 25 over 3 s
    EXPECT_EQ(decoder.frames_decoded(), 75u);
    EXPECT_EQ(source->next().kind, Kind::End);
  }
}

TEST_F(VideoCopyTest, CopiedVp8DecodesAndLoops) {
  FileVideoTrack::Options options;
  options.copy = true;
  options.loop = 2;
  auto track = std::make_shared<FileVideoTrack>(path("vp8.webm"), options);
  auto source = detail::encoded_source_of(*track);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->codec(), VideoCodec::vp8);
  const auto frames = all_frames(*source);
  ASSERT_EQ(frames.size(), 150u);
  receive::Vp8Decoder decoder;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(frames[i].timestamp.count()), 40000.0 * static_cast<double>(i), 1000)
        << "frame " << i;
    EXPECT_TRUE(decoder.decode(frames[i].data, frames[i].timestamp)) << "frame " << i;
  }
  EXPECT_TRUE(frames[0].keyframe);
  EXPECT_TRUE(frames[75].keyframe);  // the second play starts at the file's first keyframe
}

void expect_refused(const std::string& file, const std::vector<std::string>& words) {
  FileVideoTrack::Options options;
  options.copy = true;
  try {
    FileVideoTrack track(file, options);
    ADD_FAILURE() << file << " was not refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Media);
    for (const auto& word : words)
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what() << " lacks '" << word << "'";
  }
}

TEST_F(VideoCopyTest, RefusesWhatCannotBeCopiedSayingWhatToDo) {
  expect_refused(path("high.mp4"), {"high.mp4", "High", "constrained baseline", "re-encode", "drop --video-copy"});
  expect_refused(path("main.mp4"), {"main.mp4", "Main", "re-encode"});
  expect_refused(path("mpeg4.mp4"), {"mpeg4.mp4", "mpeg4", "only VP8 and constrained-baseline H.264"});
  FileMedia::Options options;
  options.video_copy = true;
  EXPECT_THROW(FileMedia(path("high.mp4"), options), Error);
  EXPECT_THROW(FileMedia::playlist({path("base.mp4"), path("vp8.webm")}, options), Error);
  // The meeting's codec: a VP8 file in an H.264 meeting.
  FileVideoTrack::Options copy;
  copy.copy = true;
  auto vp8 = std::make_shared<FileVideoTrack>(path("vp8.webm"), copy);
  media::VideoEncodeSettings h264;
  h264.codec = VideoCodec::h264;
  try {
    media::EncodedVideoTrack encode(vp8, h264);
    ADD_FAILURE() << "a VP8 copy was taken for an H.264 meeting";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_NE(std::string(e.what()).find("is VP8 but the meeting sends H.264"), std::string::npos) << e.what();
  }
}

TEST_F(VideoCopyTest, FileMediaSeekLandsOnTheKeyframeBeforeWithTheAudio) {
  FileMedia::Options options;
  options.video_copy = true;
  FileMedia media(path("base.mkv"), options);
  auto source = detail::encoded_source_of(*media.video_track());
  ASSERT_TRUE(source);
  auto audio = media.audio_track();
  std::vector<float> samples;
  auto pull_audio_to = [&](double seconds) {
    while (static_cast<double>(samples.size()) / 48000 < seconds) {
      auto chunk = audio->recv();
      ASSERT_TRUE(chunk);
      ASSERT_EQ(chunk->format, SampleFormat::S16);
      for (std::size_t i = 0; i < chunk->frames(); ++i) {
        int16_t s;
        std::memcpy(&s, chunk->data.data() + 2 * i, 2);
        samples.push_back(static_cast<float>(s) / 32768.0f);
      }
    }
  };
  // 1 s of picture, the audio 0.2 s ahead, then a seek to 2.5 s: the keyframe at 2.0 s.
  microseconds last{0};
  for (int i = 0; i < 25; ++i) {
    auto next = source->next();
    ASSERT_EQ(next.kind, Kind::Frame);
    last = next.frame.timestamp;
    pull_audio_to(static_cast<double>(last.count()) / 1e6 + 0.2);
  }
  const double audio_at = static_cast<double>(samples.size()) / 48000;  // the furthest reader
  media.seek(milliseconds(2500));
  // The picture plays on to where the audio was when the seek came, then the keyframe.
  auto next = source->next();
  int before_cut = 0;
  while (next.kind == Kind::Frame && static_cast<double>(next.frame.timestamp.count()) / 1e6 < audio_at - 1e-3) {
    EXPECT_EQ(next.frame.timestamp - last, microseconds(40000));
    last = next.frame.timestamp;
    ++before_cut;
    next = source->next();
  }
  ASSERT_EQ(next.kind, Kind::Frame);
  EXPECT_TRUE(next.frame.keyframe);
  EXPECT_GE(before_cut, 4);
  const double cut = static_cast<double>(next.frame.timestamp.count()) / 1e6;
  EXPECT_NEAR(cut, audio_at, 1e-3);
  pull_audio_to(cut + 0.5);
  // The sound at the cut is the file's 2.00 s: the keyframe's time, not the 2.5 s asked for.
  const float v = samples[static_cast<std::size_t>(std::llround((cut + 0.005) * 48000))];
  EXPECT_NEAR((v - 0.05) / 0.9 * 10.0, 2.0, 0.011);
  receive::H264Decoder decoder;
  EXPECT_TRUE(decoder.decode(next.frame.data, next.frame.timestamp));
}

TEST_F(VideoCopyTest, EncodeThreadPacesCopiedFramesAndCountsUnanswerableKeyframeRequests) {
  FileVideoTrack::Options options;
  options.copy = true;
  auto track = std::make_shared<FileVideoTrack>(path("base.mp4"), options);
  media::VideoEncodeSettings settings;
  settings.codec = VideoCodec::h264;
  media::EncodedVideoTrack encode(track, settings);
  std::mutex mutex;
  std::vector<std::shared_ptr<const media::EncodedVideoFrame>> got;
  std::atomic<bool> ended{false};
  encode.add_sink(
      [&](const std::shared_ptr<const media::EncodedVideoFrame>& f) {
        std::lock_guard lock(mutex);
        got.push_back(f);
      },
      [&](const std::string& error) {
        EXPECT_EQ(error, "");
        ended = true;
      });
  const auto start = std::chrono::steady_clock::now();
  encode.start(start);
  // A request mid-GOP (frame ~12): the file's next keyframe is at frame 25.
  std::this_thread::sleep_for(milliseconds(500));
  encode.request_keyframe();
  for (int i = 0; i < 100 && !ended; ++i) std::this_thread::sleep_for(milliseconds(50));
  ASSERT_TRUE(ended);
  std::lock_guard lock(mutex);
  ASSERT_EQ(got.size(), 75u);  // every frame: none left out as late or over the rate
  const auto stats = encode.stats();
  EXPECT_EQ(stats.frames_encoded, 75u);
  EXPECT_EQ(stats.keyframes, 3u);
  EXPECT_EQ(stats.keyframe_requests_unanswered, 1u);
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_GT(got[i]->timestamp, got[i - 1]->timestamp);
}

}  // namespace
}  // namespace roomcast
