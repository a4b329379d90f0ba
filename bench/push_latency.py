#!/usr/bin/python3
# Push-to-wire latency, roomcast vs aiortc, side by side in one run (inside tests/e2e/netns.sh):
# a live source hands over a 100 ms beep (1 kHz) every 300 ms (random phase against the 20 ms
# grid), N times, to
#   roomcast: roomcast.PushAudioTrack.push() (the Python module, native underneath);
#   aiortc:   a MediaStreamTrack whose recv() is paced on 20 ms deadlines and returns the next
#             frame of an asyncio.Queue (silence when it is empty): the usual aiortc live track.
# An aiortc subscriber records every RTP packet of both feeds with its arrival time
# (CLOCK_MONOTONIC, the agents' clock too) through Janus; each beep's latency is the arrival
# of the first packet holding it minus the moment push() / put() was called.
#   tests/e2e/netns.sh /usr/bin/python3 bench/push_latency.py --roomcast build/roomcast [--beeps 100]
import argparse
import asyncio
import fractions
import json
import os
import random
import shutil
import sys
import tempfile
import time

import numpy as np

BENCH = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(BENCH), "tests", "e2e")
sys.path.insert(0, E2E)
from e2e_util import PY, Failure, Proc, become_subreaper, guarded, json_lines, leak_check, log, need, private_tmpdir, start_roomcast_server  # noqa: E402,E501

ROOM = 1234
RATE = 48000
BEEP_HZ = 1000.0
BEEP_S = 0.1
PERIOD_S = 0.3


def beep():
    t = np.arange(int(BEEP_S * RATE)) / RATE
    return (0.25 * np.sin(2 * np.pi * BEEP_HZ * t)).astype(np.float32)


def schedule(n, seed):
    rnd = random.Random(seed)
    return [i * PERIOD_S + rnd.uniform(0, 0.02) for i in range(n)]


# ---- the two agents (run as subprocesses of this script) ----------------------------------

def agent_roomcast(a):
    import roomcast
    track = roomcast.PushAudioTrack(max_queue_seconds=1.0)
    meeting = roomcast.init_meeting(meeting_id=str(ROOM), name="roomcast-push", server_url=a.url,
                                    custom_microphone_audio_track=track)
    meeting.join()
    chunk = roomcast.AudioChunk.from_float(beep(), RATE)
    time.sleep(1.0)  # the listener subscribes
    start = time.monotonic()
    pushes = []
    for at in schedule(a.beeps, 1):
        delay = start + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pushes.append(time.monotonic())
        track.push(chunk)
    track.wait_for_playout(timeout=5)
    time.sleep(0.5)
    meeting.leave()
    meeting.close()
    print(json.dumps({"pushes": pushes}), flush=True)


def agent_aiortc(a):
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
    from av import AudioFrame
    from janus_client import JanusClient

    class QueueTrack(MediaStreamTrack):
        kind = "audio"

        def __init__(self):
            super().__init__()
            self.queue = asyncio.Queue()
            self.n = 0
            self.start = None

        async def recv(self):
            if self.readyState != "live":
                raise MediaStreamError
            loop = asyncio.get_running_loop()
            if self.start is None:
                self.start = loop.time()
            wait = self.start + self.n * 0.02 - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                pcm = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                pcm = np.zeros(960, dtype=np.int16)
            frame = AudioFrame.from_ndarray(np.repeat(pcm, 2).reshape(1, -1), format="s16", layout="stereo")
            frame.sample_rate = RATE
            frame.pts = self.n * 960
            frame.time_base = fractions.Fraction(1, RATE)
            self.n += 1
            return frame

    async def run():
        client = JanusClient()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        track = QueueTrack()
        try:
            await client.connect(a.url, timeout=30)
            await client.create_session()
            handle = await client.attach()
            await client.message(handle, {"request": "join", "ptype": "publisher", "room": ROOM, "display": "aiortc-push"})
            pc.addTrack(track)
            connected = asyncio.Event()
            pc.on("connectionstatechange", lambda: connected.set() if pc.connectionState == "connected" else None)
            await pc.setLocalDescription(await pc.createOffer())
            _, jsep = await client.message(handle, {"request": "configure", "audio": True, "video": False},
                                           jsep={"type": "offer", "sdp": pc.localDescription.sdp})
            await pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
            await asyncio.wait_for(connected.wait(), 30)
            await asyncio.sleep(1.0)
            pcm = (beep() * 32767).astype(np.int16)
            frames = [pcm[i:i + 960] for i in range(0, len(pcm), 960)]
            loop = asyncio.get_running_loop()
            start = time.monotonic()
            pushes = []
            for at in schedule(a.beeps, 1):
                delay = start + at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                pushes.append(time.monotonic())
                for f in frames:
                    track.queue.put_nowait(f)
            await asyncio.sleep(0.8)
            try:
                await client.message(handle, {"request": "leave"}, timeout=2)
            except Exception:
                pass
            print(json.dumps({"pushes": pushes}), flush=True)
        finally:
            await pc.close()
            await client.close()
        del loop

    asyncio.run(run())


