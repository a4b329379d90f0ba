#!/usr/bin/python3
# aiortc VideoRoom subscriber: hears the room's first publisher and prints one JSON line with
# packet counts, dominant frequency, level and heard duration (see tests/e2e/README.md); with
# --video it also decodes the video (aiortc's own VP8 or H.264 decoder) and reads each frame's number.
import argparse
import asyncio
import json
import math
import os
import re
import sys
import time

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import frame_number  # noqa: E402
from janus_client import JanusClient, JanusError, wait_for_publisher  # noqa: E402

SILENCE_DBFS = -50.0


def dbfs(x):
    rms = float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0
    return 20 * math.log10(rms) if rms > 0 else -200.0


def dominant_hz(x, rate):
    """Peak of a Hann-windowed, 4x zero-padded spectrum, refined by parabolic interpolation
    on log magnitude (accurate to a few hundredths of a bin for a pure tone)."""
    n = len(x)
    nfft = 1 << (4 * n - 1).bit_length()
    mag = np.abs(np.fft.rfft(x * np.hanning(n), nfft))
    k = int(np.argmax(mag[1:-1])) + 1
    a, b, c = np.log(mag[k - 1:k + 2] + 1e-12)
    delta = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return (k + delta) * rate / nfft, rate / n


def codec_of(sdp):
    m = re.search(r"^m=audio \d+ \S+ (\d+)", sdp, re.M)
    if not m:
        return None
    r = re.search(rf"^a=rtpmap:{m.group(1)} ([^\s/]+)", sdp, re.M)
    return f"audio/{r.group(1)}" if r else None


def video_codec_of(sdp):
    m = re.search(r"^m=video [1-9]\d* \S+ (\d+)", sdp, re.M)
    if not m:
        return None
    r = re.search(rf"^a=rtpmap:{m.group(1)} ([^\s/]+)", sdp, re.M)
    return f"video/{r.group(1)}" if r else None


