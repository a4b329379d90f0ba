// Fuzz target: a multistream (Janus subscriber) offer of any shape. What parses gets an
// answer with one m= line per offered one, every usable audio section accepted with its mid
// and Opus payload type, and the answer reads back with the same sections.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sdp/multistream.hpp"
#include "sdp/session_description.hpp"
#include "../unit/sdp_test_params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roomcast::sdp;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string why;
  const auto offer = parse_remote_multi_audio(text, &why);
  if (!offer) {
    if (why.empty()) __builtin_trap();  // every rejection says why
    return 0;
  }
  const auto offered = SessionDescription::parse(text);
  if (!offered) __builtin_trap();  // parse_remote_multi_audio read it
  for (const auto& s : offer->audio)
    if (s.index >= offered->media.size()) __builtin_trap();

  const LocalMediaParams local = test::fuzz_local();
  const std::string answer_text = build_multi_audio_answer(*offer, local, 1);
  const auto answer = SessionDescription::parse(answer_text);
  if (!answer) __builtin_trap();
  if (answer->media.size() != offered->media.size()) __builtin_trap();  // RFC 3264 §6
  for (const auto& s : offer->audio) {
    const auto& m = answer->media[s.index];
    if (m.port == 0 && offer->audio.size() == 1) __builtin_trap();  // the only usable section
    if (m.port != 0 && std::string(m.attribute("mid").value_or("")) != s.mid) __builtin_trap();
  }
  // Stable: the answer we build for the same offer is the same text.
  if (build_multi_audio_answer(*offer, local, 1) != answer_text) __builtin_trap();
  return 0;
}
