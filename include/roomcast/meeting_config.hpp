// MeetingConfig: everything needed to join a meeting, as in the seed SDK.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "roomcast/audio_track.hpp"
#include "roomcast/video_track.hpp"

namespace roomcast {

/// In-band forward error correction in our Opus stream (RFC 6716 §2.1.7): redundancy that
/// lets a receiver rebuild a lost packet from the next one, at the cost of bits and CPU.
enum class OpusFec {
  Adaptive,  ///< on while the server reports loss on our path (RTCP), off when it is clean
  On,        ///< always on, tuned for 10 % loss
  Off,
};

/// The codec our camera stream is sent in (VideoSettings::codec). The server's room must
/// allow it (Janus `videocodec`); otherwise the video is refused and the audio goes on.
enum class VideoCodec {
  vp8,   ///< VP8 (RFC 7741), libvpx in real-time mode: every browser decodes it
  h264,  ///< H.264 constrained baseline, level 3.1, packetization-mode 1 (RFC 6184), libx264:
         ///< for receivers that decode H.264 in hardware or only H.264 (some SIP and mobile)
};

/// What our camera stream looks like on the wire (MeetingConfig::video). The defaults are
/// what a browser tile shows well.
struct VideoSettings {
  /// The codec offered and sent (only this one is offered). H.264 is level 3.1, so width x
  /// height x frame_rate must stay within 108000 macroblocks a second (1280x720 at 30 fps).
  VideoCodec codec = VideoCodec::vp8;
  /// Frames are scaled to this width (an even number, 16 to 1920)...
  int width = 640;
  /// ... and height (even, 16 to 1080).
  int height = 360;
  /// Frames per second sent at most (1 to 60): a faster source has frames left out.
  int frame_rate = 30;
  /// The encoder's target, bits per second (50000 to 8000000); it goes lower when the
  /// server's bandwidth estimate (REMB) says the path carries less.
  int max_bitrate_bps = 800000;
  /// A keyframe at least this often (0.5 to 60 s); receivers that ask (PLI/FIR) get one
  /// at once, so a long interval costs a new viewer nothing.
  std::chrono::milliseconds keyframe_interval{3000};
  /// Resend packets the server reports lost (RTCP NACK, RFC 4585), from a history of
  /// the last second. Off: the offer does not ask for NACKs, and a loss shows as a
  /// freeze until the next keyframe (the server asks for one).
  bool nack = true;
};

/// One STUN or TURN server (MeetingConfig::ice_servers), as in WebRTC's RTCIceServer.
struct IceServer {
  /// One or more URLs of the same server (RFC 7064, RFC 7065):
  /// - "stun:HOST[:PORT]" (port 3478 by default): a STUN server, which tells us our address
  ///   as seen from outside a NAT (server-reflexive candidates). libnice takes one STUN
  ///   server: the first one given is used, the others are ignored with a warning.
  /// - "turn:HOST[:PORT][?transport=udp|tcp]" (3478, UDP by default): a TURN server, which
  ///   relays our media (relay candidates); `?transport=tcp` reaches it over TCP, for networks
  ///   that block UDP. Needs `username` and `credential`.
  /// HOST is a name (resolved when joining), an IPv4 address or a bracketed IPv6 address.
  /// "turns:" (TURN over TLS) is refused: libnice 0.1.21 speaks TURN over plain TCP only.
  std::vector<std::string> urls;
  /// The TURN username (long-term credentials, RFC 8489 §9.2); unused for STUN.
  std::string username;
  /// The TURN password; never printed or logged.
  std::string credential;
};

/// Which of our ICE candidates may carry media (MeetingConfig::ice_transport_policy), as in
/// WebRTC's RTCIceTransportPolicy.
enum class IceTransportPolicy {
  All,    ///< host, server-reflexive and relay candidates: the best working pair wins
  Relay,  ///< relay candidates only (a TURN server carries everything; the server never sees
          ///< our own addresses). Needs a "turn:" server in ice_servers.
};

/// How roomcast talks to the server (MeetingConfig::protocol). The media are the same either
/// way: the same tracks, encoders, controls and stats.
enum class SignalingProtocol {
  JanusVideoRoom,  ///< Janus's VideoRoom over its WebSocket API: publish and listen, a room of
                   ///< participants (server_url ws:// or wss://, or empty for the embedded one)
  Whip,            ///< WHIP (RFC 9725): publish only, to an endpoint URL (server_url http:// or
                   ///< https://), e.g. Janus behind Meetecho's WHIP server, MediaMTX, LiveKit
                   ///< ingress, Cloudflare. `token` is sent as the Bearer token. No one else is
                   ///< seen; disable_mic()/disable_webcam() stop sending without renegotiating
                   ///< (WHIP has none), and a camera can be muted only if the session began with one.
  Whep,            ///< WHEP: listen only, to one feed behind an endpoint URL (server_url http:// or
                   ///< https://), e.g. Janus behind Meetecho's janus-whep-server. The feed appears as
                   ///< one participant. Only the server's counter-offer (HTTP 406) is taken: servers
                   ///< that answer a client's offer with 201 are refused. mic_enabled must be false.
};

/// Everything needed to join a meeting, with defaults; checked by init_meeting().
struct MeetingConfig {
  /// The meeting (Janus VideoRoom room id, numeric).
  std::string meeting_id = "1234";
  /// Display name shown to other participants.
  std::string name = "roomcast";
  /// Publish custom_microphone_audio_track (false: join to listen only).
  bool mic_enabled = true;
  /// Publish custom_camera_video_track as our camera (VP8 or H.264, see `video`). Needs the
  /// microphone too (mic_enabled): audio and video go out as one stream, in sync.
  bool webcam_enabled = false;
  /// Janus API token, when the server requires token authentication (WHIP: the Bearer token).
  std::string token;
  /// What we send as our microphone. Required when mic_enabled.
  std::shared_ptr<CustomAudioTrack> custom_microphone_audio_track;
  /// What we send as our camera (e.g. a FileVideoTrack). Required when webcam_enabled.
  std::shared_ptr<CustomVideoTrack> custom_camera_video_track;
  /// Size, frame rate, bitrate and keyframe interval of the camera stream.
  VideoSettings video;

