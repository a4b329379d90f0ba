// Receive-side playout: sequence bookkeeping after RFC 3550 A.1/A.3, Opus decode, FEC and PLC.
#include "receive/jitter_buffer.hpp"

#include <opus.h>

#include <algorithm>
#include <cstdlib>

#include "rtp/opus_lbrr.hpp"

namespace roomcast::receive {

namespace {

// Opus frames are multiples of 2.5 ms (RFC 6716 2.1.4); PLC and FEC need such a size.
constexpr int kMinDurationSamples = kSampleRateHz / 400;

int frames_in(int64_t samples) {
  return static_cast<int>((samples + kFrameSamples - 1) / kFrameSamples);
}

// Timestamps must move with the sequence number, by at most the longest packet per step
// (plus a generous pause, as DTX and muting stretch the timestamp between packets).
bool consistent(int64_t sequence_delta, int64_t timestamp_delta) {
  if ((sequence_delta > 0 && timestamp_delta < 0) || (sequence_delta < 0 && timestamp_delta > 0)) {
    return false;
  }
  return std::abs(timestamp_delta) <= std::abs(sequence_delta) * OpusDecoder::kMaxPacketSamples +
                                          JitterBuffer::kMaxTimestampJumpSamples;
}

} // namespace

JitterBuffer::JitterBuffer() : JitterBuffer(Options{}) {}

JitterBuffer::JitterBuffer(Options options) : options_(options) {
  options_.target_delay_frames = std::max(0, options_.target_delay_frames);
  options_.max_delay_frames = std::max(options_.target_delay_frames, options_.max_delay_frames);
  options_.max_conceal_frames = std::max(0, options_.max_conceal_frames);
}

void JitterBuffer::push(uint16_t sequence, uint32_t rtp_timestamp,
                        std::span<const uint8_t> opus_payload) {
  if (!have_stream_) {
    start_stream(sequence, rtp_timestamp);
    accept(highest_, rtp_timestamp, opus_payload);
    return;
  }
  // 16-bit sequence numbers wrap: the nearest extension to the highest seen (RFC 3550 A.1).
  const int64_t delta = static_cast<int16_t>(static_cast<uint16_t>(sequence - highest_));
  if (std::abs(delta) <= kMaxSequenceJump &&
      consistent(delta, static_cast<int32_t>(rtp_timestamp - highest_ts_))) {
    accept(highest_ + delta, rtp_timestamp, opus_payload);
    return;
  }
  // A jump: restart only when the next packet continues it, so one stray packet from
  // an old stream cannot throw the buffer away (RFC 3550 A.1 probation).
  if (candidate_ && sequence == static_cast<uint16_t>(candidate_->sequence + 1) &&
      consistent(1, static_cast<int32_t>(rtp_timestamp - candidate_->timestamp))) {
    const Candidate first = std::move(*candidate_);
    candidate_.reset();
    ++stats_.restarts;
    start_stream(first.sequence, first.timestamp);
    accept(highest_, first.timestamp, first.payload);
    accept(highest_ + 1, rtp_timestamp, opus_payload);
    return;
  }
  candidate_ = Candidate{sequence, rtp_timestamp, {opus_payload.begin(), opus_payload.end()}};
}

void JitterBuffer::start_stream(uint16_t sequence, uint32_t timestamp) {
  if (have_stream_) {
    lost_before_ += segment_lost();
  }
  have_stream_ = true;
  state_ = State::Idle;
  highest_ = sequence;
  highest_ts_ = timestamp;
  base_ = highest_;
  segment_received_ = 0;
  received_.reset();
  packets_.clear();
  chunks_.clear();
  queued_samples_ = 0;
}

void JitterBuffer::accept(int64_t ext, uint32_t timestamp, std::span<const uint8_t> payload) {
  if (seen(ext)) {
    ++stats_.packets_duplicate;
    return;
  }
  mark_seen(ext, timestamp);
  ++stats_.packets_received;
  ++segment_received_;
  base_ = std::min(base_, ext);

  switch (state_) {
  case State::Idle:
    start_buffering(ext, timestamp);
    break;
  case State::Buffering:
    // Nothing played yet: an earlier packet (reordered start) moves the start back.
    if (ext < next_seq_) {
      if (next_seq_ - ext > options_.max_delay_frames) {
        ++stats_.packets_late;
        return;
      }
      next_seq_ = ext;
      next_ts_ = timestamp;
    }
    break;
  case State::Playing:
    if (ext < next_seq_) {
      ++stats_.packets_late; // its slot was already concealed
      return;
    }
    break;
  }

  // An empty payload (a header-only RTP packet) has no TOC byte; libopus must not see it.
  int duration = payload.empty() ? OPUS_INVALID_PACKET
                                 : opus_packet_get_nb_samples(payload.data(),
                                                              static_cast<opus_int32>(payload.size()),
                                                              kSampleRateHz);
  if (duration < kMinDurationSamples || duration > OpusDecoder::kMaxPacketSamples) {
    duration = last_duration_; // invalid: decode() will fail, count it and conceal
  }
  packets_.insert_or_assign(ext, Packet{timestamp, duration, {payload.begin(), payload.end()}});
  // pull() trims once per tick; this only bounds memory if pushes flood in between ticks.
  if (buffered_samples() > int64_t{4} * options_.max_delay_frames * kFrameSamples) {
    trim();
  }
}

void JitterBuffer::start_buffering(int64_t ext, uint32_t timestamp) {
  state_ = State::Buffering;
  ticks_buffered_ = 0;
  conceal_run_ = 0;
  next_seq_ = ext;
  next_ts_ = timestamp;
}

std::optional<JitterBuffer::Output> JitterBuffer::pull() {
  if (state_ == State::Idle) {
    return std::nullopt;
  }
  if (buffered_samples() > int64_t{options_.max_delay_frames} * kFrameSamples) {
    trim();
  }
  if (state_ == State::Buffering) {
    if (++ticks_buffered_ <= options_.target_delay_frames) {
      return std::nullopt;
    }
    state_ = State::Playing;
  }
  if (packets_.empty() && queued_samples_ == 0 && conceal_run_ >= options_.max_conceal_frames) {
    state_ = State::Idle; // the sender stopped (or left); concealing longer only adds noise
    return std::nullopt;
  }

  while (queued_samples_ < kFrameSamples) {
    decode_next();
  }
  Output out;
  std::size_t filled = 0;
  while (filled < out.samples.size()) {
    Chunk &chunk = chunks_.front();
    const std::size_t n = std::min(out.samples.size() - filled, chunk.pcm.size() - chunk.offset);
    std::copy_n(chunk.pcm.begin() + static_cast<std::ptrdiff_t>(chunk.offset), n,
                out.samples.begin() + static_cast<std::ptrdiff_t>(filled));
    chunk.offset += n;
    filled += n;
    out.concealed = out.concealed || chunk.concealed;
    out.fec = out.fec || chunk.fec;
    if (chunk.offset == chunk.pcm.size()) {
      chunks_.pop_front();
    }
  }
  queued_samples_ -= kFrameSamples;

  ++stats_.frames_played;
  if (out.concealed) {
    ++stats_.frames_concealed;
    ++conceal_run_;
  } else {
    conceal_run_ = 0;
  }
  if (out.fec) {
    ++stats_.frames_fec;
  }
  return out;
}

// Produces the audio of the packet at the cursor (decoded, recovered or concealed).
void JitterBuffer::decode_next() {
  const auto it = packets_.begin();
  if (it != packets_.end() && it->first == next_seq_) {
    const Packet packet = std::move(it->second);
    packets_.erase(it);
    ++next_seq_;
    auto pcm = decoder_.decode(packet.payload);
    if (pcm && !pcm->empty()) {
      last_duration_ = static_cast<int>(pcm->size());
      next_ts_ = packet.timestamp + static_cast<uint32_t>(pcm->size());
      queue(std::move(pcm), last_duration_, false, false);
      return;
    }
    ++stats_.decode_errors;
    next_ts_ = packet.timestamp + static_cast<uint32_t>(packet.duration_samples);
    queue(decoder_.decode_lost(packet.duration_samples), packet.duration_samples, true, false);
    return;
  }

  const int samples = missing_duration();
  ++next_seq_;
  next_ts_ += static_cast<uint32_t>(samples);
  if (it != packets_.end() && it->first == next_seq_ && rtp::opus_packet_has_fec(it->second.payload)) {
    // The packet after the gap carries a lower-bitrate copy of the lost one (only then is
    // it FEC: without LBRR data libopus would conceal and call it recovered).
    auto pcm = decoder_.decode_fec(it->second.payload, samples);
    if (pcm) {
      queue(std::move(pcm), samples, true, true);
      return;
    }
  }
  queue(decoder_.decode_lost(samples), samples, true, false);
}

// Duration of the packet missing at the cursor: the timestamps around the gap say
// (RFC 3550 5.1); without a packet after it, assume the last packet's duration.
int JitterBuffer::missing_duration() const {
  const auto it = packets_.begin();
  if (it != packets_.end()) {
    const int64_t gap = it->first - next_seq_;
    const int64_t span = static_cast<int32_t>(it->second.timestamp - next_ts_);
    if (gap > 0 && span > 0 && span % gap == 0) {
      const int64_t each = span / gap;
      if (each % kMinDurationSamples == 0 && each <= OpusDecoder::kMaxPacketSamples) {
        return static_cast<int>(each);
      }
    }
  }
  return last_duration_;
}

void JitterBuffer::queue(std::optional<std::vector<int16_t>> pcm, int samples, bool concealed,
                         bool fec) {
  if (!pcm || pcm->empty()) {
    pcm.emplace(static_cast<std::size_t>(samples), int16_t{0}); // keep the timeline whole
  }
  queued_samples_ += static_cast<int64_t>(pcm->size());
  chunks_.push_back(Chunk{std::move(*pcm), 0, concealed, fec});
}

// Drops the oldest audio down to the target delay in one go, so a burst leaves the
// usual latency behind rather than max_delay_frames of it for the rest of the call.
void JitterBuffer::trim() {
  const int64_t target = int64_t{options_.target_delay_frames} * kFrameSamples;
  while (buffered_samples() > target) {
    if (!chunks_.empty()) {
      const Chunk &chunk = chunks_.front();
      const auto left = static_cast<int64_t>(chunk.pcm.size() - chunk.offset);
      queued_samples_ -= left;
      stats_.frames_dropped += static_cast<uint64_t>(frames_in(left));
      chunks_.pop_front();
      continue;
    }
    const auto it = packets_.begin();
    if (it == packets_.end()) {
      break;
    }
    if (it->first != next_seq_) { // a gap: skip to the packet after it, nothing to drop
      next_seq_ = it->first;
      next_ts_ = it->second.timestamp;
      continue;
    }
    stats_.frames_dropped += static_cast<uint64_t>(frames_in(it->second.duration_samples));
    next_ts_ = it->second.timestamp + static_cast<uint32_t>(it->second.duration_samples);
    ++next_seq_;
    packets_.erase(it);
  }
}

int64_t JitterBuffer::buffered_samples() const {
  int64_t total = queued_samples_;
  int64_t expected = next_seq_;
  for (const auto &[ext, packet] : packets_) {
    total += (ext - expected) * last_duration_ + packet.duration_samples;
    expected = ext + 1;
  }
  return total;
}

bool JitterBuffer::seen(int64_t ext) const {
  return ext <= highest_ && received_[static_cast<uint64_t>(ext) % kHistory];
}

void JitterBuffer::mark_seen(int64_t ext, uint32_t timestamp) {
  if (ext > highest_) {
    if (ext - highest_ >= kHistory) {
      received_.reset();
    } else {
      for (int64_t e = highest_ + 1; e < ext; ++e) {
        received_.reset(static_cast<uint64_t>(e) % kHistory);
      }
    }
    highest_ = ext;
    highest_ts_ = timestamp;
  }
  received_.set(static_cast<uint64_t>(ext) % kHistory);
}

uint64_t JitterBuffer::segment_lost() const {
  const auto expected = static_cast<uint64_t>(highest_ - base_ + 1);
  return expected > segment_received_ ? expected - segment_received_ : 0;
}

JitterBuffer::Stats JitterBuffer::stats() const {
  Stats out = stats_;
  out.packets_lost = lost_before_ + (have_stream_ ? segment_lost() : 0);
  out.buffered_frames = static_cast<int>(buffered_samples() / kFrameSamples);
  return out;
}

} // namespace roomcast::receive
