// The seed program, ported: publish a media file into a meeting as our microphone.
//
//   ROOMCAST_MEETING_ID=1234 ROOMCAST_NAME=bot ROOMCAST_TOKEN=...
//   ROOMCAST_SERVER=ws://10.0.0.5:8188 ./file_to_meeting song.mp4
//
// Without ROOMCAST_SERVER the embedded Janus server is started.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "roomcast/roomcast.hpp"

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

class MyMeetingEventHandler : public roomcast::MeetingEventHandler {
 public:
  void on_meeting_joined(const roomcast::MeetingJoinedInfo& data) override {
    std::cout << "on_meeting_joined: meeting " << data.meeting_id << ", we are "
              << data.participant_id << std::endl;
  }
  void on_meeting_left(const roomcast::MeetingLeftInfo& data) override {
    std::cout << "on_meeting_left: " << data.reason << std::endl;
  }
  void on_participant_joined(roomcast::Participant participant) override {
    std::cout << "on_participant_joined: " << participant.display_name() << std::endl;
  }
  void on_participant_left(roomcast::Participant participant) override {
    std::cout << "on_participant_left: " << participant.display_name() << std::endl;
  }
};

class MyParticipantEventHandler : public roomcast::ParticipantEventHandler {
 public:
  void on_stream_enabled(const roomcast::Stream& stream) override {
    std::cout << "on_stream_enabled: " << stream.kind() << std::endl;
  }
  void on_stream_disabled(const roomcast::Stream& stream) override {
    std::cout << "on_stream_disabled: " << stream.kind() << std::endl;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: file_to_meeting FILE" << std::endl;
    return 2;
  }
  try {
    // Decoding, resampling to 48 kHz, 20 ms framing and pacing are the SDK's job.
    auto track = std::make_shared<roomcast::FileAudioTrack>(argv[1]);

    roomcast::MeetingConfig config;
    config.meeting_id = env_or("ROOMCAST_MEETING_ID", "1234");
    config.name = env_or("ROOMCAST_NAME", "roomcast example");
    config.mic_enabled = true;
    config.webcam_enabled = false;
    config.token = env_or("ROOMCAST_TOKEN", "");
    config.server_url = env_or("ROOMCAST_SERVER", "");
    config.custom_microphone_audio_track = track;

    auto meeting = roomcast::init_meeting(config);
    meeting.add_event_listener(std::make_shared<MyMeetingEventHandler>());
    meeting.local_participant().add_event_listener(std::make_shared<MyParticipantEventHandler>());
    meeting.join();
    meeting.run_until_left();  // ends at end of file
    return 0;
  } catch (const roomcast::Error& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
}