# ---- the run -------------------------------------------------------------------------------

def latencies(packets, pushes):
    from e2e_util import OpusStream
    dec = OpusStream()
    beeping = []  # arrival times of packets whose second half holds the beep
    try:
        for _, _, _, payload, arrival, *_ in sorted(packets, key=lambda p: p[4]):
            pcm = dec.decode(bytes.fromhex(payload))
            if pcm is None:
                raise Failure("libopus could not decode a recorded packet")
            half = pcm[len(pcm) // 2:]
            spec = np.abs(np.fft.rfft(half * np.hanning(len(half))))
            k = int(round(BEEP_HZ * len(half) / RATE))
            if np.sqrt(np.mean(half ** 2)) > 1000 and spec[k] > 0.5 * spec.max():
                beeping.append(arrival)
    finally:
        dec.close()
    out = []
    for p in pushes:
        first = next((t for t in beeping if t >= p - 0.002), None)
        if first is not None and first - p < PERIOD_S:
            out.append(first - p)
    return out


def bench(a, work):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh")
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", PY])
    tmp, env = private_tmpdir(work)
    env = dict(env, PYTHONPATH=os.path.join(os.path.dirname(a.roomcast), "python"))
    server, url = start_roomcast_server(a.roomcast, env, ROOM)
    procs = [server]
    try:
        rec = Proc("recorder", [PY, os.path.join(E2E, "aiortc_rtp_recorder.py"), "--url", url, "--room", ROOM,
                                "--feed-names", "roomcast-push,aiortc-push", "--seconds", 600, "--timeout", 120],
                   env=env)
        procs.append(rec)
        rec.wait_line(r"ready:", 30, "err")
        results = {}
        for side in a.order.split(","):
            agent = Proc(side, [PY, os.path.abspath(__file__), f"agent-{side}", "--url", url, "--beeps", a.beeps],
                         env=env)
            procs.append(agent)
            rc = agent.wait(a.beeps * PERIOD_S + 60)
            lines = json_lines(agent.out)
            if rc != 0 or not lines:
                raise Failure(f"{side} agent exited {rc}\n{agent.dump()}")
            results[side] = lines[-1]["pushes"]
        if rec.wait(60) != 0:
            raise Failure(f"recorder failed\n{rec.dump()}")
        feeds = json_lines(rec.out)[-1]["feeds"]
        rows = {}
        for side, name in (("roomcast", "roomcast-push"), ("aiortc", "aiortc-push")):
            if side not in results:
                continue
            lat = np.array(latencies(feeds[name]["packets"], results[side])) * 1000
            rows[side] = {"beeps": len(results[side]), "found": int(len(lat)),
                          "p50": float(np.percentile(lat, 50)) if len(lat) else None,
                          "p99": float(np.percentile(lat, 99)) if len(lat) else None,
                          "max": float(lat.max()) if len(lat) else None}
        print(f"\npush-to-wire latency: a {int(BEEP_S * 1000)} ms beep pushed every {int(PERIOD_S * 1000)} ms "
              f"(random phase), {a.beeps} beeps, arrival at an aiortc subscriber through Janus\n")
        head = ("metric", "roomcast", "aiortc", "ratio (aiortc/roomcast)")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for metric in ("found", "p50", "p99", "max"):
            r, o = rows.get("roomcast", {}).get(metric), rows.get("aiortc", {}).get(metric)
            fmt = (lambda v: f"{v:.1f} ms") if metric != "found" else (lambda v: f"{v}/{a.beeps}")
            ratio = f"{o / r:.2f}" if metric != "found" and r and o else ""
            print(f"| {metric} | {fmt(r) if r is not None else '-'} | {fmt(o) if o is not None else '-'} | {ratio} |")
        if a.json:
            print(json.dumps(rows))
        server.stop(15)
    finally:
        for p in reversed(procs):
            p.terminate()
        leak_check()


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("agent-"):
        ap = argparse.ArgumentParser()
        ap.add_argument("agent", choices=["agent-roomcast", "agent-aiortc"])
        ap.add_argument("--url", required=True)
        ap.add_argument("--beeps", type=int, default=100)
        a = ap.parse_args()
        (agent_roomcast if a.agent == "agent-roomcast" else agent_aiortc)(a)
        return 0
    ap = argparse.ArgumentParser(description="push-to-wire latency: roomcast PushAudioTrack vs an aiortc queue track")
    ap.add_argument("--roomcast", required=True, help="build/roomcast (its build dir's python/ has the module)")
    ap.add_argument("--beeps", type=int, default=100)
    ap.add_argument("--order", default="roomcast,aiortc")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="roomcast-bench-")
    try:
        return guarded(bench, a, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
