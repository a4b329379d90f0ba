// MediaRecorder and WebmMuxer: the file libavformat reads back (tracks, sizes, frame count,
// duration, pictures and tone), one cut short by SIGKILL, a full disk, bad options.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "receive/webm_muxer.hpp"
#include "roomcast/error.hpp"
#include "roomcast/media_recorder.hpp"
#include "small_tmpfs.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace roomcast {
namespace {

namespace fs = std::filesystem;
constexpr int kWidth = 640;
constexpr int kHeight = 360;
constexpr int kFps = 30;

// The frame number as 16 black/white blocks in the top quarter (as tests/e2e/run_video_test.py).
std::vector<uint8_t> numbered_picture(int n, int w = kWidth, int h = kHeight) {
  const int cw = (w + 1) / 2, ch = (h + 1) / 2;
  std::vector<uint8_t> data(static_cast<size_t>(w) * h + 2 * static_cast<size_t>(cw) * ch, 128);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      data[static_cast<size_t>(y) * w + x] =
          y < h / 4 ? ((n >> (x * 16 / w)) & 1 ? 235 : 16) : static_cast<uint8_t>(16 + (x + y + 4 * n) % 200);
  return data;
}

int number_in(const AVFrame* f) {
  const int row = f->height / 8;
  int n = 0;
  for (int i = 0; i < 16; ++i)
    if (f->data[0][row * f->linesize[0] + static_cast<int>(f->width * (i + 0.5) / 16)] > 128) n |= 1 << i;
  return n;
}

// Picture number v at its 30 fps time, as the video receiver hands it on.
void feed_picture(MediaRecorder& rec, int v) {
  const auto pic = numbered_picture(v);
  ReceivedVideoFrame vf;
  vf.data = pic;
  vf.width = kWidth;
  vf.height = kHeight;
  vf.timestamp = std::chrono::microseconds(int64_t{v} * 1000000 / kFps);
  rec.on_video_frame(vf);
}

void feed(MediaRecorder& rec, int audio_frames, int video_frames, int first_audio = 0, int first_video = 0) {
  std::vector<int16_t> samples(960);
  int v = first_video;
  for (int a = first_audio; a < first_audio + audio_frames; ++a) {
    for (int i = 0; i < 960; ++i)
      samples[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 441 * (a * 960.0 + i) / 48000));
    ReceivedAudioFrame af;
    af.samples = samples;
    af.timestamp_samples = static_cast<uint64_t>(a) * 960;
    rec.on_audio_frame(af);
    // Pictures due by the end of this audio frame (30 fps against 50 audio frames/s).
    while (v < first_video + video_frames && v * 1000 / kFps < (a + 1) * 20) {
      feed_picture(rec, v);
      ++v;
    }
  }
}

struct ReadBack {
  int video_streams = 0, audio_streams = 0;
  int width = 0, height = 0;
  std::string video_codec, audio_codec;
  int video_packets = 0, audio_packets = 0;
  double duration_s = 0;        // the container's (close() writes it)
  double last_video_s = 0, last_audio_s = 0;
  std::vector<int> numbers;     // frame numbers of the decoded pictures, in order
  double tone_hz = 0;           // zero crossings of the decoded audio
  int decode_errors = 0;
};

ReadBack read_back(const std::string& path) {
  ReadBack r;
  av_log_set_level(AV_LOG_ERROR);
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) < 0) return r;
  avformat_find_stream_info(fmt, nullptr);
  if (fmt->duration != AV_NOPTS_VALUE) r.duration_s = fmt->duration / double(AV_TIME_BASE);
  std::vector<AVCodecContext*> dec(fmt->nb_streams, nullptr);
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVCodecParameters* par = fmt->streams[i]->codecpar;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      ++r.video_streams;
      r.width = par->width;
      r.height = par->height;
      r.video_codec = avcodec_get_name(par->codec_id);
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      ++r.audio_streams;
      r.audio_codec = avcodec_get_name(par->codec_id);
    }
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    dec[i] = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec[i], par);
    avcodec_open2(dec[i], codec, nullptr);
  }
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  long crossings = 0, samples = 0;
  float prev = 0;
  auto drain = [&](unsigned s) {
    while (avcodec_receive_frame(dec[s], frame) >= 0) {
      if (dec[s]->codec_type == AVMEDIA_TYPE_VIDEO) {
        r.numbers.push_back(number_in(frame));
      } else {
        const float* x = reinterpret_cast<const float*>(frame->data[0]);  // Opus: float planar
        for (int i = 0; i < frame->nb_samples; ++i, ++samples) {
          if (prev < 0 && x[i] >= 0) ++crossings;
          prev = x[i];
        }
      }
    }
  };
  while (av_read_frame(fmt, pkt) >= 0) {
    const unsigned s = static_cast<unsigned>(pkt->stream_index);
    const double t = pkt->pts * av_q2d(fmt->streams[s]->time_base);
    if (fmt->streams[s]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
      ++r.video_packets;
      r.last_video_s = t;
    } else {
      ++r.audio_packets;
      r.last_audio_s = t;
    }
    if (avcodec_send_packet(dec[s], pkt) < 0) ++r.decode_errors;
    drain(s);
    av_packet_unref(pkt);
  }
  for (unsigned s = 0; s < fmt->nb_streams; ++s) {
    avcodec_send_packet(dec[s], nullptr);
    drain(s);
  }
  if (samples > 0) r.tone_hz = crossings * 48000.0 / samples;
  av_frame_free(&frame);
  av_packet_free(&pkt);
  for (auto* c : dec) avcodec_free_context(&c);
  avformat_close_input(&fmt);
  return r;
}

