// A user's program built against the installed roomcast: publishes a file into a meeting.
//   consumer --version | consumer FILE SERVER_URL ROOM
#include <roomcast/roomcast.hpp>

#include <iostream>

// Only roomcast's own include directory reaches consumers: its private dependencies' headers
// (GLib, libnice, FFmpeg under their own directories) must not be visible.
#if __has_include(<glib.h>)
#error "GLib's include path leaked from roomcast"
#endif
#if __has_include(<agent.h>)
#error "libnice's include path leaked from roomcast"
#endif

namespace {
class Print : public roomcast::MeetingEventHandler {
 public:
  void on_meeting_joined(const roomcast::MeetingJoinedInfo& info) override {
    std::cout << "joined " << info.meeting_id << std::endl;
  }
  void on_meeting_left(const roomcast::MeetingLeftInfo& info) override {
    std::cout << "left: " << info.reason << std::endl;
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::cout << "consumer of roomcast " << ROOMCAST_VERSION << std::endl;
    return 0;
  }
  if (argc != 4) {
    std::cerr << "usage: consumer --version | consumer FILE SERVER_URL ROOM" << std::endl;
    return 2;
  }
  try {
    roomcast::MeetingConfig config;
    config.custom_microphone_audio_track = std::make_shared<roomcast::FileAudioTrack>(argv[1]);
    config.server_url = argv[2];
    config.meeting_id = argv[3];
    config.name = "consumer";
    auto meeting = roomcast::init_meeting(config);
    meeting.add_event_listener(std::make_shared<Print>());
    meeting.join();
    meeting.run_until_left();
    auto info = meeting.left_info();
    return info && !info->error ? 0 : 1;
  } catch (const roomcast::Error& e) {
    std::cerr << "consumer: " << e.what() << std::endl;
    return 1;
  }
}
