// Stereo sending (MeetingConfig::audio_channels = 2): conversion keeps the two sides apart,
// frames carry them interleaved, Opus codes them as stereo, a push track queues them, and
// the offer says so. Each check decodes or measures each side on its own.
#include <gtest/gtest.h>

#include <opus.h>

#include <chrono>
#include <vector>

#include "manual_jobs.hpp"
#include "media/encoded_track.hpp"
#include "media/framer.hpp"
#include "media/opus_encoder.hpp"
#include "media/pcm_converter.hpp"
#include "media/push_queue.hpp"
#include "meeting/config_check.hpp"
#include "roomcast/error.hpp"
#include "roomcast/push_audio_track.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp/session_description.hpp"
#include "test_media_signal.hpp"

namespace roomcast::media {
namespace {

using namespace std::chrono_literals;

// Interleaved stereo float: 441 Hz on the left, 660 Hz on the right.
std::vector<float> two_tones(int rate, std::size_t frames) {
  const auto left = test::sine(441, rate, frames);
  const auto right = test::sine(660, rate, frames);
  std::vector<float> out(2 * frames);
  for (std::size_t i = 0; i < frames; ++i) out[2 * i] = left[i], out[2 * i + 1] = right[i];
  return out;
}

std::vector<int16_t> side(std::span<const int16_t> interleaved, int which) {
  std::vector<int16_t> out(interleaved.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = interleaved[2 * i + static_cast<std::size_t>(which)];
  return out;
}

// Decodes stereo Opus packets with libopus; interleaved 48 kHz output.
std::vector<int16_t> decode_stereo(const std::vector<std::vector<uint8_t>>& packets) {
  int error = 0;
  ::OpusDecoder* decoder = opus_decoder_create(48000, 2, &error);
  EXPECT_EQ(error, OPUS_OK);
  std::vector<int16_t> out;
  std::vector<int16_t> pcm(2 * 5760);
  for (const auto& p : packets) {
    const int n = opus_decode(decoder, p.data(), static_cast<opus_int32>(p.size()), pcm.data(), 5760, 0);
    EXPECT_GT(n, 0);
    if (n > 0) out.insert(out.end(), pcm.begin(), pcm.begin() + 2 * n);
  }
  opus_decoder_destroy(decoder);
  return out;
}

void expect_left_441_right_660(std::span<const int16_t> interleaved) {
  const auto left = side(interleaved, 0), right = side(interleaved, 1);
  EXPECT_NEAR(test::dominant_frequency(left, kSampleRateHz), 441.0, 2.0);
  EXPECT_NEAR(test::dominant_frequency(right, kSampleRateHz), 660.0, 2.0);
  // Each side holds its own tone only: the other's is at least 30 dB down.
  EXPECT_GT(test::goertzel_power(left, 441, kSampleRateHz), 1000 * test::goertzel_power(left, 660, kSampleRateHz));
  EXPECT_GT(test::goertzel_power(right, 660, kSampleRateHz), 1000 * test::goertzel_power(right, 441, kSampleRateHz));
}

TEST(Stereo, ConverterKeepsTheSidesApartAndPutsMonoOnBothUnchanged) {
  PcmConverter stereo(2);
  const auto tones = two_tones(44100, 44100);
  std::vector<int16_t> out = stereo.convert(AudioChunk::from_float(tones, 44100, 2));
  stereo.flush(out);
  ASSERT_EQ(out.size() % 2, 0u);
  EXPECT_NEAR(static_cast<double>(out.size()) / 2, 48000.0, 2.0);
  expect_left_441_right_660(std::span(out).subspan(4800, 2 * 38400));

  // Mono at 48 kHz S16: both sides are the input, bit for bit (no -3 dB pan).
  const std::vector<int16_t> mono = test::to_s16(test::sine(441, 48000, 960));
  const std::vector<int16_t> wide = stereo.convert(AudioChunk::from_s16(mono, 48000, 1));
  ASSERT_EQ(wide.size(), 2 * mono.size());
  EXPECT_EQ(side(wide, 0), mono);
  EXPECT_EQ(side(wide, 1), mono);

  // And the default still mixes down to mono.
  PcmConverter mixed(1);
  EXPECT_NEAR(static_cast<double>(mixed.convert(AudioChunk::from_float(tones, 44100, 2)).size()), 48000.0, 50.0);
}

TEST(Stereo, FramerCutsInterleavedFramesAndCountsSamplesPerChannel) {
  Framer framer(2);
  std::vector<int16_t> in(2 * 2500);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int16_t>(i % 2 ? -(int)(i / 2) : (int)(i / 2));
  framer.push(std::span(in).first(2 * 700));
  EXPECT_FALSE(framer.pop());
  framer.push(std::span(in).subspan(2 * 700));
  EXPECT_EQ(framer.buffered_samples(), 2500u);
  for (int f = 0; f < 2; ++f) {
    auto frame = framer.pop();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->channels, 2);
    EXPECT_EQ(frame->first_sample, static_cast<uint64_t>(f) * kFrameSamples);
    ASSERT_EQ(frame->pcm().size(), 2u * kFrameSamples);
    EXPECT_TRUE(std::equal(frame->pcm().begin(), frame->pcm().end(), in.begin() + 2 * f * kFrameSamples));
  }
  auto last = framer.flush();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->valid_samples, 2500 - 2 * kFrameSamples);
  EXPECT_EQ(last->pcm()[2 * 579 + 1], -(2 * kFrameSamples + 579));
  EXPECT_EQ(last->pcm()[2 * 580], 0);  // padding
  EXPECT_EQ(framer.next_first_sample(), 3u * kFrameSamples);
}

TEST(Stereo, OpusEncoderCodesBothSidesAndRefusesAFrameOfTheWrongWidth) {
  OpusEncoder encoder(96000, false, OpusEncoder::Application::Audio, 2);
  EXPECT_EQ(encoder.channels(), 2);
  PcmConverter converter(2);
  const std::vector<int16_t> pcm = converter.convert(AudioChunk::from_float(two_tones(48000, 48000), 48000, 2));
  std::vector<std::vector<uint8_t>> packets;
  for (int f = 0; f < 50; ++f) {
    AudioFrame frame;
    frame.channels = 2;
    std::copy_n(pcm.begin() + 2 * f * kFrameSamples, 2 * kFrameSamples, frame.samples.begin());
    packets.push_back(encoder.encode(frame));
    EXPECT_EQ(opus_packet_get_nb_channels(packets.back().data()), 2);
  }
  const auto decoded = decode_stereo(packets);
  expect_left_441_right_660(std::span(decoded).subspan(2 * 9600));

  AudioFrame mono;  // one channel into a stereo encoder: a clear error, not garbage
  try {
    encoder.encode(mono);
    FAIL() << "a mono frame went into a stereo encoder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a 1-channel frame into a 2-channel encoder"), std::string::npos) << e.what();
  }
}

