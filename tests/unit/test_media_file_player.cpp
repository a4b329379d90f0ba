// FileAudioTrack's player controls on files made by the ffmpeg CLI: gapless loops, seek, start,
// pause, gain, playlists, raw PCM, and the errors for bad options.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "media/audio_frame.hpp"
#include "media/pcm_converter.hpp"
#include "roomcast/audio_track.hpp"
#include "roomcast/error.hpp"

namespace roomcast::media {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Everything a track hands out, as interleaved doubles in full scale 1.0, at the file's rate.
struct Pcm {
  std::vector<double> samples;
  int rate_hz = 0;
  int channels = 0;
  std::size_t frames() const { return channels ? samples.size() / channels : 0; }
};

void append(const AudioChunk& chunk, Pcm& out) {
  out.rate_hz = chunk.sample_rate_hz;
  out.channels = chunk.channels;
  const std::size_t bytes = chunk.format == SampleFormat::S16 ? 2 : 4;
  for (std::size_t at = 0; at + bytes <= chunk.data.size(); at += bytes) {
    if (chunk.format == SampleFormat::S16) {
      int16_t v;
      std::memcpy(&v, chunk.data.data() + at, 2);
      out.samples.push_back(v / 32768.0);
    } else if (chunk.format == SampleFormat::S32) {
      int32_t v;
      std::memcpy(&v, chunk.data.data() + at, 4);
      out.samples.push_back(v / 2147483648.0);
    } else {
      float v;
      std::memcpy(&v, chunk.data.data() + at, 4);
      out.samples.push_back(v);
    }
  }
}

Pcm read_all(FileAudioTrack& track, std::size_t max_chunks = 1000000) {
  Pcm out;
  for (std::size_t i = 0; i < max_chunks; ++i) {
    std::optional<AudioChunk> chunk = track.recv();
    if (!chunk) break;
    append(*chunk, out);
  }
  return out;
}

double ncc(const double* a, const double* b, std::size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / (std::sqrt(aa * bb) + 1e-20);
}

// The offset (frames, mono view of channel 0) within +-search at which `part` best matches
// `whole` starting at `expected`.
long best_offset(const Pcm& whole, const Pcm& part, long expected, long search, std::size_t n) {
  long best = 0;
  double best_c = -2;
  std::vector<double> a(n), b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = part.samples[i * part.channels];
  for (long d = -search; d <= search; ++d) {
    const long start = expected + d;
    if (start < 0 || static_cast<std::size_t>(start) + n > whole.frames()) continue;
    for (std::size_t i = 0; i < n; ++i) a[i] = whole.samples[(start + i) * whole.channels];
    const double c = ncc(a.data(), b.data(), n);
    if (c > best_c) {
      best_c = c;
      best = d;
    }
  }
  return best;
}

double rms_db(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return 10 * std::log10(sum / static_cast<double>(x.size()) + 1e-30);
}

class FilePlayerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "roomcast-player-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = new fs::path(pattern);
    // Noise (not a tone) so that any offset or repeated/missing samples shows.
    const std::string noise = "-f lavfi -i anoisesrc=d=1.3:c=pink:a=0.3:r=44100:seed=7";
    ok_ = make(noise + " -ac 2 -c:a pcm_s16le", "noise.wav") &&
          make(noise + " -c:a flac", "noise.flac") &&
          make("-f lavfi -i anoisesrc=d=3:c=pink:a=0.3:r=44100:seed=9 -c:a pcm_s16le", "long.wav") &&
          make("-f lavfi -i anoisesrc=d=3:c=pink:a=0.3:r=44100:seed=9 -c:a flac", "long.flac") &&
          make("-f lavfi -i anoisesrc=d=3:c=pink:a=0.3:r=44100:seed=9 -c:a libmp3lame -b:a 192k",
               "long.mp3") &&
          make("-f lavfi -i anoisesrc=d=3:c=pink:a=0.3:r=44100:seed=9 -c:a aac -b:a 192k", "long.m4a") &&
          make("-f lavfi -i anoisesrc=d=3:c=pink:a=0.3:r=48000:seed=9 -c:a libopus -b:a 192k", "long.ogg") &&
          make("-f lavfi -i sine=frequency=441:sample_rate=44100:duration=1 -c:a pcm_s16le",
               "a441.wav") &&
          make("-f lavfi -i sine=frequency=882:sample_rate=48000:duration=0.7 -c:a flac",
               "b882.flac") &&
          make("-f lavfi -i sine=frequency=441:sample_rate=44100:duration=1 -c:a libmp3lame",
               "tone.mp3") &&
          make("-f lavfi -i sine=frequency=441:sample_rate=44100:duration=1 -c:a aac", "tone.m4a") &&
          make("-f lavfi -i sine=frequency=441:sample_rate=32000:duration=0.5 -ac 2 -f s16le",
               "tone.raw");
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (dir_) fs::remove_all(*dir_, ec);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(ok_) << "the ffmpeg CLI could not make test files"; }

  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static bool make(const std::string& args, const std::string& name) {
    const std::string command =
        "ffmpeg -hide_banner -loglevel error -nostdin -y " + args + " '" + path(name) + "'";
    return std::system(command.c_str()) == 0;
  }
  static std::string error_of(const std::function<void()>& make_track, Error::Kind kind) {
    try {
      make_track();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      return e.what();
    }
    return "(no error)";
  }

  static inline fs::path* dir_ = nullptr;
  static inline bool ok_ = false;
};