class ReceiveMediaRecorder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("roomcast-media-recorder-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ReceiveMediaRecorder, WritesVp8AndOpusThatReadBackFrameByFrame) {
  const std::string path = (dir_ / "alice.webm").string();
  MediaRecorder::Options options;
  options.audio_latency = std::chrono::milliseconds(0);  // both streams' time 0 at file time 0
  MediaRecorder rec(path, options);
  feed(rec, 150, 90);  // 3 s of audio, 90 pictures
  rec.close();
  EXPECT_FALSE(rec.recording());
  EXPECT_EQ(rec.audio_packets(), 150u);
  EXPECT_GE(rec.video_frames(), 85u);  // rate control may drop one or two

  const ReadBack r = read_back(path);
  EXPECT_EQ(r.video_streams, 1);
  EXPECT_EQ(r.audio_streams, 1);
  EXPECT_EQ(r.video_codec, "vp8");
  EXPECT_EQ(r.audio_codec, "opus");
  EXPECT_EQ(r.width, kWidth);
  EXPECT_EQ(r.height, kHeight);
  EXPECT_EQ(r.video_packets, static_cast<int>(rec.video_frames()));
  EXPECT_EQ(r.audio_packets, 150);
  EXPECT_EQ(r.decode_errors, 0);
  EXPECT_NEAR(r.duration_s, 3.0, 0.1);
  EXPECT_NEAR(r.last_video_s, 89.0 / kFps, 0.05);
  EXPECT_NEAR(r.last_audio_s, 2.98, 0.05);
  ASSERT_EQ(r.numbers.size(), rec.video_frames());
  EXPECT_EQ(r.numbers.front(), 0);
  EXPECT_EQ(r.numbers.back(), 89);
  EXPECT_TRUE(std::is_sorted(r.numbers.begin(), r.numbers.end()));
  EXPECT_NEAR(r.tone_hz, 441, 3);
}

