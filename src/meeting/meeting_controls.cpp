// Our publication's controls: mute and unmute the microphone and the camera, and swap what
// they send, without leaving. Each is one renegotiation of our PeerConnection (RFC 3264 §8):
// a muted section stays in the SDP as inactive, so the server tells the others the stream is
// disabled and the RTP stream continues (same SSRC, next sequence number) when it returns.
// A protocol without renegotiation (WHIP) keeps its sections: a muted kind just sends nothing.
#include "meeting/meeting_impl.hpp"

namespace roomcast {

void Meeting::enable_mic(std::shared_ptr<CustomAudioTrack> track) { impl_->set_publishing(true, std::nullopt, std::move(track), nullptr); }
void Meeting::disable_mic() { impl_->set_publishing(false, std::nullopt, nullptr, nullptr); }
void Meeting::enable_webcam(std::shared_ptr<CustomVideoTrack> track) { impl_->set_publishing(std::nullopt, true, nullptr, std::move(track)); }
void Meeting::disable_webcam() { impl_->set_publishing(std::nullopt, false, nullptr, nullptr); }

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
  auto change = publication->prepare(mic, webcam, std::move(audio_track), std::move(camera_track));
  const bool renegotiates = loop->call([&] { return !signaling || signaling->traits().renegotiates; });
  if (!renegotiates) {
    // WHIP: the session's sections stay as published; only what they carry changes.
    return loop->call([&] { publication->change_in_place(change); });
  }
  const std::string offer = loop->call([&] {
    auto offer = publication->change_offer(change);
    if (!offer) throw Error(Error::Kind::Transport, std::string(what) + ": our media connection is being re-established; try again");
    return *offer;
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

  loop->call([&] { publication->apply_change(change, answer); });
}

}  // namespace roomcast
