// Stream::add_sink: a sink of the wrong kind would never be called, so it is refused with the
// stream, the participant and what to give instead; the right kind is taken.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "meeting/participant_state.hpp"
#include "roomcast/error.hpp"
#include "roomcast/events.hpp"
#include "roomcast/video_sink.hpp"

using roomcast::Error;
using roomcast::Stream;

namespace {
struct AnyAudio : roomcast::AudioSink {
  void on_audio_frame(const roomcast::ReceivedAudioFrame&) override {}
};
struct AnyVideo : roomcast::VideoSink {
  void on_video_frame(const roomcast::ReceivedVideoFrame&) override {}
};

std::shared_ptr<roomcast::detail::StreamState> stream_of(const std::string& kind) {
  auto state = std::make_shared<roomcast::detail::StreamState>();
  state->id = kind + ":1";
  state->kind = kind;
  state->participant_id = "4242";
  return state;
}

std::string refusal(const std::function<void()>& add) {
  try {
    add();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    return e.what();
  }
  return "";
}
}  // namespace

TEST(StreamSinks, AnAudioSinkOnAVideoStreamIsRefused) {
  auto state = stream_of("video");
  const std::string why = refusal([&] { Stream(state).add_sink(std::make_shared<AnyAudio>()); });
  EXPECT_NE(why.find("stream video:1 of participant 4242 is video, not audio"), std::string::npos) << why;
  EXPECT_NE(why.find("give it a VideoSink"), std::string::npos) << why;
  EXPECT_TRUE(state->sinks.empty());
}

TEST(StreamSinks, AVideoSinkOnAnAudioStreamIsRefused) {
  auto state = stream_of("audio");
  const std::string why = refusal([&] { Stream(state).add_sink(std::make_shared<AnyVideo>()); });
  EXPECT_NE(why.find("is audio, not video; give it an AudioSink"), std::string::npos) << why;
  EXPECT_TRUE(state->video_sinks.empty());
}

TEST(StreamSinks, SinksOfTheStreamsKindAreTaken) {
  auto audio = stream_of("audio");
  auto video = stream_of("video");
  bool asked = false;
  video->on_video_sink_added = [&] { asked = true; };
  Stream(audio).add_sink(std::make_shared<AnyAudio>());
  Stream(video).add_sink(std::make_shared<AnyVideo>());
  EXPECT_EQ(audio->sinks.size(), 1u);
  EXPECT_EQ(video->video_sinks.size(), 1u);
  EXPECT_TRUE(asked);  // the first video sink subscribes the stream
}
