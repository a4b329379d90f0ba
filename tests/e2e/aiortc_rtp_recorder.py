#!/usr/bin/python3
# aiortc VideoRoom subscriber that records the raw RTP of named publishers' audio (after SRTP:
# SSRC, sequence number, timestamp, Opus payload bytes, arrival, marker bit) and prints one JSON
# line when they have all left (or at --seconds): {"feeds": {NAME: {"ssrcs": [...], "packets":
# [[seq, ts, ssrc, payload hex, arrival time.monotonic(), marker], ...]}}}; a publisher's video
# packets, the same way, under "video" (the audio's SSRCs only in "ssrcs"). One subscriber
# handle and PeerConnection per feed.
#   aiortc_rtp_recorder.py --url URL --room ID --feed-names A,B [--seconds S] [--timeout S]
import argparse
import asyncio
import json
import os
import sys
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpreceiver import RTCRtpReceiver

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from janus_client import JanusClient, JanusError  # noqa: E402

# aiortc 1.4 hands every decrypted RTP packet to RTCRtpReceiver._handle_rtp_packet: wrap it
# once, recording per receiver object.
_recorded = {}  # id(receiver) -> list of (seq, ts, ssrc, payload hex, arrival time.monotonic(), marker)
_kinds = {}  # id(receiver) -> "audio" | "video"
_original = RTCRtpReceiver._handle_rtp_packet


async def _recording(self, packet, arrival_time_ms):
    log = _recorded.get(id(self))
    if log is not None and packet.payload:
        log.append((packet.sequence_number, packet.timestamp, packet.ssrc, packet.payload.hex(),
                    round(time.monotonic(), 4), int(packet.marker)))
    return await _original(self, packet, arrival_time_ms)


RTCRtpReceiver._handle_rtp_packet = _recording


class Feed:
    def __init__(self, name):
        self.name = name
        self.id = None
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # no public STUN
        self.handle = None
        self.gone = asyncio.Event()
        self.drain = None

    def packets(self, kind="audio"):
        out = []
        for r in self.pc.getReceivers():
            if _kinds.get(id(r), "audio") == kind:
                out += _recorded.get(id(r), [])
        return out


async def consume(track, name):
    try:
        await track.recv()
        # Drivers that must not start before we hear the feed wait for this line.
        print(f"aiortc_rtp_recorder: receiving: {name}", file=sys.stderr, flush=True)
        while True:
            await track.recv()  # keep aiortc's decoded-frame queue short
    except MediaStreamError:
        pass


async def run(a):
    client = JanusClient()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + a.timeout
    feeds = {n: Feed(n) for n in a.feed_names.split(",")}
    tasks = []
    try:
        await client.connect(a.url, timeout=a.timeout)
        await client.create_session()
        room = await client.attach()
        joined, _ = await client.message(room, {"request": "join", "ptype": "publisher", "room": a.room,
                                                "display": "aiortc-rtp-recorder"})
        print(f"aiortc_rtp_recorder: ready: in room {a.room}, waiting for {a.feed_names}", file=sys.stderr, flush=True)

        async def answer(feed, jsep):
            await feed.pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
            await feed.pc.setLocalDescription(await feed.pc.createAnswer())
            await client.message(feed.handle, {"request": "start", "room": a.room},
                                 jsep={"type": "answer", "sdp": feed.pc.localDescription.sdp})

        async def subscribe(feed):
            feed.handle = await client.attach()

            @feed.pc.on("track")
            def on_track(track):
                tasks.append(asyncio.create_task(consume(track, feed.name)))

            _, jsep = await client.message(feed.handle, {"request": "join", "ptype": "subscriber", "room": a.room,
                                                         "streams": [{"feed": feed.id}]})
            for t in feed.pc.getTransceivers():
                _recorded.setdefault(id(t.receiver), [])
                _kinds[id(t.receiver)] = t.kind
            await answer(feed, jsep)
            for t in feed.pc.getTransceivers():
                _recorded.setdefault(id(t.receiver), [])
                _kinds[id(t.receiver)] = t.kind

            async def renegotiate():
                while True:
                    ev = await client.queue(feed.handle).get()
                    if ev.get("janus") == "closed":
                        return
                    if ev.get("plugindata", {}).get("data", {}).get("videoroom") == "updated" and ev.get("jsep"):
                        await answer(feed, ev["jsep"])
            tasks.append(asyncio.create_task(renegotiate()))

        def found(pubs):
            for p in pubs:
                f = feeds.get(p.get("display"))
                if f and f.id is None:
                    f.id = p["id"]
                    tasks.append(asyncio.create_task(subscribe(f)))

        found(joined.get("publishers") or [])
        end_by = None
        while not all(f.gone.is_set() for f in feeds.values()):
            limit = deadline if end_by is None else end_by
            try:
                ev = await client.next_event(room, limit)
            except asyncio.TimeoutError:
                break
            if ev.get("janus") == "closed":
                break
            data = ev.get("plugindata", {}).get("data", {})
            found(data.get("publishers") or [])
            if end_by is None and any(f.id is not None for f in feeds.values()):
                end_by = loop.time() + a.seconds
            for f in feeds.values():
                if f.id is not None and f.id in (data.get("unpublished"), data.get("leaving")):
                    f.gone.set()
        # Packets still in flight when the leave event overtook them.
        await asyncio.sleep(0.3)
        missing = [n for n, f in feeds.items() if f.id is None]
        if missing:
            raise TimeoutError(f"publishers {missing} never appeared in room {a.room}")
        out = {"feeds": {}}
        for n, f in feeds.items():
            pk = f.packets()
            out["feeds"][n] = {"id": f.id, "left": f.gone.is_set(), "ssrcs": sorted({p[2] for p in pk}),
                               "packets": pk, "video": f.packets("video")}
        print(json.dumps(out), flush=True)
        return 0
    finally:
        for t in tasks:
            t.cancel()
        for f in feeds.values():
            await f.pc.close()
        await client.close()


async def amain(a):
    try:
        return await asyncio.wait_for(run(a), a.timeout + a.seconds + 10)
    except JanusError as e:
        print(f"aiortc_rtp_recorder: Janus refused: {e}", file=sys.stderr)
    except (asyncio.TimeoutError, TimeoutError) as e:
        print(f"aiortc_rtp_recorder: timed out: {e or 'overall timeout'}", file=sys.stderr)
    except (OSError, ConnectionError) as e:
        print(f"aiortc_rtp_recorder: cannot reach {a.url}: {e}", file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--room", type=int, required=True)
    ap.add_argument("--feed-names", required=True, help="display names, comma-separated")
    ap.add_argument("--seconds", type=float, default=20, help="record at most this long after the first appears")
    ap.add_argument("--timeout", type=float, default=30, help="for the publishers to appear")
    return asyncio.run(amain(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
