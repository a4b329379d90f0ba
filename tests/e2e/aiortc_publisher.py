#!/usr/bin/python3
# aiortc publisher with the `roomcast publish` command line: the harness's stand-in publisher
# and the reference peer for listen tests and benchmarks. FILE, or `tone:HZ[:stutter]` for a generated sine.
import argparse
import asyncio
import fractions
import json
import math
import os
import sys
import time

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from janus_client import JanusClient, JanusError  # noqa: E402

RATE = 48000
FRAME = 960  # 20 ms


class SineTrack(MediaStreamTrack):
    """Stereo s16 sine at 48 kHz, paced on absolute deadlines start + n * 20 ms."""

    kind = "audio"

    def __init__(self, hz, dbfs=-6.0, stutter=False):
        super().__init__()
        self._stutter = stutter  # harness self-test: a 120 ms send stall every second
        self._hz = hz
        self._amp = 32767 * 10 ** (dbfs / 20)
        self._n = 0
        self._start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        if self._stutter and self._n and self._n % 50 == 0:
            self._start += 0.12
        wait = self._start + self._n * FRAME / RATE - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (self._n * FRAME + np.arange(FRAME)) / RATE
        mono = (self._amp * np.sin(2 * math.pi * self._hz * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(np.repeat(mono, 2).reshape(1, -1), format="s16",
                                        layout="stereo")
        frame.sample_rate = RATE
        frame.pts = self._n * FRAME
        frame.time_base = fractions.Fraction(1, RATE)
        self._n += 1
        return frame


def fail(msg, code=1):
    print(f"aiortc_publisher: {msg}", file=sys.stderr)
    return code


async def publish(a):
    if a.file.startswith("tone:"):
        spec = a.file[5:].split(":")
        player, track = None, SineTrack(float(spec[0]), stutter="stutter" in spec[1:])
    else:
        if not os.path.exists(a.file):
            return fail(f"cannot open '{a.file}': no such file; check the path")
        player = MediaPlayer(a.file)
        track = player.audio
        if track is None:
            return fail(f"'{a.file}' has no audio stream")

    client = JanusClient(token=a.token or None)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # aiortc's default is a public STUN server
    try:
        await client.connect(a.server, timeout=a.timeout)
        await client.create_session()
        handle = await client.attach()
        join = {"request": "join", "ptype": "publisher", "room": a.room, "display": a.name}
        if a.pin:
            join["pin"] = a.pin
        joined, _ = await client.message(handle, join)
        sender = pc.addTrack(track)
        ended, connected = asyncio.Event(), asyncio.Event()

        @pc.on("connectionstatechange")
        def _state():
            if pc.connectionState == "connected":
                connected.set()
            if pc.connectionState in ("failed", "closed"):
                ended.set()

        track.on("ended", ended.set)  # the file ran out

        await pc.setLocalDescription(await pc.createOffer())
        data, jsep = await client.message(
            handle, {"request": "configure", "audio": True, "video": False},
            jsep={"type": "offer", "sdp": pc.localDescription.sdp})
        await pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
        # Duration counts from the first media: wait until DTLS is up (bounded).
        up = asyncio.create_task(connected.wait())
        down = asyncio.create_task(ended.wait())
        await asyncio.wait([up, down], timeout=a.timeout, return_when=asyncio.FIRST_COMPLETED)
        up.cancel()
        down.cancel()
        if not connected.is_set():
            return fail(f"media connection to {a.server} failed ({pc.connectionState})")
        started = time.time()
        print(json.dumps({"event": "publishing", "id": joined.get("id"), "room": a.room,
                          "t": started}), flush=True)
        tasks = [asyncio.create_task(ended.wait()), asyncio.create_task(client.closed.wait())]
        if a.duration > 0:
            tasks.append(asyncio.create_task(asyncio.sleep(a.duration)))
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in pending:
            t.cancel()
        stats = await sender.getStats()
        sent = [s for s in stats.values() if s.type == "outbound-rtp"]
        print(json.dumps({"event": "done", "seconds": round(time.time() - started, 3),
                          "packetsSent": sent[0].packetsSent if sent else None,
                          "reason": client.close_reason if client.closed.is_set() else "duration"}),
              flush=True)
        try:
            await client.message(handle, {"request": "leave"}, timeout=2)
        except Exception:
            pass
        return 0
    except JanusError as e:
        return fail(f"Janus refused: {e}")
    except (OSError, asyncio.TimeoutError) as e:
        return fail(f"cannot reach {a.server}: {e or type(e).__name__}")
    finally:
        await pc.close()
        if player is not None and player.audio is not None:
            player.audio.stop()
        await client.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file", help="media file, or tone:HZ[:stutter] (stutter: 120 ms stall each second)")
    ap.add_argument("--server", required=True)
    ap.add_argument("--room", type=int, required=True)
    ap.add_argument("--name", default="aiortc-publisher")
    ap.add_argument("--token", default="")
    ap.add_argument("--pin", default="")
    ap.add_argument("--duration", type=float, default=0, help="seconds; 0 = until the file ends")
    ap.add_argument("--timeout", type=float, default=15)
    return asyncio.run(publish(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
