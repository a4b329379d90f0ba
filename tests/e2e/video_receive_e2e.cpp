// Received video end to end, in one process: an embedded Janus, a meeting publishing a
// FileVideoTrack (an ffmpeg testsrc2 MP4 with audio) and a viewing meeting whose VideoSink
// gets its decoded pictures; capture_image() returns a PNG. Runs inside tests/e2e/netns.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "roomcast/roomcast.hpp"
#include "server/embedded_janus.hpp"

using namespace roomcast;
using namespace std::chrono_literals;

namespace {

constexpr int kWidth = 640;
constexpr int kHeight = 360;

/// Records every picture's size, time and mean luma; waits with deadlines.
class Frames : public VideoSink {
 public:
  void on_video_frame(const ReceivedVideoFrame& frame) override {
    std::lock_guard lock(mutex_);
    sizes_ok_ = sizes_ok_ && frame.width == kWidth && frame.height == kHeight &&
                frame.data.size() == static_cast<size_t>(kWidth) * kHeight * 3 / 2;
    timestamps_.push_back(frame.timestamp);
    arrivals_.push_back(std::chrono::steady_clock::now());
    participant_ = frame.participant_id;
    const auto y = frame.y();
    luma_.push_back(std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size()));
    changed_.notify_all();
  }
  bool wait_for(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return timestamps_.size() >= count; });
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  bool sizes_ok_ = true;
  std::vector<std::chrono::microseconds> timestamps_;
  std::vector<std::chrono::steady_clock::time_point> arrivals_;
  std::vector<double> luma_;
  std::string participant_;
};

/// Sinks the first remote video stream it hears of.
class Viewer : public MeetingEventHandler, public ParticipantEventHandler {
 public:
  void on_participant_joined(Participant p) override {
    p.add_event_listener(self.lock());
    std::lock_guard lock(mutex_);
    participants_.push_back(std::move(p));
  }
  void on_stream_enabled(const Stream& stream) override {
    if (stream.kind() == "video" && !stream.is_local()) stream.add_sink(frames);
  }

  std::weak_ptr<Viewer> self;
  std::shared_ptr<Frames> frames = std::make_shared<Frames>();
  std::mutex mutex_;
  std::vector<Participant> participants_;
};

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) | b[at + 3];
}

// Every picture 640x360 I420, their RTP times rising at 30 fps (none lost on this path), and
// testsrc2 being colourful, not black or grey: its mean luma sits well inside the range. The
// frame rate by RTP time goes to `media_fps`.
void expect_30fps_pictures(const Frames& f, double* media_fps) {
  EXPECT_TRUE(f.sizes_ok_) << "every picture 640x360 I420";
  const size_t n = f.timestamps_.size();
  for (size_t i = 1; i < n; ++i) ASSERT_GT(f.timestamps_[i], f.timestamps_[i - 1]) << "picture " << i;
  *media_fps = static_cast<double>(n - 1) * 1e6 / static_cast<double>((f.timestamps_.back() - f.timestamps_.front()).count());
  EXPECT_NEAR(*media_fps, 30.0, 1.5);
  for (size_t i = 0; i < n; i += 30) EXPECT_GT(f.luma_[i], 40.0) << "picture " << i;
}

class VideoReceiveE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("roomcast-video-e2e-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    media_ = (dir_ / "testsrc2.mp4").string();
    const std::string command =
        "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc2=size=640x360:rate=30:duration=10 "
        "-f lavfi -i sine=frequency=441:sample_rate=48000:duration=10 -c:v libx264 -pix_fmt yuv420p -g 30 "
        "-c:a aac -shortest '" + media_ + "'";
    if (std::system(command.c_str()) != 0) GTEST_SKIP() << "ffmpeg with libx264 is needed: " << command;
    start_room();
  }
  // (Re)starts the embedded Janus with room 1234 taking `video_codecs` (empty: its default).
  void start_room(const std::string& video_codecs = "") {
    janus_.reset();
    server::EmbeddedJanusOptions options;
    server::RoomOptions room{1234};
    if (!video_codecs.empty()) room.video_codecs = video_codecs;
    options.rooms.push_back(room);
    janus_ = std::make_unique<server::EmbeddedJanus>(options);
  }
  void TearDown() override {
    janus_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  MeetingConfig config(const std::string& name) {
    MeetingConfig c;
    c.meeting_id = "1234";
    c.name = name;
    c.server_url = janus_->url();
    c.mic_enabled = false;
    return c;
  }
  // The publisher: the test file's sound and picture.
  MeetingConfig camera_config() {
    auto c = config("camera");
    c.mic_enabled = true;
    c.custom_microphone_audio_track = std::make_shared<FileAudioTrack>(media_);
    c.webcam_enabled = true;
    c.custom_camera_video_track = std::make_shared<FileVideoTrack>(media_);
    return c;
  }
  // A viewer listening to `meeting` (joined here) and sinking the first video it hears of.
  static std::shared_ptr<Viewer> join_viewing(Meeting& meeting) {
    auto viewer = std::make_shared<Viewer>();
    viewer->self = viewer;
    meeting.add_event_listener(viewer);
    meeting.join();
    return viewer;
  }
  std::filesystem::path dir_;
  std::string media_;
  std::unique_ptr<server::EmbeddedJanus> janus_;
};

}  // namespace

