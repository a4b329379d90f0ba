#!/usr/bin/python3
# aiortc's RTCDataChannel through Janus VideoRoom, for messages_bench.py: a data-only publisher
# and a subscriber to its data stream in one asyncio process. Prints one JSON line with the
# paced latency and the burst throughput, measured as messages_bench.py measures roomcast.
#   aiortc_messages.py --server ws://... --room 1234 --paced 1000 --rate 200 --burst 5000
import argparse
import asyncio
import json
import os
import sys
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))
from janus_client import JanusClient  # noqa: E402


async def wait_open(channel, timeout):
    if channel.readyState == "open":
        return
    opened = asyncio.Event()
    channel.on("open", opened.set)
    await asyncio.wait_for(opened.wait(), timeout)


async def run(a):
    client = JanusClient()
    pub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    sub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    arrivals = []  # (time_ns, text)
    got = asyncio.Event()
    want = [0]
    try:
        await client.connect(a.server)
        await client.create_session()
        ph = await client.attach()
        joined, _ = await client.message(ph, {"request": "join", "ptype": "publisher", "room": a.room,
                                              "display": "aiortc-bench"})
        out = pub.createDataChannel("bench")
        await pub.setLocalDescription(await pub.createOffer())
        _, jsep = await client.message(ph, {"request": "configure"},
                                       jsep={"type": "offer", "sdp": pub.localDescription.sdp})
        await pub.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
        await wait_open(out, 15)

        sh = await client.attach()
        _, jsep = await client.message(sh, {"request": "join", "ptype": "subscriber", "room": a.room,
                                            "streams": [{"feed": joined["id"]}]})

        def on_message(message):
            arrivals.append((time.time_ns(), message))
            if len(arrivals) >= want[0]:
                got.set()

        @sub.on("datachannel")
        def _channel(channel):
            channel.on("message", on_message)

        mine = sub.createDataChannel("sub")  # Janus relays once the subscriber's side is ready
        mine.on("message", on_message)
        await sub.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
        await sub.setLocalDescription(await sub.createAnswer())
        await client.message(sh, {"request": "start"}, jsep={"type": "answer", "sdp": sub.localDescription.sdp})
        await wait_open(mine, 15)

        async def until(n, timeout):
            want[0] = n
            got.clear()
            if len(arrivals) < n:
                try:
                    await asyncio.wait_for(got.wait(), timeout)
                except asyncio.TimeoutError:
                    pass

        deadline = time.monotonic() + 30
        while not arrivals and time.monotonic() < deadline:  # until the relay works
            out.send("warm")
            await until(1, 0.2)
        warm = len(arrivals)
        start = time.monotonic()
        for i in range(a.paced):
            delay = start + i / a.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            out.send(f"{i} {time.time_ns()}")
        await until(warm + a.paced, 30)
        lat = sorted((t - int(m.split()[1])) / 1e6 for t, m in arrivals[warm:] if m[0].isdigit())

        before = len(arrivals)
        first = time.time_ns()
        for i in range(a.burst):
            out.send(f"n{i}")
        await until(before + a.burst, 60)
        burst = arrivals[before:]
        in_order = [m for _, m in burst] == [f"n{i}" for i in range(a.burst)]
        seconds = (burst[-1][0] - first) / 1e9 if burst else float("nan")

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 2) if lat else None

        print(json.dumps({
            "paced": {"sent": a.paced, "rate_per_s": a.rate, "arrived": len(lat), "latency_ms_p50": pct(50),
                      "latency_ms_p99": pct(99), "latency_ms_max": round(lat[-1], 2) if lat else None},
            "burst": {"sent": a.burst, "arrived": len(burst), "in_order": in_order, "seconds": round(seconds, 3),
                      "messages_per_s": round(len(burst) / seconds) if burst else 0}}), flush=True)
        return 0
    finally:
        await sub.close()
        await pub.close()
        await client.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--room", type=int, default=1234)
    ap.add_argument("--paced", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--burst", type=int, default=5000)
    return asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
