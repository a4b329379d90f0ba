// Fuzz target: SDP parsing never crashes, round-trips stably, and any usable offer gets an
// answer that itself reads back as usable.
#include "sdp/multistream.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp/session_description.hpp"
#include "sdp/video_section.hpp"
#include "../unit/sdp_test_params.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::sdp;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto sd = SessionDescription::parse(text)) {
    const auto again = SessionDescription::parse(sd->to_string());
    if (!again || !(*again == *sd)) __builtin_trap();
  }

  // A publisher answer's video section: an RTX payload type found is one the section lists.
  if (const auto video = parse_remote_video(text, "1")) {
    if (video->rtx_payload_type && !video->payload_type) __builtin_trap();
  }

  std::string why;
  const auto remote = parse_remote_audio(text, &why);
  if (!remote) {
    if (why.empty()) __builtin_trap(); // every rejection says why
    return 0;
  }
  const LocalMediaParams local = test::fuzz_local();
  const std::string answer = build_audio_answer(*remote, local, 1);
  const auto answered = parse_remote_audio(answer, &why);
  if (!answered || answered->opus_pt != remote->opus_pt) __builtin_trap();

  // Multistream: whatever parse_remote_audio takes, this takes too, with at least that section;
  // the answer has one audio section per offered one (a section answered inactive still counts).
  const auto multi = parse_remote_multi_audio(text, &why);
  if (!multi || multi->audio.empty()) __builtin_trap();
  const auto multi_answered = parse_remote_multi_audio(build_multi_audio_answer(*multi, local, 1), &why);
  if (multi_answered && multi_answered->audio.size() != multi->audio.size()) __builtin_trap();
  return 0;
}
