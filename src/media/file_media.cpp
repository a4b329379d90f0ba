// FileMedia: the public face of an AvPlayer and its two tracks.
#include "roomcast/file_media.hpp"

#include "media/av_player.hpp"
#include "media/av_player_tracks.hpp"

namespace roomcast {

struct FileMedia::Impl {
  std::shared_ptr<media::AvPlayer> player;
  std::shared_ptr<media::AvAudioTrack> audio;
  std::shared_ptr<media::AvVideoTrack> video;

  Impl(const std::vector<std::string>& paths, const Options& options)
      : player(std::make_shared<media::AvPlayer>(paths, options)) {
    if (player->has_audio()) {
      audio = std::make_shared<media::AvAudioTrack>(player);
    }
    if (player->has_video()) {
      video = std::make_shared<media::AvVideoTrack>(player);
    }
  }
};

FileMedia::FileMedia(const std::string& path) : FileMedia(path, Options{}) {}

FileMedia::FileMedia(const std::string& path, Options options)
    : impl_(std::make_unique<Impl>(std::vector<std::string>{path}, options)) {}

FileMedia::FileMedia(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileMedia::~FileMedia() = default;

std::shared_ptr<FileMedia> FileMedia::playlist(const std::vector<std::string>& paths, Options options) {
  return std::shared_ptr<FileMedia>(new FileMedia(std::make_unique<Impl>(paths, options)));
}

std::shared_ptr<FileMedia> FileMedia::playlist(const std::vector<std::string>& paths) {
  return playlist(paths, Options{});
}

bool FileMedia::has_audio() const { return impl_->audio != nullptr; }
bool FileMedia::has_video() const { return impl_->video != nullptr; }
std::shared_ptr<CustomAudioTrack> FileMedia::audio_track() const { return impl_->audio; }
std::shared_ptr<CustomVideoTrack> FileMedia::video_track() const { return impl_->video; }

void FileMedia::seek(std::chrono::milliseconds offset) { impl_->player->seek(offset); }
void FileMedia::pause() { impl_->player->pause(); }
void FileMedia::resume() { impl_->player->resume(); }
bool FileMedia::paused() const { return impl_->player->paused(); }

std::chrono::milliseconds FileMedia::position() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(impl_->player->position());
}

std::size_t FileMedia::current_file() const { return impl_->player->current_file(); }
int FileMedia::current_play() const { return impl_->player->current_play(); }

std::optional<std::chrono::milliseconds> FileMedia::current_file_duration() const {
  return impl_->player->files()[impl_->player->current_file()].demuxer->duration();
}

std::optional<std::chrono::milliseconds> FileMedia::duration() const {
  return media::av_duration(*impl_->player);
}

std::string FileMedia::description() const {
  return impl_->audio ? impl_->audio->description() : impl_->video->description();
}

std::string FileMedia::audio_codec_name() const {
  return impl_->audio ? impl_->audio->decoder(0).codec_name() : std::string();
}
int FileMedia::source_sample_rate_hz() const {
  return impl_->audio ? impl_->audio->decoder(0).sample_rate_hz() : 0;
}
int FileMedia::source_channels() const { return impl_->audio ? impl_->audio->decoder(0).channels() : 0; }
std::string FileMedia::video_codec_name() const {
  return impl_->video ? impl_->video->decoder(0).codec_name() : std::string();
}
int FileMedia::source_width() const { return impl_->video ? impl_->video->decoder(0).width() : 0; }
int FileMedia::source_height() const { return impl_->video ? impl_->video->decoder(0).height() : 0; }
double FileMedia::source_frame_rate() const {
  return impl_->video ? impl_->video->decoder(0).frame_rate() : 0;
}

} // namespace roomcast
