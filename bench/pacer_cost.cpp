// Pacer cost in N: N video senders' pacers (800 kbit/s, 30 fps, a 40-packet keyframe every 3 s)
// on one simulated loop (fake clock, 10 s): timer wake-ups per second for all of them together
// and pacer CPU per packet. Prints, asserts nothing. Pure logic, so no build target:
//   g++ -std=c++20 -O2 -Isrc bench/pacer_cost.cpp src/rtp/packet_pacer.cpp -o /tmp/pacer_cost && /tmp/pacer_cost
#include <chrono>
#include <cstdio>
#include <set>
#include <vector>
#include "rtp/packet_pacer.hpp"
using namespace roomcast::rtp;
using Clock = PacketPacer::Clock;
int main() {
  for (int n : {1, 10, 100, 500}) {
    std::vector<PacketPacer> pacers(n);
    for (auto& p : pacers) p.set_target_bitrate(800'000);
    const Clock::time_point t0{std::chrono::seconds(1000)};
    std::set<Clock::time_point> wakes;  // distinct loop wake-up instants (deadlines coincide)
    uint64_t packets = 0;
    std::vector<Clock::time_point> next(n);
    auto cpu0 = std::chrono::steady_clock::now();
    // Frame f of pacer i at t0 + f*33.3ms + i*37us (participants' frames are not aligned).
    for (int f = 0; f < 300; ++f) {
      for (int i = 0; i < n; ++i) {
        const auto at = t0 + std::chrono::microseconds(f * 33'333 + i * 37);
        auto& p = pacers[i];
        // Run the pacer's own deadlines up to this frame first.
        while (auto d = p.next_send_time()) { if (*d > at) break; packets += p.take_due(*d).size(); wakes.insert(*d); }
        const bool key = f % 90 == 0;
        std::vector<PacketPacer::Packet> frame(key ? 40 : 3, PacketPacer::Packet(1200, 0));
        p.enqueue_frame(std::move(frame), key, at);
        packets += p.take_due(at).size();
      }
    }
    for (auto& p : pacers) while (auto d = p.next_send_time()) { packets += p.take_due(*d).size(); wakes.insert(*d); }
    const double cpu_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - cpu0).count();
    std::printf("N=%4d packets=%8llu timer wake-ups/s (all sessions)=%6.0f  pacer CPU %.0f ns/packet\n", n,
                (unsigned long long)packets, wakes.size() / 10.0, cpu_ns / packets);
  }
}
