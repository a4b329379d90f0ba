// FileAudioTrack: a player over AudioDecoders: playlist, gapless loops, seek, pause, gain.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "core/log.hpp"
#include "media/audio_decoder.hpp"
#include "media/audio_gain.hpp"
#include "media/player_options.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/error.hpp"

namespace roomcast {
namespace {

std::string seconds_text(std::chrono::microseconds t) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", static_cast<double>(t.count()) / 1e6);
  return text;
}

std::string input_name(const std::string& path) { return path == "-" ? "stdin" : "'" + path + "'"; }

} // namespace

struct FileAudioTrack::Impl {
  std::vector<std::unique_ptr<media::AudioDecoder>> files;
  Options options;
  double gain = 1.0;

  // Worker side (recv()), serialised by decode_mutex.
  std::mutex decode_mutex;
  std::size_t index = 0;
  int play = 1;
  bool ended = false;
  uint64_t frames_this_play = 0;
  std::optional<AudioChunk> shape; // an empty chunk of the last output's shape, for silence

  // Controls, from any thread.
  mutable std::mutex control_mutex;
  std::optional<std::chrono::milliseconds> pending_seek;
  bool paused = false;
  std::atomic<int64_t> position_us{0};
  std::atomic<std::size_t> current_file{0};
  std::atomic<int> current_play{1};

  Impl(const std::vector<std::string>& paths, Options opts) : options(std::move(opts)) {
    media::check_player_options(options.loop, options.start, options.gain_db);
    if (paths.empty()) {
      throw Error(Error::Kind::Config, "a playlist needs at least one file; got none");
    }
    if (std::count(paths.begin(), paths.end(), "-") > 1) {
      throw Error(Error::Kind::Config, "stdin ('-') can be read once; give it once");
    }
    if (options.loop != 1 && std::count(paths.begin(), paths.end(), "-") > 0) {
      throw Error(Error::Kind::Config, std::string("cannot loop stdin: a pipe cannot be rewound; save it ") +
                                           "to a file and play that");
    }
    gain = std::pow(10.0, options.gain_db / 20.0);
    media::DecoderOptions decoder_options{options.audio_stream, options.raw};
    for (const std::string& path : paths) {
      files.push_back(std::make_unique<media::AudioDecoder>(path, decoder_options));
    }
    if (options.loop != 1) {
      for (const auto& file : files) {
        if (!file->seekable()) {
          throw Error(Error::Kind::Config, "cannot loop " + input_name(file->path()) +
                                               ": a pipe or stream cannot be rewound; save it "
                                               "to a file and play that");
        }
      }
    }
    if (options.start.count() > 0) {
      media::AudioDecoder& first = *files.front();
      if (auto length = first.duration(); length && options.start >= *length) {
        throw Error(Error::Kind::Media,
                    "start " + seconds_text(options.start) + " is past the end of " +
                        input_name(first.path()) + " (" + seconds_text(*length) +
                        "); give a start within the file");
      }
      first.seek(options.start);
      position_us = std::chrono::microseconds(options.start).count();
    }
  }

  std::optional<AudioChunk> silence() const {
    AudioChunk chunk;
    if (shape) {
      chunk = *shape;
    } else {
      chunk.format = SampleFormat::Float32;
      chunk.sample_rate_hz = files.front()->sample_rate_hz();
      chunk.channels = files.front()->channels();
    }
    const std::size_t bytes = chunk.format == SampleFormat::S16 ? 2 : 4;
    const auto frames = static_cast<std::size_t>(std::max(chunk.sample_rate_hz / 50, 1)); // 20 ms
    chunk.data.assign(frames * bytes * static_cast<std::size_t>(chunk.channels), std::byte{0});
    return chunk;
  }

  void apply_seek(std::chrono::milliseconds offset) {
    try {
      files[index]->seek(offset);
    } catch (const Error& e) {
      core::log_warn("seek ignored: ", e.what()); // the track plays on from where it was
    }
    position_us = files[index]->position().count();
  }

  // The next file (or play) after files[index] ended; false when nothing is left.
  bool advance() {
    if (index + 1 < files.size()) {
      ++index;
      if (play > 1) {
        files[index]->seek(std::chrono::microseconds(0));
      }
    } else {
      const bool again = options.loop == kLoopForever || play < options.loop;
      if (!again || frames_this_play == 0) { // an empty list would loop without end
        return false;
      }
      ++play;
      frames_this_play = 0;
      index = 0;
      files[0]->seek(std::chrono::microseconds(0));
    }
    current_file = index;
    current_play = play;
    position_us = files[index]->position().count();
    return true;
  }

