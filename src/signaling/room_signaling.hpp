// RoomSignaling: what the meeting needs from a signaling protocol, in its own terms (no
// protocol types): enter a room, publish an offer, renegotiate it, receive others' streams,
// hear who comes and goes, get back in after a loss, leave. Janus VideoRoom is one
// implementation (signaling/janus/videoroom_signaling.hpp); a second protocol is another, and
// no media code knows which one it runs under.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "roomcast/meeting_config.hpp"

namespace roomcast::signaling {

/// A protocol step's outcome: a value, or the one-line error a user reads (what, where, what
/// to do).
template <typename T>
struct Result {
  std::optional<T> value;
  std::string error;

  static Result ok(T v) { return Result{std::move(v), {}}; }
  static Result failed(std::string why) { return Result{std::nullopt, std::move(why)}; }
  explicit operator bool() const { return value.has_value(); }
};

/// One stream a remote participant publishes.
struct RemoteStream {
  std::string mid;   ///< the publisher's own mid for it
  std::string kind;  ///< "audio", "video" or "data" (data channels: messages)
  bool disabled = false;  ///< muted: the section is inactive until it comes back

  bool operator==(const RemoteStream&) const = default;
};

/// Someone in the room (publishing or not).
struct RemoteParticipant {
  std::string id;
  std::string display_name;
};

/// A participant's publication: what it sends now (every report carries the whole list).
struct RemotePublication {
  RemoteParticipant participant;
  std::vector<RemoteStream> streams;
};

/// The room as we entered it.
struct RoomState {
  std::string local_id;  ///< our participant id
  std::vector<RemoteParticipant> present;        ///< everyone else, publishing or not
  std::vector<RemotePublication> publications;   ///< what they publish
};

/// One m-line of the receiving PeerConnection, as the server laid it out.
struct ReceiveSlot {
  std::string mid;    ///< its mid in our receiving PeerConnection
  std::string kind;   ///< "audio", "video" or "data"
  bool active = false;  ///< carries a publisher's stream (false: parked)
  std::string participant_id;  ///< the publisher (empty when parked)
  std::string stream_mid;      ///< the publisher's own mid for the stream

  bool operator==(const ReceiveSlot&) const = default;
};

/// How getting back into a lost session went.
enum class Resumed { yes, session_gone, failed };

class RoomSignaling {
 public:
  /// Our answer to the server's offer for the receiving PeerConnection: the SDP, or nullopt and why not.
  using AnswerReady = std::function<void(std::optional<std::string> sdp, std::string error)>;

  /// Everything the server tells us unasked; all on the loop thread.
  struct Events {
    std::function<void(const RemoteParticipant&)> on_participant_joined;
    /// A participant publishes, or changed what it publishes (a mute, a new kind).
    std::function<void(const RemotePublication&)> on_publication;
    std::function<void(const std::string& participant_id)> on_unpublished;
    std::function<void(const std::string& participant_id)> on_participant_left;
    /// The server sees our published media flowing.
    std::function<void()> on_publication_live;
    /// The server dropped our published media path.
    std::function<void(const std::string& why)> on_publication_hangup;
    /// The connection (or the session on it) is gone: resume() or join() again.
    std::function<void(const std::string& why)> on_connection_lost;
    /// The server's offer for what we receive, laid out in `slots`; call `done` with our answer.
    std::function<void(const std::string& offer, const std::vector<ReceiveSlot>& slots, AnswerReady done)>
        on_receive_offer;
    /// Receiving went wrong in a way the user should hear of (it goes on if it can).
    std::function<void(const std::string& why)> on_receive_error;
    /// STUN/TURN servers the server offers (WHIP: Link headers with the answer), for the next
    /// media connection: the current one gathered its candidates before they came.
    std::function<void(const std::vector<IceServer>& servers)> on_ice_servers;
  };

  /// What a protocol does beyond join, publish and leave.
  struct Traits {
    /// renegotiate() exists: a control (mute, a new kind) sends a new offer. Without it the
    /// controls change what we send on the session as it is (WHIP, RFC 9725, has no way).
    bool renegotiates = true;
    /// on_publication_live comes from the server. Without it, our own media path coming up
    /// (ICE and DTLS connected) counts as live.
    bool reports_live = true;
    /// leave() runs while our media still flows (sent and received); it stops when leave() is
    /// done. For a server that ends our session by itself once the media stops (a WHIP or WHEP
    /// server watches the PeerConnection): stopping first would leave leave() nothing to end.
    bool leave_while_sending = false;
  };

  virtual ~RoomSignaling() = default;

  // Everything below runs on the loop thread and never blocks; `done` runs there too, at most
  // once, and not after close().

  /// Connects and enters the room. `rejoin_as`: after a lost session, the participant id to
  /// take again so the others see the same participant (empty: the server picks one).
  virtual void join(const std::string& rejoin_as, std::function<void(Result<RoomState>)> done) = 0;
  /// Publishes our offer (audio, and video when `video`); the server's answer SDP.
  virtual void publish(const std::string& offer, bool video, std::function<void(Result<std::string>)> done) = 0;
  /// A new offer for the same publication (a mute, an unmute, a new kind); the answer SDP.
  virtual void renegotiate(const std::string& offer, std::function<void(Result<std::string>)> done) = 0;
  /// Our publication's ICE restart (`offer`: fresh credentials, the same sections); the answer
  /// SDP. Janus: a renegotiation; WHIP: a PATCH with the new credentials (RFC 9725 §4.3.2).
  virtual void restart_ice(const std::string& offer, std::function<void(Result<std::string>)> done) {
    renegotiate(offer, std::move(done));
  }
  /// After on_connection_lost: a new connection that takes the old session back, media
  /// untouched. session_gone: the server no longer has it (join() again).
  virtual void resume(std::function<void(Resumed, std::string why)> done) = 0;

  /// Receive a publisher's stream `stream_mid` (the offer follows through on_receive_offer).
  virtual void receive(const std::string& participant_id, const std::string& stream_mid) = 0;
  /// Stop receiving it.
  virtual void stop_receiving(const std::string& participant_id, const std::string& stream_mid) = 0;
  /// The publisher is gone: whatever we received of it is dropped (the server does it itself).
  virtual void publisher_gone(const std::string& participant_id) = 0;
  /// Ends the whole receiving side (its PeerConnection failed, or we rejoin): the next
  /// receive() starts it anew.
  virtual void reset_receiving() = 0;

  /// Leaves the room and ends the session, then `done` (the caller bounds how long it waits).
  virtual void leave(std::function<void()> done) = 0;
  /// Closes the connection at once; nothing more is sent or reported.
  virtual void close() = 0;
  virtual bool connected() const = 0;
  /// Where we are connected, for messages.
  virtual const std::string& url() const = 0;
  virtual Traits traits() const { return {}; }
  /// Our participant id where join() could not name it and publish() did (WHIP: the
  /// resource's last path segment); empty otherwise.
  virtual std::string published_id() const { return {}; }
};

}  // namespace roomcast::signaling