// The loop seam: three plays are the source three times, sample for sample (WAV, FLAC are
// lossless, so exact), and correlate >= 0.99 across each seam.
TEST_F(FilePlayerTest, LoopIsTheSourceRepeatedWithoutAGap) {
  for (const char* name : {"noise.wav", "noise.flac"}) {
    SCOPED_TRACE(name);
    FileAudioTrack once(path(name));
    const Pcm source = read_all(once);
    ASSERT_GT(source.frames(), 50000u);
    FileAudioTrack::Options options;
    options.loop = 3;
    FileAudioTrack looped(path(name), options);
    ASSERT_TRUE(looped.duration());
    EXPECT_EQ(looped.duration()->count(), 3 * once.duration()->count());
    const Pcm out = read_all(looped);
    ASSERT_EQ(out.frames(), 3 * source.frames()); // exact sample count: nothing added or lost
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < out.samples.size(); ++i) {
      mismatches += out.samples[i] != source.samples[i % source.samples.size()];
    }
    EXPECT_EQ(mismatches, 0u);
    const std::size_t window = 4410 * source.channels; // 100 ms either side of each seam
    for (int seam = 1; seam <= 2; ++seam) {
      const std::size_t at = seam * source.samples.size();
      std::vector<double> expect(source.samples.end() - window, source.samples.end());
      expect.insert(expect.end(), source.samples.begin(), source.samples.begin() + window);
      const double c = ncc(out.samples.data() + at - window, expect.data(), 2 * window);
      RecordProperty("seam_correlation_" + std::string(name), std::to_string(c));
      EXPECT_GE(c, 0.99) << "seam " << seam;
    }
    EXPECT_EQ(looped.current_play(), 3);
  }
}

// Lossy codecs: FFmpeg drops MP3's LAME priming (start_skip_samples, applied again after a seek
// to 0) and the MP4 edit list's AAC priming, and the track trims the AAC padding: every play is
// as long as one play (measured: 4 x 44100 samples for both).
TEST_F(FilePlayerTest, LossyLoopsKeepTheirLength) {
  for (const char* name : {"tone.mp3", "tone.m4a"}) {
    SCOPED_TRACE(name);
    FileAudioTrack once(path(name));
    const Pcm source = read_all(once);
    FileAudioTrack::Options options;
    options.loop = 4;
    FileAudioTrack looped(path(name), options);
    const Pcm out = read_all(looped);
    RecordProperty(std::string("loop_frames_") + name,
                   std::to_string(out.frames()) + " vs 4x" + std::to_string(source.frames()));
    ASSERT_EQ(out.frames(), 4 * source.frames());
    // After the seek to 0 the decoder starts afresh as at the first play: the same samples.
    double worst = 1;
    const std::size_t window = 4410;
    for (int seam = 1; seam <= 3; ++seam) {
      const std::size_t at = seam * source.samples.size();
      std::vector<double> expect(source.samples.end() - window, source.samples.end());
      expect.insert(expect.end(), source.samples.begin(), source.samples.begin() + window);
      worst = std::min(worst, ncc(out.samples.data() + at - window, expect.data(), 2 * window));
    }
    RecordProperty(std::string("seam_correlation_") + name, std::to_string(worst));
    EXPECT_GE(worst, 0.99);
  }
}

