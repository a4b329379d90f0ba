// Meeting::Impl's error path for failures inside callbacks from C: on_error, then a clean leave.
#include "core/log.hpp"
#include "meeting/meeting_impl.hpp"

namespace roomcast {

void Meeting::Impl::fail_from_callback(const std::string& why) {
  const std::string message = "internal error (" + why + "); leaving the meeting";
  {
    std::lock_guard lock(mutex);
    if (state == State::Left || state == State::Idle) return;
    if (state == State::Joining && !media_error) media_error = message;  // join() throws it
    state_changed.notify_all();
  }
  for_handlers([&](MeetingEventHandler& h) { h.on_error(message); });
  begin_leave(message, true);
}

}  // namespace roomcast
