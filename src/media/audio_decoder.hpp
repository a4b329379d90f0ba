// AudioDecoder: one input (file, URL, stdin, raw PCM) demuxed and decoded into AudioChunks.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "media/shared_demuxer.hpp"
#include "roomcast/audio_track.hpp"

namespace roomcast::media {

struct DecoderOptions {
  int audio_stream = 0;
  std::optional<RawPcmFormat> raw; // headerless PCM (stdin --raw)
};

/// FileAudioTrack's engine, one per input: single-threaded (the track serialises calls).
class AudioDecoder {
public:
  /// The path "-" is stdin. Opens and probes; throws Error(Kind::Media) naming the input.
  AudioDecoder(const std::string& path, const DecoderOptions& options);
  /// Stream `stream_index` of a file others read too (FileMedia): packets come from `read`,
  /// which the demuxer's owner moves; seek() is then restart().
  AudioDecoder(std::shared_ptr<SharedDemuxer> demuxer, int stream_index, PacketReader read);
  ~AudioDecoder();
  AudioDecoder(const AudioDecoder&) = delete;
  AudioDecoder& operator=(const AudioDecoder&) = delete;

  /// The next chunk in the decoder's own shape; nullopt once the input ended (the decoder
  /// fully drained: its delayed last samples came out before that).
  std::optional<AudioChunk> next_chunk();

  /// Whether seek() can go backwards (a file or a seekable URL; not a pipe).
  bool seekable() const;
  /// The next chunk starts `offset` from the input's first sample (dropped exactly: the
  /// demuxer seeks to the packet before, the decoder's output up to there is discarded).
  /// A pipe can only skip forwards. Throws Error(Kind::Media) when the input refuses.
  void seek(std::chrono::microseconds offset);
  /// Shared file: the owner moved the demuxer to (before) `offset`; decode afresh from there,
  /// dropping what comes before `offset`.
  void restart(std::chrono::microseconds offset);
  /// Where the next chunk starts, from the input's first sample.
  std::chrono::microseconds position() const;

  const std::string& path() const;
  std::optional<std::chrono::milliseconds> duration() const;
  int sample_rate_hz() const;
  int channels() const;
  std::string codec_name() const;
  std::size_t skipped_packets() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace roomcast::media
