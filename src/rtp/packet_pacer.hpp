// PacketPacer: spreads one video stream's RTP packets over time instead of bursting a frame.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace roomcast::rtp {

/// A leaky bucket in front of the transport, after libwebrtc's paced sender: packets leave at a
/// pacing rate of `pacing_factor` × the encoder's target bitrate, so a frame's packets reach the
/// network spread over part of the frame interval instead of in one burst that overflows
/// router and socket queues (the loss then hits the same frame several times).
///
/// - Retransmissions go before queued media (a NACKed packet is older than anything queued);
///   they are paced too, at the pacing rate.
/// - A keyframe may go faster: up to `keyframe_burst_factor` × the pacing rate, as fast as it
///   takes to leave within `keyframe_spread` (at 500 kbit/s a 36 kB keyframe would otherwise
///   hold the stream for a quarter of a second).
/// - The queue never holds more than `max_queue_delay` of data at the pacing rate: above that
///   the rate rises to drain it in that time (libwebrtc's queue-time limit).
/// - Bounded: at most `max_media_packets` media and `max_retransmissions` retransmissions.
///   Drop policy: a frame that would overflow the media queue pushes out the OLDEST queued
///   media packets (they stay in the send history, so a NACK can still recover them, and the
///   newest frame is the one the receiver needs); a retransmission that finds its queue full
///   is dropped (the receiver NACKs again). Both counted in stats().
/// - Audio never enters: the caller sends it at once (20 ms Opus packets are small and late
///   audio is heard, late video is not seen).
///
/// Pure logic, time an input (tests run on a fake clock). next_send_time() falls on a grid
/// of `granularity` on the steady clock, shared by every pacer of the process: however many
/// participants, the loop wakes at most once per grid step for all of them, and a wake-up
/// sends every packet due (a late wake-up catches up; the average rate stays exact).
class PacketPacer {
 public:
  using Clock = std::chrono::steady_clock;
  using Packet = std::vector<uint8_t>;

  struct Config {
    double pacing_factor = 2.5;  // libwebrtc's kDefaultPaceMultiplier
    int min_rate_bps = 200'000;  // before the first target, and below it
    double keyframe_burst_factor = 4.0;
    std::chrono::microseconds keyframe_spread{33'333};  // one frame interval at 30 fps
    std::chrono::microseconds max_queue_delay{250'000};
    std::size_t max_media_packets = 512;  // ~600 kB: several 720p keyframes
    std::size_t max_retransmissions = 128;
    std::chrono::microseconds granularity{1000};
  };

  struct Stats {
    uint64_t media_sent = 0;
    uint64_t retransmissions_sent = 0;
    uint64_t media_dropped = 0;           ///< pushed out of a full queue (drop-oldest)
    uint64_t retransmissions_dropped = 0; ///< found their queue full
    std::size_t peak_queue_packets = 0;
    std::chrono::microseconds peak_queue_delay{0};  ///< longest wait of a sent packet
  };

  PacketPacer() : PacketPacer(Config{}) {}
  explicit PacketPacer(Config config);

  /// The encoder's current target; the pacing rate follows it.
  void set_target_bitrate(int bitrate_bps);
  int pacing_rate_bps() const;

  /// One frame's packets in send order (the marker on the last stays where it is).
  void enqueue_frame(std::vector<Packet> packets, bool keyframe, Clock::time_point now);
  void enqueue_retransmission(Packet packet, Clock::time_point now);

  /// Every packet due at `now`, in send order: retransmissions first, then media FIFO.
  std::vector<Packet> take_due(Clock::time_point now);
  /// When the next packet is due, on the granularity grid; nullopt when nothing is queued.
  std::optional<Clock::time_point> next_send_time() const;

  std::size_t queued_packets() const { return media_.size() + retransmissions_.size(); }
  std::size_t queued_bytes() const { return queued_bytes_; }
  const Stats& stats() const { return stats_; }
  const Config& config() const { return config_; }

 private:
  struct Entry {
    Packet packet;
    int rate_bps;  // the rate this packet leaves at (a keyframe's may be higher)
    Clock::time_point queued_at;
  };
  Clock::duration spacing(std::size_t bytes, int rate_bps) const;
  void wake_from_idle(Clock::time_point now);

  Config config_;
  int target_bps_ = 0;
  std::deque<Entry> media_;
  std::deque<Entry> retransmissions_;
  std::size_t queued_bytes_ = 0;
  Clock::time_point next_slot_{};  // the earliest time the next packet may leave
  Stats stats_;
};

}  // namespace roomcast::rtp