TEST_F(FilePlayerTest, ForeverHasNoDurationAndKeepsGoing) {
  FileAudioTrack::Options options;
  options.loop = FileAudioTrack::kLoopForever;
  FileAudioTrack forever(path("noise.flac"), options);
  EXPECT_FALSE(forever.duration());
  const Pcm out = read_all(forever, 2000); // far more than one play's chunks
  EXPECT_GT(out.frames(), 5u * 57330u);
  EXPECT_GT(forever.current_play(), 4);
}

// seek() and Options::start land on the exact sample (within 20 ms for MP3).
TEST_F(FilePlayerTest, SeekAndStartLandOnTheTarget) {
  for (const auto& [name, tolerance_ms] :
       {std::pair{"long.wav", 0.0}, std::pair{"long.flac", 0.0}, std::pair{"long.mp3", 20.0},
        std::pair{"long.m4a", 20.0}, std::pair{"long.ogg", 20.0}}) {
    SCOPED_TRACE(name);
    FileAudioTrack whole(path(name));
    const Pcm reference = read_all(whole);
    const long target = static_cast<long>(1.234 * reference.rate_hz);

    FileAudioTrack::Options options;
    options.start = milliseconds(1234);
    FileAudioTrack started(path(name), options);
    EXPECT_EQ(started.position(), milliseconds(1234));
    const Pcm from_start = read_all(started);
    const long start_error = best_offset(reference, from_start, target, 4410, 8192);
    RecordProperty(std::string("start_error_samples_") + name, std::to_string(start_error));
    EXPECT_LE(std::abs(start_error) * 1000.0 / reference.rate_hz, tolerance_ms);
    EXPECT_NEAR(static_cast<double>(from_start.frames()), reference.frames() - target,
                tolerance_ms * reference.rate_hz / 1000 + 1);

    // While playing: a few chunks, then seek back to 0.5 s.
    FileAudioTrack playing(path(name));
    read_all(playing, 20);
    playing.seek(milliseconds(500));
    EXPECT_EQ(playing.position(), milliseconds(500));
    const Pcm after = read_all(playing);
    const long seek_error =
        best_offset(reference, after, static_cast<long>(0.5 * reference.rate_hz), 4410, 8192);
    RecordProperty(std::string("seek_error_samples_") + name, std::to_string(seek_error));
    EXPECT_LE(std::abs(seek_error) * 1000.0 / reference.rate_hz, tolerance_ms);
    {
      // Decoded as at the first play from the very first sample (the pre-roll before the
      // target): the first 100 ms after the seek correlate with the reference there.
      const std::size_t n = static_cast<std::size_t>(0.1 * reference.rate_hz);
      const std::size_t first = static_cast<std::size_t>(0.5 * reference.rate_hz + seek_error);
      std::vector<double> a(n), b(n);
      for (std::size_t i = 0; i < n; ++i) {
        a[i] = after.samples[i * after.channels];
        b[i] = reference.samples[(first + i) * reference.channels];
      }
      const double c = ncc(a.data(), b.data(), n);
      RecordProperty(std::string("seek_first_100ms_correlation_") + name, std::to_string(c));
      EXPECT_GE(c, 0.99);
    }
    if (tolerance_ms == 0) {
      // Lossless: the very samples.
      const std::size_t first = static_cast<std::size_t>(0.5 * reference.rate_hz) * reference.channels;
      ASSERT_EQ(after.samples.size(), reference.samples.size() - first);
      EXPECT_TRUE(std::equal(after.samples.begin(), after.samples.end(), reference.samples.begin() + first));
    }
  }
}

