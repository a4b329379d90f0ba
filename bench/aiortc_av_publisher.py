#!/usr/bin/python3
# aiortc publishing a file's audio and video (MediaPlayer, VP8 at 800 kbit/s like roomcast's
# default) into a Janus VideoRoom until SIGINT/SIGTERM: video_bench.py's aiortc peer.
import argparse
import asyncio
import json
import os
import signal
import sys

import aiortc.codecs.vpx as vpx
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))
from janus_client import JanusClient  # noqa: E402

# aiortc starts VP8 at 500 kbit/s; roomcast and the GStreamer peer start at 800 kbit/s. The
# encoder reads this module global when it is created, so the three encode the same target.
vpx.DEFAULT_BITRATE = 800000


async def publish(a):
    player = MediaPlayer(a.file, loop=True)  # loops, like the other peers
    if player.audio is None or player.video is None:
        print(f"aiortc_av_publisher: '{a.file}' needs audio and video", file=sys.stderr)
        return 3
    client = JanusClient()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await client.connect(a.server, timeout=a.timeout)
        await client.create_session()
        handle = await client.attach()
        await client.message(handle, {"request": "join", "ptype": "publisher", "room": a.room, "display": a.name})
        pc.addTrack(player.audio)
        pc.addTrack(player.video)
        connected = asyncio.Event()

        @pc.on("connectionstatechange")
        def _state():
            if pc.connectionState == "connected":
                connected.set()

        await pc.setLocalDescription(await pc.createOffer())
        _, jsep = await client.message(handle, {"request": "configure", "audio": True, "video": True},
                                       jsep={"type": "offer", "sdp": pc.localDescription.sdp})
        await pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
        await asyncio.wait_for(connected.wait(), a.timeout)
        print(json.dumps({"event": "publishing", "name": a.name}), flush=True)
        await stop.wait()
        return 0
    finally:
        await pc.close()
        player.audio.stop()
        player.video.stop()
        await client.close()


def main():
    ap = argparse.ArgumentParser(description="aiortc A/V publisher (MediaPlayer, VP8) until SIGINT")
    ap.add_argument("file")
    ap.add_argument("--server", required=True)
    ap.add_argument("--room", type=int, required=True)
    ap.add_argument("--name", default="aiortc-av")
    ap.add_argument("--timeout", type=float, default=30)
    return asyncio.run(publish(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
