// VideoRoom publisher protocol (Janus 1.x): typed requests, answers read type-checked, and
// Janus's refusals turned into what a user can act on.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "signaling/janus/janus_client.hpp"

namespace roomcast::signaling::janus::videoroom {

/// A room roomcast creates when it is missing (the embedded server's rooms are static).
struct RoomSettings {
  uint64_t room = 0;
  std::string description;
  std::string pin;  // empty: none
  /// VideoRoom's default of 3 publishers is far too few for bots and load tests.
  int publishers = 1000;
};

// Message bodies ({"janus":"message","body":...}) of a publisher handle.
Json exists_request(uint64_t room);
Json create_request(const RoomSettings& settings);
/// `id`: the participant id to take (null: Janus picks one). A rejoin asks for its old id,
/// so the others see the same participant, and Janus refuses (436) while it is still taken.
Json join_request(uint64_t room, const std::string& display, const std::string& pin, const Json& id = nullptr);
/// Publish our audio, and video when `video`; the offer goes along as the request's jsep.
Json configure_request(bool video);
Json list_participants_request(uint64_t room);
Json leave_request();

/// plugindata.data of a plugin answer ({} when absent or not an object).
Json plugin_data(const Json& reply);

/// Janus `info`: how long idle sessions live ("session-timeout", seconds; 0 = forever);
/// nullopt when the answer has no such field.
std::optional<std::chrono::seconds> read_session_timeout(const Json& info);

/// The "joined" event of a publisher join.
struct Joined {
  Json id;          ///< as Janus sent it (number or string): sent back unchanged
  Json private_id;  ///< null when absent; subscriptions pass it
  Json publishers;  ///< array of the room's current publishers (maybe empty)
  Json attendees;   ///< array (only with the room's notify_joining)
};
/// nullopt when the answer is not a "joined" event with an id.
std::optional<Joined> read_joined(const Json& reply);
/// The "exists" answer; nullopt when it is not one.
std::optional<bool> read_exists(const Json& reply);
/// The "participants" list of a listparticipants answer (an empty array when absent).
Json read_participants(const Json& reply);

/// Error 436: the participant id is taken (our previous session is still in the room).
inline constexpr int kIdExists = 436;
/// Error 458: no such session (the server restarted, or it timed out).
inline constexpr int kNoSuchSession = 458;

/// Error 427: the room was created meanwhile (by another participant): not a failure.
inline constexpr int kRoomExists = 427;

/// The one-line error a user reads when Janus refuses a join: what, where, what to do.
std::string join_refusal(const JanusError& error, const std::string& meeting_id, const std::string& url);
/// The same for the session ("create"): token problems mostly.
std::string session_refusal(const JanusError& error, const std::string& url, bool token_given);

}  // namespace roomcast::signaling::janus::videoroom
