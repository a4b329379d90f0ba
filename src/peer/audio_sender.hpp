// AudioSender: one participant's microphone stream on the media clock: shared encoded
// frames in, RTP (own SSRC, sequence, timestamps, header extensions, SRTP) out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/media_clock.hpp"
#include "engine/engine.hpp"
#include "media/encoded_track.hpp"
#include "media/frame_schedule.hpp"
#include "peer/peer_session.hpp"

namespace roomcast::peer {

struct SenderStats {
  uint64_t frames_sent = 0;  ///< track frames (the lead-in not counted)
  uint64_t late_frames = 0;
  uint64_t underruns = 0;
  uint64_t reanchors = 0;
  uint64_t fec_frames = 0;  ///< frames sent with in-band FEC
  uint64_t dtx_frames = 0;  ///< frames not sent: DTX silence (RTP time still counts them)
  /// When the first RTP packet went out.
  std::optional<std::chrono::steady_clock::time_point> first_packet_at;
};

/// The SDK owns pacing (not user tracks): each 20 ms tick of the engine's media clock
/// sends the frames due (media::FrameSchedule), RTP timestamps count the samples sent.
/// Encoding is not done here: frames come encoded from a shared media::EncodedTrack,
/// so per participant only packetizing and SRTP remain. Loop thread only.
class AudioSender : private core::MediaClock::Client {
 public:
  struct Callbacks {
    std::function<void()> on_end_of_stream;
    std::function<void(const std::string& why)> on_failed;
  };

  /// `lead_in`: silence sent before the track's first frame (see MeetingConfig::lead_in).
  /// Sends in the audio section `mid` of `peer`.
  AudioSender(engine::Engine& engine, PeerSession& peer, std::string mid, std::unique_ptr<media::EncodedTrack::Reader> reader,
              std::chrono::milliseconds lead_in, Callbacks callbacks);
  ~AudioSender() override;
  AudioSender(const AudioSender&) = delete;
  AudioSender& operator=(const AudioSender&) = delete;

  /// Starts ticking; frame 0 (or, after set_peer, the next frame) is due at `first_tick` of
  /// the media clock when given (the tick the video's anchor is on too), else at the first
  /// tick that comes.
  void start(std::optional<uint64_t> first_tick = std::nullopt);
  void stop();
  /// Moves the stream to another PeerSession (a reconnect), or pauses it (nullptr): RTP time
  /// continues from the packets sent, and the lead-in silence is sent again first for the
  /// participants who subscribe anew. The track does not advance while paused, unless
  /// `keep_time`: then it goes on from where it would be had there been no pause, as a camera
  /// sent beside it does (its encode runs on its own timeline), so the two stay in sync.
  void set_peer(PeerSession* peer, std::string mid, std::optional<uint64_t> first_tick = std::nullopt,
                bool keep_time = false);
  /// Muted (disable_mic): the track plays on and its frames are dropped, as a muted
  /// microphone's would be; RTP time advances and the first packet after unmuting carries
  /// the marker bit.
  void set_muted(bool muted);
  SenderStats stats() const;
  /// Sends another track from the next frame on (a swap without leaving): the RTP stream
  /// (SSRC, sequence numbers, timestamps) continues; the next packet carries the marker bit.
  void replace_reader(std::unique_ptr<media::EncodedTrack::Reader> reader);

 private:
  void on_tick(uint64_t tick, core::MediaClock::Clock::time_point now) override;
  void on_frame_ready();  // live track: the frame that was Pending at this tick
  void send_due(uint64_t tick, core::MediaClock::Clock::time_point now);
  bool send_one(core::MediaClock::Clock::time_point now, bool& keep_going);
  void finish();
  void mark_talkspurt();  // the next packet carries the RTP marker bit
  void watch_live_reader();

  engine::Engine& engine_;
  PeerSession* peer_;
  std::string mid_;  // our audio section in peer_
  std::unique_ptr<media::EncodedTrack::Reader> reader_;
  std::optional<media::FrameSchedule> schedule_;
  std::optional<uint64_t> first_tick_;  // where the next schedule starts, if the caller said
  std::optional<uint64_t> paused_at_;   // the tick set_peer(nullptr) paused the track at
  Callbacks callbacks_;
  SenderStats stats_;
  uint64_t lead_in_frames_;
  uint64_t silence_until_;  // packets_sent_ below this are lead-in silence
  uint64_t packets_sent_ = 0;  // lead-in and track: the RTP timeline
  uint64_t reports_seen_ = 0;  // receiver reports already passed to the encoder
  bool talkspurt_pending_ = false;  // a DTX gap ended: mark the next packet
  bool muted_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // wake-ups posted check it
  bool ticking_ = false;
  bool finished_ = false;
};

}  // namespace roomcast::peer
