// Meeting and participant event handlers, shaped like the seed SDK's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace roomcast {

/// A media stream of a participant ("audio" or "video").
class Stream {
 public:
  Stream(std::string id, std::string kind) : id_(std::move(id)), kind_(std::move(kind)) {}
  const std::string& id() const { return id_; }
  /// "audio" or "video".
  const std::string& kind() const { return kind_; }

 private:
  std::string id_;
  std::string kind_;
};

/// Someone in the meeting, local or remote.
struct ParticipantInfo {
  std::string id;            ///< the server's participant (feed) id
  std::string display_name;  ///< as given when joining
  bool local = false;
};

/// Why the meeting ended for us.
struct MeetingLeftInfo {
  std::string reason;  ///< "left", "end of stream", "server closed", "session timeout", ...
  bool error = false;  ///< true when the meeting ended because something failed
};

struct MeetingJoinedInfo {
  std::string meeting_id;
  std::string participant_id;  ///< our own id in the room
  std::string server_url;      ///< the server in use (the embedded one's when none was set)
};

/// Override what you need; every callback has an empty default.
/// Callbacks run on the SDK's network thread: return quickly, do not block.
class MeetingEventHandler {
 public:
  virtual ~MeetingEventHandler() = default;
  virtual void on_meeting_joined(const MeetingJoinedInfo&) {}
  virtual void on_meeting_left(const MeetingLeftInfo&) {}
  virtual void on_participant_joined(const ParticipantInfo&) {}
  virtual void on_participant_left(const ParticipantInfo&) {}
  /// Something failed after join(); on_meeting_left follows if the meeting cannot go on.
  virtual void on_error(const std::string& message) { (void)message; }
};

class ParticipantEventHandler {
 public:
  virtual ~ParticipantEventHandler() = default;
  virtual void on_stream_enabled(const Stream&) {}
  virtual void on_stream_disabled(const Stream&) {}
};

}  // namespace roomcast