// The controls from another thread while recv() runs (as the SDK's worker does): no torn
// state (run under TSan in the sanitizer build), positions always within the file, and the
// track plays on from a seek once the controls stop.
TEST_F(FilePlayerTest, ControlsFromAnotherThreadWhileRecvRuns) {
  FileAudioTrack::Options options;
  options.loop = FileAudioTrack::kLoopForever;
  FileAudioTrack track(path("long.flac"), options);
  std::atomic<bool> stop{false};
  std::atomic<int> bad_positions{0};
  std::thread user([&] {
    for (int i = 0; !stop; ++i) {
      switch (i % 4) {
      case 0: track.pause(); break;
      case 1: track.seek(milliseconds((i * 37) % 3000)); break;
      case 2: track.resume(); break;
      default: break;
      }
      const milliseconds at = track.position();
      bad_positions += at.count() < 0 || at.count() > 3000;
      std::this_thread::yield();
    }
    track.resume();
  });
  for (int i = 0; i < 3000; ++i) {
    std::optional<AudioChunk> chunk = track.recv();
    ASSERT_TRUE(chunk); // paused or playing: chunks keep coming
    EXPECT_GT(chunk->frames(), 0u);
  }
  stop = true;
  user.join();
  EXPECT_EQ(bad_positions, 0);
  EXPECT_FALSE(track.paused());
  track.seek(milliseconds(1000));
  ASSERT_TRUE(track.recv());
  EXPECT_GT(track.position(), milliseconds(1000));
  EXPECT_LT(track.position(), milliseconds(1200)); // one FLAC frame on from the seek
}

TEST_F(FilePlayerTest, GainMinusSixDbMeasuresMinusSix) {
  FileAudioTrack plain(path("long.wav"));
  FileAudioTrack::Options options;
  options.gain_db = -6;
  FileAudioTrack quieter(path("long.wav"), options);
  const double difference = rms_db(read_all(quieter).samples) - rms_db(read_all(plain).samples);
  RecordProperty("gain_minus6_measured_db", std::to_string(difference));
  EXPECT_NEAR(difference, -6.0, 0.1);
}

// Paused: 20 ms chunks of silence in the file's shape, the position stands still; resumed,
// the file goes on with the sample after the last one handed out.
TEST_F(FilePlayerTest, PauseGivesSilenceAndFreezesThePosition) {
  FileAudioTrack reference_track(path("noise.wav"));
  const Pcm reference = read_all(reference_track);
  FileAudioTrack track(path("noise.wav"));
  Pcm before = read_all(track, 10);
  const milliseconds at = track.position();
  EXPECT_NEAR(static_cast<double>(at.count()), before.frames() * 1000.0 / 44100, 1.0);
  track.pause();
  EXPECT_TRUE(track.paused());
  for (int i = 0; i < 50; ++i) {
    std::optional<AudioChunk> chunk = track.recv();
    ASSERT_TRUE(chunk);
    EXPECT_EQ(chunk->sample_rate_hz, 44100);
    EXPECT_EQ(chunk->channels, 2);
    EXPECT_EQ(chunk->frames(), 882u);
    EXPECT_TRUE(std::all_of(chunk->data.begin(), chunk->data.end(), [](std::byte b) { return b == std::byte{0}; }));
  }
  EXPECT_EQ(track.position(), at);
  track.resume();
  const Pcm after = read_all(track);
  before.samples.insert(before.samples.end(), after.samples.begin(), after.samples.end());
  EXPECT_EQ(before.samples, reference.samples);
}

