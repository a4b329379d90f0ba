// Fuzz target: Janus VideoRoom JSON into the multistream subscriber. One message per line; a
// line starting with '>' answers the oldest open request, any other is an unprompted event.
// Never throws or crashes, sends at most one change request at a time, answers every offer.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "signaling/janus/videoroom_subscriber.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::signaling::janus;
  std::deque<VideoRoomSubscriber::Reply> open;
  int offers = 0;
  VideoRoomSubscriber::Callbacks callbacks;
  callbacks.on_offer = [&](const std::string&, const std::vector<SubscriberStream>&,
                           VideoRoomSubscriber::AnswerReady done) {
    ++offers;
    done(offers % 5 == 0 ? std::nullopt : std::optional<std::string>("v=0\r\n"), "fuzz");
  };
  callbacks.on_error = [](const std::string&) {};
  VideoRoomSubscriber sub(
      {1234, 1, ""},
      [&](Json, std::optional<uint64_t>, VideoRoomSubscriber::Reply reply) {
        if (reply) open.push_back(std::move(reply));
      },
      std::move(callbacks));
  try {
    sub.want(7, "0");
    sub.want("alice", "");
    if (!open.empty()) {
      auto attach = std::move(open.front());
      open.pop_front();
      attach(Json{{"janus", "success"}, {"data", {{"id", 77}}}});
    }
    std::string_view text(reinterpret_cast<const char*>(data), size);
    int line_no = 0;
    while (!text.empty()) {
      const auto end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      const bool reply = !line.empty() && line.front() == '>';
      if (reply) line.remove_prefix(1);
      const Json message = Json::parse(line, nullptr, false);
      if (message.is_discarded()) continue;
      if (reply && !open.empty()) {
        auto r = std::move(open.front());
        open.pop_front();
        r(message);
      } else {
        sub.handle_event(77, message);
      }
      if (open.size() > 2) __builtin_trap();  // one change request and one start at most
      if (++line_no % 3 == 0) sub.drop(7, line_no % 2 == 0);
      if (line_no % 4 == 0) sub.want(8, "1");
    }
  } catch (...) {
    __builtin_trap();  // parsers of network input never throw
  }
  return 0;
}
