// JitterBuffer: one remote Opus stream's RTP packets in, one 20 ms PCM frame out per tick.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "media/audio_frame.hpp"
#include "receive/opus_decoder.hpp"

namespace roomcast::receive {

// Received audio comes out in the send side's frame shape (48 kHz mono, 20 ms).
using media::AudioFrame;
using media::kFrameSamples;
using media::kSampleRateHz;

/// Fixed-delay playout: reorders by sequence number, conceals gaps (Opus FEC, else PLC),
/// bounds latency by dropping. Loop thread only; time is the caller's 20 ms pull() ticks,
/// no clock is read. Network input never throws: bad packets are counted.
class JitterBuffer {
public:
  struct Options {
    /// Playout starts this many ticks after the first packet arrives.
    int target_delay_frames = 3;
    /// More than this many frames buffered: drop the oldest down to target_delay_frames.
    int max_delay_frames = 15;
    /// After this many consecutive concealed frames with nothing buffered, go idle
    /// (pull() returns nullopt) and buffer again from the next packet.
    int max_conceal_frames = 5;
  };

  struct Output {
    std::array<int16_t, kFrameSamples> samples{};
    bool concealed = false; ///< some samples are not from a received packet
    bool fec = false;       ///< recovered from the next packet's in-band FEC (RFC 6716 2.1.7)
  };

  struct Stats {
    uint64_t packets_received = 0;  ///< distinct packets, late ones included
    uint64_t packets_lost = 0;      ///< never received (RFC 3550 A.3: expected - received)
    uint64_t packets_late = 0;      ///< arrived after their slot was played
    uint64_t packets_duplicate = 0; ///< same sequence number seen before
    uint64_t frames_played = 0;     ///< frames pull() returned, concealed ones included
    uint64_t frames_concealed = 0;  ///< of those, with PLC or FEC samples
    uint64_t frames_fec = 0;        ///< of those, with FEC samples
    uint64_t frames_dropped = 0;    ///< dropped to bound latency
    uint64_t decode_errors = 0;     ///< packets libopus rejected (concealed instead)
    uint64_t restarts = 0;          ///< sequence/timestamp jumps that resynchronised
    int buffered_frames = 0;        ///< audio waiting to be played, gaps included
  };

  /// A jump beyond this many sequence numbers is a sender restart (RFC 3550 A.1 dropout).
  static constexpr int kMaxSequenceJump = 1000;
  /// A timestamp further than this from what the sequence step explains is a restart.
  static constexpr int64_t kMaxTimestampJumpSamples = 10 * int64_t{kSampleRateHz};

  /// Throws Error(Kind::Media) if the Opus decoder cannot be created.
  JitterBuffer();
  explicit JitterBuffer(Options options);

  /// One RTP packet's sequence number, timestamp and Opus payload (RFC 7587).
  void push(uint16_t sequence, uint32_t rtp_timestamp, std::span<const uint8_t> opus_payload);

  /// Call exactly once per 20 ms tick. nullopt while buffering or idle, else one frame.
  std::optional<Output> pull();

  Stats stats() const;
  bool playing() const { return state_ == State::Playing; }

private:
  enum class State { Idle, Buffering, Playing };

  struct Packet {
    uint32_t timestamp = 0;
    int duration_samples = kFrameSamples;
    std::vector<uint8_t> payload;
  };
  struct Chunk { // decoded PCM not yet handed out
    std::vector<int16_t> pcm;
    std::size_t offset = 0;
    bool concealed = false;
    bool fec = false;
  };
  struct Candidate { // first packet after a jump, held until the next one confirms it
    uint16_t sequence = 0;
    uint32_t timestamp = 0;
    std::vector<uint8_t> payload;
  };

  void accept(int64_t ext, uint32_t timestamp, std::span<const uint8_t> payload);
  void start_stream(uint16_t sequence, uint32_t timestamp);
  void start_buffering(int64_t ext, uint32_t timestamp);
  void decode_next();
  int missing_duration() const;
  void queue(std::optional<std::vector<int16_t>> pcm, int samples, bool concealed, bool fec);
  void trim();
  int64_t buffered_samples() const;
  bool seen(int64_t ext) const;
  void mark_seen(int64_t ext, uint32_t timestamp);
  uint64_t segment_lost() const;

  Options options_;
  OpusDecoder decoder_;
  State state_ = State::Idle;
  bool have_stream_ = false;
  int ticks_buffered_ = 0;
  int conceal_run_ = 0;

  std::map<int64_t, Packet> packets_; // by extended sequence number, all >= next_seq_
  std::deque<Chunk> chunks_;
  int64_t queued_samples_ = 0;
  int64_t next_seq_ = 0; // extended sequence number of the next packet to play
  uint32_t next_ts_ = 0; // RTP timestamp of the next sample to play
  int last_duration_ = kFrameSamples;

  // RFC 3550 A.1/A.3 bookkeeping for the current stream segment.
  int64_t highest_ = 0;
  uint32_t highest_ts_ = 0;
  int64_t base_ = 0;
  uint64_t segment_received_ = 0;
  uint64_t lost_before_ = 0;            // from segments before the last restart
  static constexpr int kHistory = 1024; // > kMaxSequenceJump, so every in-range packet is known
  std::bitset<kHistory> received_;
  std::optional<Candidate> candidate_;

  Stats stats_;
};

} // namespace roomcast::receive
