// Our publication's controls: mute and unmute the microphone and the camera, and swap what
// they send, without leaving. Each is one renegotiation of our PeerConnection (RFC 3264 §8):
// a muted section stays in the SDP as inactive, so Janus tells the others the stream is
// disabled and the RTP stream continues (same SSRC, next sequence number) when it returns.
#include "meeting/meeting_impl.hpp"

namespace roomcast {

namespace {
constexpr const char* kLocalAudioId = "audio0";
constexpr const char* kLocalVideoId = "video1";
}  // namespace

void Meeting::enable_mic(std::shared_ptr<CustomAudioTrack> track) { impl_->set_publishing(true, std::nullopt, std::move(track), nullptr); }
void Meeting::disable_mic() { impl_->set_publishing(false, std::nullopt, nullptr, nullptr); }
void Meeting::enable_webcam(std::shared_ptr<CustomVideoTrack> track) { impl_->set_publishing(std::nullopt, true, nullptr, std::move(track)); }
void Meeting::disable_webcam() { impl_->set_publishing(std::nullopt, false, nullptr, nullptr); }

void Meeting::Impl::local_stream_state(const std::string& id, const std::string& kind, bool enabled) {
  if (!enabled) return local_state->disable_stream(id);
  if (local_state->find_stream(id)) return;
  auto stream = std::make_shared<detail::StreamState>();
  stream->id = id;
  stream->kind = kind;
  stream->participant_id = local_state->id;
  stream->local = true;
  local_state->enable_stream(stream);
}

void Meeting::Impl::set_publishing(std::optional<bool> mic, std::optional<bool> webcam,
                                   std::shared_ptr<CustomAudioTrack> audio_track,
                                   std::shared_ptr<CustomVideoTrack> camera_track) {
  const char* what = mic ? (*mic ? "enable_mic()" : "disable_mic()") : (*webcam ? "enable_webcam()" : "disable_webcam()");
  if (loop->in_loop_thread())
    throw Error(Error::Kind::Config, std::string(what) + " was called from an event handler or sink; it waits for "
                                     "the server's answer, which that thread delivers: call it from another thread");
  std::lock_guard controls(controls_mutex);
  if (!state_is(State::Joined))
    throw Error(Error::Kind::Config, std::string(what) + ": not in a meeting; call it between join() and leaving");
  if (!config.mic_enabled)
    throw Error(Error::Kind::Config, std::string(what) + ": this meeting joined to listen only (mic_enabled false); "
                                     "join with a microphone track to publish");
  Publishing next = publishing;
  if (mic) next.mic = *mic;
  if (webcam) next.webcam = *webcam;

  // What is sent from now on: a new audio track gets its (maybe shared) encode; a camera
  // track, given or the configured one, gets its own.
  std::unique_ptr<media::EncodedTrack::Reader> new_reader;
  if (audio_track && audio_track != config.custom_microphone_audio_track) {
    media::EncoderSettings settings{config.audio_bitrate_bps, config.opus_complexity, config.opus_fec,
                                    config.opus_dtx, config.audio_channels};
    new_reader = engine->encoded_track(audio_track, settings)->open_reader();
  }
  std::shared_ptr<media::EncodedVideoTrack> new_video;
  if (webcam && *webcam) {
    if (!camera_track) camera_track = config.custom_camera_video_track;
    if (!camera_track)
      throw Error(Error::Kind::Config, "enable_webcam(): no track given and none configured "
                                       "(MeetingConfig::custom_camera_video_track); pass one, e.g. a FileVideoTrack");
    if (!video_track || video_track->source() != camera_track) {
      new_video = engine->encoded_video(camera_track, media::video_encode_settings(config.video));
    }
  }

  const std::string offer = loop->call([&] {
    if (!peer) throw Error(Error::Kind::Transport, std::string(what) + ": our media connection is being re-established; try again");
    if (next.webcam) peer->offer_video(config.video.nack);
    return peer->renegotiation_offer(next.mic, next.webcam);
  });
  std::string answer;
  try {
    answer = await_signaling<std::string>("configure", [this, &offer](auto done) {
      if (!signaling) return done(signaling::Result<std::string>::failed("not connected to " + url));
      signaling->renegotiate(offer, std::move(done));
    });
  } catch (const Error& e) {
    signaling_error(std::string(what) + ": " + e.what());
  }

  loop->call([&] {
    if (!peer) return;
    if (auto problem = peer->apply_renegotiation_answer(answer)) throw Error(Error::Kind::Transport, *problem);
    if (new_reader && sender) {
      sender->replace_reader(std::move(new_reader));
      config.custom_microphone_audio_track = audio_track;
    }
    muted = Muted{!next.mic, !next.webcam};
    if (sender && mic) sender->set_muted(!next.mic);
    if (new_video) {
      video_sender.reset();  // the next start_video() makes one for the new track
      video_track = new_video;
      config.custom_camera_video_track = camera_track;
    }
    if (webcam) {
      if (next.webcam && !peer->video_accepted())
        throw Error(Error::Kind::Signaling, "enable_webcam(): the server does not take our video: " +
                                                peer->video_refusal().value_or("no reason given"));
      if (next.webcam) start_video();
      else if (video_sender) video_sender->set_peer(nullptr, {});
    }
    local_stream_state(kLocalAudioId, "audio", next.mic);
    local_stream_state(kLocalVideoId, "video", next.webcam && peer->video_accepted());
  });
  publishing = next;
}

}  // namespace roomcast