TEST_F(VideoReceiveE2e, SinkGetsTheCameraAt640x360And30FpsAndCaptureImageIsAPng) {
  auto viewing = init_meeting(config("viewer"));
  const auto viewer = join_viewing(viewing);

  auto c = camera_config();
  auto publishing = init_meeting(c);
  publishing.join();

  // 4 s of pictures at 30 fps; the first within a few seconds of joining.
  ASSERT_TRUE(viewer->frames->wait_for(120, 9s)) << "pictures received: " << viewer->frames->timestamps_.size();
  std::vector<Participant> participants = viewing.participants();
  ASSERT_EQ(participants.size(), 1u);
  const auto png = participants[0].capture_image();
  publishing.leave();
  viewing.leave();

  std::lock_guard lock(viewer->frames->mutex_);
  const Frames& f = *viewer->frames;
  EXPECT_EQ(f.participant_, participants[0].id());
  // RTP time: 90 kHz stamps of 30 fps frames.
  double media_fps = 0;
  ASSERT_NO_FATAL_FAILURE(expect_30fps_pictures(f, &media_fps));
  const size_t n = f.timestamps_.size();
  const double wall_s = std::chrono::duration<double>(f.arrivals_.back() - f.arrivals_[n / 4]).count();
  EXPECT_NEAR(static_cast<double>(n - 1 - n / 4) / wall_s, 30.0, 5.0) << "pictures per second as they arrived";

  std::cout << "video: " << n << " pictures, " << media_fps << " fps by RTP time, " << static_cast<double>(n - 1 - n / 4) / wall_s
            << " fps as they arrived; capture_image(): " << (png ? png->size() : 0) << " bytes of PNG\n";
  ASSERT_TRUE(png) << "capture_image() gave nothing after pictures were received";
  ASSERT_GT(png->size(), 1000u);
  EXPECT_EQ(std::string(png->begin() + 1, png->begin() + 4), "PNG");
  EXPECT_EQ(be32(*png, 16), static_cast<uint32_t>(kWidth));
  EXPECT_EQ(be32(*png, 20), static_cast<uint32_t>(kHeight));
  // And FFmpeg reads it back as one 640x360 picture.
  const auto path = dir_ / "capture.png";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
  }
  const std::string probe = "ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height "
                            "-of csv=p=0 '" + path.string() + "' > '" + (dir_ / "probe.txt").string() + "'";
  ASSERT_EQ(std::system(probe.c_str()), 0) << probe;
  std::ifstream probed(dir_ / "probe.txt");
  std::string line;
  std::getline(probed, line);
  EXPECT_EQ(line, "png,640,360");
}

// H.264 both ways: a publisher with video.codec = h264 into a room that takes only H.264 (so
// VP8 could not pass: Janus would answer it inactive), and the viewer's subscription answers
// H.264, reassembles RFC 6184 packets and decodes them with libavcodec to 640x360 I420.
TEST_F(VideoReceiveE2e, H264CameraIsReceivedAndDecoded) {
  start_room("h264");
  auto viewing = init_meeting(config("viewer"));
  const auto viewer = join_viewing(viewing);

  auto c = camera_config();
  c.video.codec = VideoCodec::h264;
  auto publishing = init_meeting(c);
  publishing.join();

  ASSERT_TRUE(viewer->frames->wait_for(90, 8s)) << "pictures received: " << viewer->frames->timestamps_.size();
  publishing.leave();
  viewing.leave();

  std::lock_guard lock(viewer->frames->mutex_);
  const Frames& f = *viewer->frames;
  double media_fps = 0;
  ASSERT_NO_FATAL_FAILURE(expect_30fps_pictures(f, &media_fps));
  std::cout << "H.264 video: " << f.timestamps_.size() << " pictures, " << media_fps << " fps by RTP time\n";
}

// Video nobody sinks is not received: no pictures, nothing to capture.
TEST_F(VideoReceiveE2e, VideoWithoutASinkIsNotReceived) {
  auto viewing = init_meeting(config("viewer"));
  viewing.join();
  auto c = camera_config();
  auto publishing = init_meeting(c);
  publishing.join();
  std::this_thread::sleep_for(3s);  // what would have arrived by now had it been subscribed
  auto participants = viewing.participants();
  ASSERT_EQ(participants.size(), 1u);
  EXPECT_FALSE(participants[0].capture_image());
  publishing.leave();
  viewing.leave();
}

// Without auto_subscribe the audio is never asked for: the subscription carries the video
// alone (its transport from the video section), and the sink still gets pictures.
TEST_F(VideoReceiveE2e, VideoSinkWithoutAutoSubscribeReceivesVideoAlone) {
  auto v = config("viewer");
  v.auto_subscribe = false;
  auto viewing = init_meeting(v);
  const auto viewer = join_viewing(viewing);
  auto c = camera_config();
  auto publishing = init_meeting(c);
  publishing.join();
  EXPECT_TRUE(viewer->frames->wait_for(60, 8s)) << "pictures received: " << viewer->frames->timestamps_.size();
  const auto stats = viewing.stats();
  EXPECT_TRUE(stats.receiving.empty() || stats.receiving[0].audio.packets_received == 0)
      << "audio arrived without being subscribed";
  publishing.leave();
  viewing.leave();
}
