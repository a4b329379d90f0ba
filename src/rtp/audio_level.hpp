// RFC 6464 client-to-mixer audio level: measuring -dBov from PCM and the extension octet.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace roomcast::rtp {

inline constexpr const char* kAudioLevelExtensionUri =
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr uint8_t kSilentAudioLevel = 127; // -127 dBov or quieter

// RMS level of the samples in -dBov, 0 (full-scale square wave) .. 127 (silence), rounded to
// the nearest dB (RFC 6464 §3; a full-scale sine measures 3). Empty input is silent.
uint8_t audio_level_from_samples(std::span<const int16_t> samples);

// The extension's single data octet: V (voice activity) in the top bit, the level in the low
// seven (RFC 6464 §3). Levels above 127 are clamped.
uint8_t audio_level_extension_byte(uint8_t level, bool voice_activity);

struct AudioLevel {
  uint8_t level = kSilentAudioLevel; // -dBov
  bool voice_activity = false;

  bool operator==(const AudioLevel&) const = default;
};

// Reads the extension element's data (its first octet; RFC 6464 §3 allows padding after it).
std::optional<AudioLevel> parse_audio_level_extension(std::span<const uint8_t> data);

} // namespace roomcast::rtp