TEST_F(ReceiveMediaRecorder, FileCutShortBySigkillStillPlays) {
  const std::string path = (dir_ / "killed.webm").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    MediaRecorder rec(path);
    feed(rec, 250, 150);  // 5 s, never closed
    ::kill(::getpid(), SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const ReadBack r = read_back(path);
  EXPECT_EQ(r.video_streams, 1);
  EXPECT_EQ(r.audio_streams, 1);
  EXPECT_EQ(r.width, kWidth);
  // Clusters close at least every second: all but the last second or so is there.
  EXPECT_GE(r.last_video_s, 3.0);
  EXPECT_GE(r.last_audio_s, 3.0);
  ASSERT_GE(r.numbers.size(), 90u);
  EXPECT_EQ(r.numbers.front(), 0);
  EXPECT_TRUE(std::is_sorted(r.numbers.begin(), r.numbers.end()));
  EXPECT_NEAR(r.tone_hz, 441, 3);
}

TEST_F(ReceiveMediaRecorder, AudioIsPlacedItsJitterBufferDelayEarlier) {
  const std::string path = (dir_ / "latency.webm").string();
  MediaRecorder rec(path);  // audio_latency 60 ms: audio that arrives with a picture was earlier
  feed(rec, 50, 30);
  rec.close();
  const ReadBack r = read_back(path);
  EXPECT_NEAR(r.last_audio_s, 0.98, 0.01);  // packet times less the 6.5 ms pre-skip
  EXPECT_NEAR(r.last_video_s, 29.0 / kFps + 0.06, 0.005);
}

TEST_F(ReceiveMediaRecorder, AudioPauseIsFilledAndVideoLateJoinsTheTimeline) {
  const std::string path = (dir_ / "pause.webm").string();
  MediaRecorder::Options options;
  options.video = false;
  MediaRecorder rec(path, options);
  feed(rec, 50, 0);
  feed(rec, 50, 0, 100);  // a 1 s pause between
  rec.close();
  EXPECT_EQ(rec.audio_packets(), 150u);  // 50 of them silence
  const ReadBack r = read_back(path);
  EXPECT_EQ(r.video_streams, 0);
  EXPECT_EQ(r.audio_streams, 1);
  EXPECT_NEAR(r.last_audio_s, 2.98, 0.05);
}

TEST_F(ReceiveMediaRecorder, WaitsForTheMissingStreamOnlyUntilStartWait) {
  const std::string path = (dir_ / "audio-only.webm").string();
  MediaRecorder::Options options;
  options.start_wait = std::chrono::milliseconds(0);  // create the file with the first frame
  MediaRecorder rec(path, options);
  feed(rec, 50, 0);
  feed(rec, 0, 30);  // the video came too late for the file: ignored
  rec.close();
  const ReadBack r = read_back(path);
  EXPECT_EQ(r.audio_streams, 1);
  EXPECT_EQ(r.video_streams, 0);
  EXPECT_EQ(rec.video_frames(), 0u);
}

TEST_F(ReceiveMediaRecorder, CloseCreatesTheFileFromWhatWaits) {
  const std::string path = (dir_ / "video-only.webm").string();
  MediaRecorder rec(path);  // expects audio too, which never comes
  feed(rec, 0, 0);
  for (int v = 0; v < 10; ++v) feed_picture(rec, v);
  EXPECT_FALSE(fs::exists(path));  // still waiting for the audio
  rec.close();
  const ReadBack r = read_back(path);
  EXPECT_EQ(r.video_streams, 1);
  EXPECT_EQ(r.audio_streams, 0);
  EXPECT_EQ(r.video_packets, 10);
  EXPECT_EQ(r.numbers.size(), 10u);
}

TEST_F(ReceiveMediaRecorder, RefusesOptionsOutOfRange) {
  MediaRecorder::Options none;
  none.audio = none.video = false;
  EXPECT_THROW(MediaRecorder((dir_ / "x.webm").string(), none), Error);
  MediaRecorder::Options slow;
  slow.video_bitrate_bps = 100;
  EXPECT_THROW(MediaRecorder((dir_ / "x.webm").string(), slow), Error);
}

TEST_F(ReceiveMediaRecorder, UnwritablePathFailsOnceAndStops) {
  MediaRecorder::Options options;
  options.video = false;
  int failures = 0;
  std::string why;
  options.on_failed = [&](const std::string& w) { ++failures, why = w; };
  MediaRecorder rec((dir_ / "missing-dir" / "a.webm").string(), options);
  feed(rec, 10, 0);
  EXPECT_EQ(failures, 1);
  EXPECT_NE(why.find("missing-dir"), std::string::npos) << why;
  EXPECT_FALSE(rec.recording());
  EXPECT_NO_THROW(rec.close());
}

TEST_F(ReceiveMediaRecorder, FullDiskStopsTheRecordingKeepingTheFilePlayable) {
  const auto result = test::in_small_tmpfs(dir_ / "small", "96k", [](const fs::path& d) {
    MediaRecorder::Options options;
    int failures = 0;
    options.on_failed = [&](const std::string&) { ++failures; };
    const std::string path = (d / "full.webm").string();
    MediaRecorder rec(path, options);
    feed(rec, 500, 300);  // 10 s at 1 Mbit/s does not fit in 96 KiB
    const ReadBack r = read_back(path);
    return std::to_string(failures) + " " + std::to_string(rec.recording()) + " " +
           std::to_string(r.video_streams) + " " + std::to_string(r.numbers.size() > 0);
  });
  if (!result) GTEST_SKIP() << "no private mount namespace here";
  EXPECT_EQ(*result, "1 0 1 1");
}

TEST(ReceiveWebmMuxer, OpusHeadIsRfc7845) {
  const auto h = receive::opus_head(1, 312);
  EXPECT_EQ(std::string(h.begin(), h.begin() + 8), "OpusHead");
  EXPECT_EQ(h[8], 1);      // version
  EXPECT_EQ(h[9], 1);      // channels
  EXPECT_EQ(h[10], 0x38);  // pre-skip 312, little-endian
  EXPECT_EQ(h[11], 0x01);
  EXPECT_EQ(h[12] | h[13] << 8 | h[14] << 16, 48000);
  EXPECT_EQ(h[18], 0);     // mapping family
}

}  // namespace
}  // namespace roomcast