  std::optional<AudioChunk> recv() {
    std::lock_guard decoding(decode_mutex);
    std::optional<std::chrono::milliseconds> seek;
    bool is_paused = false;
    {
      std::lock_guard lock(control_mutex);
      seek = pending_seek;
      pending_seek.reset();
      is_paused = paused;
    }
    if (ended) {
      return std::nullopt;
    }
    if (seek) {
      apply_seek(*seek);
    }
    if (is_paused) {
      return silence();
    }
    for (;;) {
      std::optional<AudioChunk> chunk = files[index]->next_chunk();
      if (chunk) {
        frames_this_play += chunk->frames();
        position_us = files[index]->position().count();
        if (gain != 1.0) {
          media::apply_gain(*chunk, gain);
        }
        shape.emplace();
        shape->format = chunk->format;
        shape->sample_rate_hz = chunk->sample_rate_hz;
        shape->channels = chunk->channels;
        return chunk;
      }
      if (!advance()) {
        ended = true;
        return std::nullopt;
      }
    }
  }
};

FileAudioTrack::FileAudioTrack(const std::string& path) : FileAudioTrack(path, Options{}) {}

FileAudioTrack::FileAudioTrack(const std::string& path, Options options)
    : impl_(std::make_unique<Impl>(std::vector<std::string>{path}, std::move(options))) {}

FileAudioTrack::FileAudioTrack(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::shared_ptr<FileAudioTrack> FileAudioTrack::playlist(const std::vector<std::string>& paths) {
  return playlist(paths, Options{});
}

std::shared_ptr<FileAudioTrack> FileAudioTrack::playlist(const std::vector<std::string>& paths,
                                                         Options options) {
  return std::shared_ptr<FileAudioTrack>(
      new FileAudioTrack(std::make_unique<Impl>(paths, std::move(options))));
}

FileAudioTrack::~FileAudioTrack() = default;

std::optional<AudioChunk> FileAudioTrack::recv() { return impl_->recv(); }

std::optional<std::chrono::milliseconds> FileAudioTrack::duration() const {
  if (impl_->options.loop == kLoopForever) {
    return std::nullopt;
  }
  std::chrono::milliseconds one_play{0};
  for (const auto& file : impl_->files) {
    const auto length = file->duration();
    if (!length) {
      return std::nullopt;
    }
    one_play += *length;
  }
  return std::max(std::chrono::milliseconds(0),
                  one_play * impl_->options.loop - impl_->options.start);
}

std::string FileAudioTrack::description() const {
  std::string text;
  for (const auto& file : impl_->files) {
    text += (text.empty() ? "" : ", ") + (file->path() == "-" ? std::string("stdin") : file->path());
  }
  return text;
}

void FileAudioTrack::seek(std::chrono::milliseconds offset) {
  offset = std::max(offset, std::chrono::milliseconds(0));
  const std::size_t index = impl_->current_file;
  const media::AudioDecoder& file = *impl_->files[index];
  if (!file.seekable() && std::chrono::microseconds(offset).count() < impl_->position_us) {
    throw Error(Error::Kind::Media, "cannot seek back in " + input_name(file.path()) +
                                        ": a pipe or stream cannot be rewound");
  }
  std::lock_guard lock(impl_->control_mutex);
  impl_->pending_seek = offset;
  impl_->position_us = std::chrono::microseconds(offset).count();
}

void FileAudioTrack::pause() {
  std::lock_guard lock(impl_->control_mutex);
  impl_->paused = true;
}

void FileAudioTrack::resume() {
  std::lock_guard lock(impl_->control_mutex);
  impl_->paused = false;
}

bool FileAudioTrack::paused() const {
  std::lock_guard lock(impl_->control_mutex);
  return impl_->paused;
}

std::chrono::milliseconds FileAudioTrack::position() const {
  return std::chrono::milliseconds(impl_->position_us.load() / 1000);
}

std::size_t FileAudioTrack::current_file() const { return impl_->current_file; }

int FileAudioTrack::current_play() const { return impl_->current_play; }

std::optional<std::chrono::milliseconds> FileAudioTrack::current_file_duration() const {
  return impl_->files[impl_->current_file]->duration();
}

int FileAudioTrack::source_sample_rate_hz() const { return impl_->files.front()->sample_rate_hz(); }

int FileAudioTrack::source_channels() const { return impl_->files.front()->channels(); }

std::string FileAudioTrack::codec_name() const { return impl_->files.front()->codec_name(); }

std::size_t FileAudioTrack::skipped_packets() const {
  std::size_t total = 0;
  for (const auto& file : impl_->files) {
    total += file->skipped_packets();
  }
  return total;
}

} // namespace roomcast