// A stereo pull track, encoded as stereo for a stereo meeting and as mono for a mono one.
class TwoToneTrack : public CustomAudioTrack {
 public:
  std::optional<AudioChunk> recv() override {
    if (sent_ >= 50) return std::nullopt;
    return AudioChunk::from_float(std::span(pcm_).subspan(2 * 882 * sent_++, 2 * 882), 44100, 2);  // 20 ms
  }

 private:
  std::vector<float> pcm_ = two_tones(44100, 50 * 882);
  int sent_ = 0;
};

std::vector<std::vector<uint8_t>> encode_all(int channels, test::ManualJobs& jobs) {
  EncoderSettings settings;
  settings.bitrate_bps = 96000;
  settings.channels = channels;
  auto track = std::make_shared<EncodedTrack>(std::make_shared<TwoToneTrack>(), settings, jobs.runner());
  auto reader = track->open_reader();
  std::vector<std::vector<uint8_t>> packets;
  for (int guard = 0; guard < 10000; ++guard) {
    std::shared_ptr<const EncodedFrame> frame;
    const auto status = reader->next(frame);
    if (status == EncodedTrack::Status::Frame) {
      packets.push_back(frame->opus);
    } else if (status == EncodedTrack::Status::Underrun) {
      jobs.run_all();
    } else {
      EXPECT_EQ(status, EncodedTrack::Status::Ended) << reader->error();
      break;
    }
  }
  EXPECT_EQ(opus_packet_get_nb_channels(track->silence().data()), channels);
  return packets;
}