// A playlist of a 44.1 kHz WAV and a 48 kHz FLAC: every sample of both, in order; through
// the SDK's converter the result is their lengths at 48 kHz with no silent gap at the seam.
TEST_F(FilePlayerTest, PlaylistPlaysBackToBackWithoutAGap) {
  FileAudioTrack a(path("a441.wav"));
  FileAudioTrack b(path("b882.flac"));
  const std::size_t a_frames = read_all(a).frames();
  const std::size_t b_frames = read_all(b).frames();
  auto list = FileAudioTrack::playlist({path("a441.wav"), path("b882.flac")});
  EXPECT_EQ(list->description(), path("a441.wav") + ", " + path("b882.flac"));
  ASSERT_TRUE(list->duration());
  EXPECT_EQ(list->duration()->count(), a.duration()->count() + b.duration()->count());
  PcmConverter converter;
  std::vector<int16_t> out;
  std::size_t native_a = 0, native_b = 0;
  while (std::optional<AudioChunk> chunk = list->recv()) {
    (chunk->sample_rate_hz == 44100 ? native_a : native_b) += chunk->frames();
    converter.convert(*chunk, out);
  }
  converter.flush(out);
  EXPECT_EQ(native_a, a_frames);
  EXPECT_EQ(native_b, b_frames);
  EXPECT_EQ(list->current_file(), 1u);
  const double expected = a_frames * 48000.0 / 44100 + b_frames;
  RecordProperty("playlist_samples", std::to_string(out.size()) + " expected " + std::to_string(expected));
  EXPECT_NEAR(static_cast<double>(out.size()), expected, 2.0);
  // No run of silence longer than 1 ms anywhere between 10 ms and the end less 10 ms.
  std::size_t run = 0, longest = 0;
  for (std::size_t i = 480; i + 480 < out.size(); ++i) {
    run = std::abs(out[i]) < 30 ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  EXPECT_LT(longest, 48u);
}

TEST_F(FilePlayerTest, RawPcmIsReadWithTheGivenShape) {
  FileAudioTrack::Options options;
  options.raw = RawPcmFormat{SampleFormat::S16, 32000, 2};
  FileAudioTrack raw(path("tone.raw"), options);
  EXPECT_EQ(raw.source_sample_rate_hz(), 32000);
  EXPECT_EQ(raw.source_channels(), 2);
  const Pcm pcm = read_all(raw);
  EXPECT_EQ(pcm.frames(), 16000u);
  EXPECT_EQ(pcm.rate_hz, 32000);
}

TEST_F(FilePlayerTest, BadOptionsAreRefusedWithWhatToDo) {
  FileAudioTrack::Options gain;
  gain.gain_db = 30;
  EXPECT_EQ(error_of([&] { FileAudioTrack t(path("a441.wav"), gain); }, Error::Kind::Config),
            "gain is 30 dB; give -60 to +20 dB (0: unchanged)");
  FileAudioTrack::Options loop;
  loop.loop = -2;
  EXPECT_EQ(error_of([&] { FileAudioTrack t(path("a441.wav"), loop); }, Error::Kind::Config),
            "loop is -2; give a play count: 1 or more, or 0 to loop forever");
  FileAudioTrack::Options late;
  late.start = milliseconds(5000);
  EXPECT_EQ(error_of([&] { FileAudioTrack t(path("a441.wav"), late); }, Error::Kind::Media),
            "start 5.00 s is past the end of '" + path("a441.wav") +
                "' (1.00 s); give a start within the file");
  const std::string missing = path("missing.ogg");
  EXPECT_EQ(error_of([&] { FileAudioTrack::playlist({path("a441.wav"), missing}); }, Error::Kind::Media),
            "cannot open '" + missing + "': no such file; check the path");
  EXPECT_EQ(error_of([&] { FileAudioTrack::playlist({}); }, Error::Kind::Config),
            "a playlist needs at least one file; got none");
  EXPECT_EQ(error_of([&] { FileAudioTrack::playlist({"-", "-"}); }, Error::Kind::Config),
            "stdin ('-') can be read once; give it once");
}

}  // namespace
}  // namespace roomcast::media