  /// The signaling protocol server_url speaks (see SignalingProtocol).
  SignalingProtocol protocol = SignalingProtocol::JanusVideoRoom;
  /// Janus WebSocket URL, e.g. "ws://10.0.0.5:8188". Empty: start the embedded server.
  /// With SignalingProtocol::Whip: the WHIP endpoint, e.g. "https://example.net/whip/endpoint/abc";
  /// with SignalingProtocol::Whep: the WHEP endpoint.
  std::string server_url;
  /// PEM file of the certificate (or CA) that a wss:// server's (or an https:// WHIP
  /// endpoint's) certificate must chain to, instead of the system's trusted CAs: for servers
  /// with a self-signed certificate.
  std::string ca_file;
  /// Refuse unencrypted signaling: server_url must be wss:// (the embedded server is ws://).
  bool require_tls = false;
  /// STUN and TURN servers for the media connections (none: host candidates only, which
  /// works when the server is reachable directly, e.g. on the same network or with a public
  /// address). Names are resolved when joining.
  std::vector<IceServer> ice_servers;
  /// All candidates (the default), or relay candidates only (see IceTransportPolicy).
  IceTransportPolicy ice_transport_policy = IceTransportPolicy::All;
  /// ICE-TCP (RFC 6544): TCP candidates beside the UDP ones, as browsers gather them, so a
  /// network that blocks UDP still connects to a server that offers TCP candidates (Janus
  /// with ice_tcp, `roomcast server --ice-tcp`). Costs one listening socket per connection.
  bool ice_tcp = true;
  /// Sending messages (Meeting::pubsub().publish()): our publication offers a data section
  /// (SCTP over DTLS) and opens its data channels. Off by default: a publication that sends no
  /// messages keeps the SDP it had (and no SCTP association). Receiving needs nothing here.
  bool data_enabled = false;
  /// Room PIN, when the room has one.
  std::string pin;
  /// Create the room when it does not exist (always true with the embedded server).
  bool create_room_if_missing = false;
  /// Subscribe to every remote participant's audio as it appears (needed for
  /// Stream::add_sink and the mixed room audio). Video is received only for a stream given a
  /// VideoSink (Stream::add_sink), whatever this says.
  bool auto_subscribe = true;
  /// Silence sent between going live and the track's first sample. Participants already
  /// in the room subscribe when the server announces us (when we go live), which takes
  /// about 100 ms on a LAN; without a lead-in they miss the track's first moments.
  std::chrono::milliseconds lead_in{300};
  /// Opus bitrate in bits per second (for stereo music, 64000 to 128000 is usual).
  int audio_bitrate_bps = 32000;
  /// 1: mono (every source is mixed down); 2: stereo, for music: the track's left and
  /// right go out as Opus stereo and the offer says so (`stereo=1; sprop-stereo=1`), so the
  /// server and listeners that want stereo decode both sides, and the others a mono mix.
  int audio_channels = 1;
  /// Opus encoder complexity, 0 (cheapest) to 10 (best quality, most CPU).
  int opus_complexity = 9;
  /// In-band FEC policy (see OpusFec).
  OpusFec opus_fec = OpusFec::Adaptive;
  /// Opus discontinuous transmission (RFC 7587 §3.1.3): silence, in a file or a
  /// PushAudioTrack with nothing queued, is not sent but for one packet every 400 ms.
  /// Saves bandwidth and the server's work for a mostly quiet bot; RTP time keeps counting
  /// and the first packet after a gap carries the marker bit.
  bool opus_dtx = false;

  /// Stay in the meeting when the server or the network stumbles: a dropped WebSocket is
  /// reconnected and the session reclaimed (media untouched); a restarted server or a dead
  /// media path is rejoined (new session, same participant id, the track continues where it
  /// was). Attempts back off from 0.5 s, doubling to 8 s, with jitter. See
  /// MeetingEventHandler::on_reconnecting / on_reconnected.
  bool reconnect = true;
  /// Give up (on_meeting_left with error) when not back in the meeting within this long.
  std::chrono::milliseconds reconnect_give_up{std::chrono::minutes(2)};
};

}  // namespace roomcast