class Listener:
    def __init__(self, a):
        self.a = a
        self.client = JanusClient(token=a.token or None)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # aiortc's default is a public STUN server
        self.frames = []  # (arrival time, mono float samples, rate)
        self.publisher_gone = asyncio.Event()
        self.first_frame = asyncio.Event()
        self.track_task = None
        self.video_task = None
        self.video_frames = []  # [frame number, ms since the first audio frame]
        self.video_sizes = set()

    async def read_video(self, track):
        """The number in the top band (16 blocks, bit i from the left: run_video_test.py)."""
        try:
            while True:
                frame = await track.recv()
                gray = frame.to_ndarray(format="gray")
                h, w = gray.shape
                self.video_sizes.add(f"{w}x{h}")
                n = frame_number(gray)
                t0 = self.frames[0][0] if self.frames else time.monotonic()
                self.video_frames.append([n, round((time.monotonic() - t0) * 1000)])
        except MediaStreamError:
            pass

    async def read_track(self, track):
        try:
            while True:
                frame = await track.recv()
                pcm = frame.to_ndarray()
                ch = len(frame.layout.channels)
                mono = pcm.reshape(-1, ch)[:, 0] if frame.format.is_packed else pcm[0]
                self.frames.append((time.monotonic(), mono.astype(np.float64) / 32768.0,
                                    frame.sample_rate))
                self.first_frame.set()
        except MediaStreamError:
            pass

    async def answer(self, handle, jsep):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.client.message(handle, {"request": "start", "room": self.a.room},
                                  jsep={"type": "answer", "sdp": self.pc.localDescription.sdp})

    async def watch_room(self, handle, feed):
        while True:
            ev = await self.client.queue(handle).get()
            data = ev.get("plugindata", {}).get("data", {})
            if ev.get("janus") == "closed" or feed in (data.get("unpublished"), data.get("leaving")):
                self.publisher_gone.set()
                return

    async def watch_subscriber(self, handle):
        while True:
            ev = await self.client.queue(handle).get()
            if ev.get("janus") == "closed":
                return
            data = ev.get("plugindata", {}).get("data", {})
            if data.get("videoroom") == "updated" and ev.get("jsep"):
                await self.answer(handle, ev["jsep"])  # renegotiation must be answered

    async def run(self):
        a = self.a
        loop = asyncio.get_running_loop()
        deadline = loop.time() + a.timeout
        await self.client.connect(a.url, timeout=a.timeout)
        await self.client.create_session()
        room_handle = await self.client.attach()
        pub = await wait_for_publisher(self.client, room_handle, a.room, "aiortc-listener",
                                       a.pin, deadline)
        feed = pub["id"]
        sub = await self.client.attach()

        @self.pc.on("track")
        def on_track(track):
            if track.kind == "audio" and self.track_task is None:
                self.track_task = asyncio.create_task(self.read_track(track))
            elif track.kind == "video" and a.video and self.video_task is None:
                self.video_task = asyncio.create_task(self.read_video(track))

        join = {"request": "join", "ptype": "subscriber", "room": a.room, "streams": [{"feed": feed}]}
        if a.pin:
            join["pin"] = a.pin
        _, jsep = await self.client.message(sub, join)
        await self.answer(sub, jsep)
        watchers = [asyncio.create_task(self.watch_room(room_handle, feed)),
                    asyncio.create_task(self.watch_subscriber(sub))]
        remaining = deadline - loop.time()
        try:
            await asyncio.wait_for(self.first_frame.wait(), remaining)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no audio from publisher {feed} within {a.timeout} s")
        start = self.frames[0][0]
        end_by = min(start + a.seconds, time.monotonic() + (deadline - loop.time()))
        gone = asyncio.create_task(self.publisher_gone.wait())
        await asyncio.wait([gone], timeout=max(0.0, end_by - time.monotonic()))
        gone.cancel()
        if self.publisher_gone.is_set():
            await self.drain(end_by)
        for w in watchers:
            w.cancel()
        return self.report(start, min(time.monotonic(), end_by))

    async def drain(self, end_by):
        """The leave event overtakes the last packets still in the jitter buffer: keep
        reading until the track has been quiet for 300 ms (bounded by end_by)."""
        while time.monotonic() < end_by:
            quiet = time.monotonic() - self.frames[-1][0]
            if quiet >= 0.3:
                return
            await asyncio.sleep(0.3 - quiet)

    def report(self, start, end):
        frames = [f for f in self.frames if f[0] <= end]
        rate = frames[0][2]
        heard = [f for f in frames if dbfs(f[1]) > SILENCE_DBFS]
        heard_samples = sum(len(f[1]) for f in heard)
        out = {"peer": "aiortc", "framesReceived": len(frames),
               "totalSamplesReceived": int(sum(len(f[1]) for f in frames)),
               "sampleRate": rate, "heardSeconds": round(heard_samples / rate, 4),
               "frameSpanSeconds": round(frames[-1][0] - frames[0][0], 3),
               "measuredSeconds": round(end - start, 3),
               "codec": codec_of(self.pc.localDescription.sdp)}
        if self.a.video:
            out.update(frames=self.video_frames, sizes=sorted(self.video_sizes),
                       mimeType=video_codec_of(self.pc.localDescription.sdp))
            if self.video_sizes:
                w, h = sorted(self.video_sizes)[-1].split("x")
                out.update(frameWidth=int(w), frameHeight=int(h))
        if heard:
            # From the first audible frame on: a publisher's lead-in silence is not heard.
            out["audibleSpanSeconds"] = round(frames[-1][0] - heard[0][0], 3)
            i0, i1 = frames.index(heard[0]), frames.index(heard[-1])
            seg = np.concatenate([f[1] for f in frames[i0:i1 + 1]])
            hz, bin_hz = dominant_hz(seg, rate)
            out.update(dominantHz=round(hz, 3), fftBinHz=round(bin_hz, 4), rmsDbfs=round(dbfs(seg), 2),
                       analysedSeconds=round(len(seg) / rate, 3))
        else:
            out.update(dominantHz=None, fftBinHz=None, rmsDbfs=dbfs(np.concatenate([f[1] for f in frames])))
        return out

    async def stats(self, out):
        for r in self.pc.getReceivers():
            for s in (await r.getStats()).values():
                if s.type == "inbound-rtp":
                    out.update(packetsReceived=s.packetsReceived, packetsLost=s.packetsLost,
                               jitter=s.jitter)
                    # aiortc's audio jitter buffer (prefetch 4) never releases the last few
                    # packets of a stream that stops; count them as heard 20 ms frames.
                    held = max(0, s.packetsReceived - out["framesReceived"])
                    # Span of the packets: frames' arrival span, plus the held ones.
                    span = out["frameSpanSeconds"] + 0.02 + held * 0.02
                    if "audibleSpanSeconds" in out:
                        out["audibleSpanSeconds"] = round(out["audibleSpanSeconds"] + 0.02 + held * 0.02, 3)
                    out.update(heldInJitterBuffer=held,
                               heardPlusHeldSeconds=round(out["heardSeconds"] + held * 0.02, 4),
                               seconds=round(span, 3), expectedPackets=int(round(span * 50)))
        return out

    async def close(self):
        for task in (self.track_task, self.video_task):
            if task:
                task.cancel()
        await self.pc.close()
        await self.client.close()


async def amain(a):
    lst = Listener(a)
    try:
        out = await asyncio.wait_for(lst.run(), a.timeout + a.seconds + 5)
        out = await lst.stats(out)
        print(json.dumps(out), flush=True)
        return 0
    except JanusError as e:
        print(f"aiortc_listener: Janus refused: {e}", file=sys.stderr)
    except (asyncio.TimeoutError, TimeoutError) as e:
        print(f"aiortc_listener: timed out: {e or 'overall timeout'}", file=sys.stderr)
    except (OSError, ConnectionError) as e:
        print(f"aiortc_listener: cannot reach {a.url}: {e}", file=sys.stderr)
    finally:
        await lst.close()
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--room", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=10, help="measure at most this long")
    ap.add_argument("--token", default="")
    ap.add_argument("--pin", default="")
    ap.add_argument("--timeout", type=float, default=30, help="for a publisher and its audio")
    ap.add_argument("--video", action="store_true", help="decode the publisher's video too")
    return asyncio.run(amain(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