TEST(Stereo, AStereoMeetingEncodesATrackInStereoAndAMonoOneInMono) {
  test::ManualJobs jobs;
  const auto stereo = encode_all(2, jobs);
  ASSERT_GE(stereo.size(), 50u);
  for (const auto& p : stereo) EXPECT_EQ(opus_packet_get_nb_channels(p.data()), 2);
  const auto decoded = decode_stereo(stereo);
  expect_left_441_right_660(std::span(decoded).subspan(2 * 9600, 2 * 28800));

  const auto mono = encode_all(1, jobs);
  ASSERT_GE(mono.size(), 50u);
  for (const auto& p : mono) EXPECT_EQ(opus_packet_get_nb_channels(p.data()), 1);
}

TEST(Stereo, AStereoPushTrackQueuesBothSidesAndCountsTimePerChannel) {
  detail::PushQueue queue(1000ms, 2);
  ASSERT_TRUE(queue.push(AudioChunk::from_float(two_tones(24000, 4800), 24000, 2), 0ms));  // 200 ms
  ASSERT_TRUE(queue.push(AudioChunk::from_s16(std::vector<int16_t>(960, 1234), 48000, 1), 0ms));
  queue.end();  // flushes the resampler's tail into the queue
  const auto queued = queue.queued_duration();
  EXPECT_GE(queued, 219ms);
  EXPECT_LE(queued, 221ms);
  std::vector<int16_t> out;
  for (int i = 0; i < 100; ++i) {
    AudioFrame frame;
    if (queue.take_frame(frame).kind != detail::PushQueue::Take::Kind::Audio) break;
    EXPECT_EQ(frame.channels, 2);
    out.insert(out.end(), frame.pcm().begin(), frame.pcm().begin() + 2 * frame.valid_samples);
  }
  ASSERT_GE(out.size(), 2u * 10560);
  expect_left_441_right_660(std::span(out).subspan(2 * 480, 2 * 8640));
  // The mono chunk plays on both sides, unchanged.
  const std::size_t tail = out.size() - 2 * 960;
  for (std::size_t i = tail + 200; i < out.size(); ++i) ASSERT_EQ(out[i], 1234) << "sample " << i;

  try {
    PushAudioTrack track(PushAudioTrack::Options{200ms, 3});
    FAIL() << "accepted 3 channels";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_NE(std::string(e.what()).find("channels is 3; use 1 (mono) or 2 (stereo)"), std::string::npos) << e.what();
  }
}

TEST(Stereo, TheOfferAnnouncesStereoOnlyWhenSendingIt) {
  sdp::LocalMediaParams p;
  p.ice_ufrag = "rc01";
  p.ice_pwd = "0123456789abcdefghijkl";
  p.fingerprint_sha256 = "27:A0";
  p.ssrc = 1;
  p.cname = "c";
  const auto fmtp = [&] {
    const auto sd = sdp::SessionDescription::parse(sdp::build_audio_offer(p, 1));
    EXPECT_TRUE(sd);
    return std::string(sd ? sd->media.at(0).attribute("fmtp").value_or("") : "");
  };
  EXPECT_EQ(fmtp(), "111 minptime=10;useinbandfec=1");
  p.stereo = true;
  EXPECT_EQ(fmtp(), "111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1");
  p.direction = sdp::LocalMediaParams::RecvOnly;  // not sending: nothing to announce
  EXPECT_EQ(fmtp(), "111 minptime=10;useinbandfec=1");
}

TEST(Stereo, AChannelCountOtherThanOneOrTwoIsRefusedBeforeAnythingConnects) {
  MeetingConfig config;
  config.meeting_id = "1234";
  config.mic_enabled = false;
  config.audio_channels = 6;
  try {
    meeting::check_config(config);
    FAIL() << "accepted 6 channels";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_STREQ(e.what(), "MeetingConfig::audio_channels is 6; send 1 channel (mono, the default) or 2 (stereo, "
                           "for music)");
  }
  config.audio_channels = 2;
  EXPECT_NO_THROW(meeting::check_config(config));
}

}  // namespace
}  // namespace roomcast::media
