#!/usr/bin/python3
# GStreamer webrtcbin publishing a file's audio and video (vp8enc deadline=1, opusenc) into a
# Janus VideoRoom until SIGINT/SIGTERM: video_bench.py's GStreamer peer. --count K: K
# participants fed by ONE decode and ONE encode per kind, tee'd to K webrtcbins.
import argparse
import asyncio
import json
import os
import signal
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))
from janus_client import JanusClient  # noqa: E402


def pipeline_text(path, count, size, fps, bitrate):
    """Decode once, pace at the file's rate (clocksync: webrtcbin's sinks do not sync), scale,
    encode once per kind; a tee per kind feeds one payloader per webrtcbin."""
    w, h = size.split("x")
    text = (f"filesrc location={path} ! qtdemux name=d "
            f"d.video_0 ! queue ! h264parse ! avdec_h264 ! videoconvert ! videoscale ! videorate ! "
            f"video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 ! clocksync ! "
            f"vp8enc deadline=1 target-bitrate={bitrate} keyframe-max-dist={3 * fps} ! tee name=vt "
            f"d.audio_0 ! queue ! aacparse ! avdec_aac ! audioconvert ! audioresample ! "
            f"audio/x-raw,rate=48000,channels=1 ! clocksync ! opusenc bitrate=32000 ! tee name=at ")
    for i in range(count):
        text += (f"webrtcbin name=w{i} bundle-policy=max-bundle "
                 f"vt. ! queue ! rtpvp8pay pt=96 picture-id-mode=15-bit ! "
                 f"application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w{i}. "
                 f"at. ! queue ! rtpopuspay pt=111 ! "
                 f"application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! w{i}. ")
    return text


class Participant:
    """One webrtcbin and its Janus session (offer, answer, trickled candidates)."""

    def __init__(self, a, name, webrtc, loop):
        self.a, self.name, self.webrtc, self.loop = a, name, webrtc, loop
        self.client = JanusClient()
        self.connected = asyncio.Event()
        self.candidates = asyncio.Queue()
        webrtc.connect("on-ice-candidate", self._candidate)
        webrtc.connect("notify::ice-gathering-state", self._gathering)
        webrtc.connect("notify::connection-state", self._state)

    # webrtcbin signals come on its own threads: hand them to the asyncio loop.
    def _candidate(self, _w, mline, candidate):
        self.loop.call_soon_threadsafe(self.candidates.put_nowait,
                                       {"sdpMLineIndex": mline, "candidate": candidate})

    def _gathering(self, w, _p):
        if w.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.loop.call_soon_threadsafe(self.candidates.put_nowait, {"completed": True})

    def _state(self, w, _p):
        if w.get_property("connection-state") == GstWebRTC.WebRTCPeerConnectionState.CONNECTED:
            self.loop.call_soon_threadsafe(self.connected.set)

    def _promise(self, signal_name, *args):
        promise = Gst.Promise.new()
        self.webrtc.emit(signal_name, *args, promise)
        promise.wait()
        return promise.get_reply()

    async def join(self):
        a = self.a
        await self.client.connect(a.server, timeout=a.timeout)
        await self.client.create_session()
        self.handle = await self.client.attach()
        await self.client.message(self.handle, {"request": "join", "ptype": "publisher", "room": a.room,
                                                "display": self.name})
        for i in range(2):  # we only send
            self.webrtc.emit("get-transceiver", i).set_property(
                "direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        reply = await asyncio.to_thread(self._promise, "create-offer", None)
        offer = reply.get_value("offer")
        await asyncio.to_thread(self._promise, "set-local-description", offer)
        trickle = asyncio.create_task(self._trickle())
        _, jsep = await self.client.message(self.handle, {"request": "configure", "audio": True, "video": True},
                                            jsep={"type": "offer", "sdp": offer.sdp.as_text()})
        _, sdp = GstSdp.SDPMessage.new_from_text(jsep["sdp"])
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        await asyncio.to_thread(self._promise, "set-remote-description", answer)
        await asyncio.wait_for(self.connected.wait(), a.timeout)
        await trickle

    async def _trickle(self):
        while True:
            c = await self.candidates.get()
            await self.client.request({"janus": "trickle", "handle_id": self.handle, "candidate": c})
            if c.get("completed"):
                return


async def run(a):
    Gst.init(None)
    pipeline = Gst.parse_launch(pipeline_text(a.file, a.count, a.size, a.fps, a.video_bitrate))
    glib = GLib.MainLoop()
    threading.Thread(target=glib.run, daemon=True).start()
    loop = asyncio.get_running_loop()
    failed = loop.create_future()
    seek_flags = Gst.SeekFlags.SEGMENT | Gst.SeekFlags.ACCURATE

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.SEGMENT_DONE:  # loop the file seamlessly (a segment seek)
            pipeline.seek_simple(Gst.Format.TIME, seek_flags, 0)
        elif msg.type == Gst.MessageType.ERROR and not failed.done():
            err, dbg = msg.parse_error()
            loop.call_soon_threadsafe(failed.set_result, f"{err.message} ({dbg})")

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    people = [Participant(a, f"{a.name}-{i}" if a.count > 1 else a.name, pipeline.get_by_name(f"w{i}"), loop)
              for i in range(a.count)]
    try:
        pipeline.set_state(Gst.State.PAUSED)
        pipeline.get_state(10 * Gst.SECOND)
        pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | seek_flags, 0)
        pipeline.set_state(Gst.State.PLAYING)
        joins = asyncio.gather(*(p.join() for p in people))
        done, _ = await asyncio.wait([joins, failed], return_when=asyncio.FIRST_COMPLETED)
        if failed in done:
            print(f"gst_publisher: pipeline error: {failed.result()}", file=sys.stderr)
            return 1
        joins.result()
        print(json.dumps({"event": "publishing", "count": a.count}), flush=True)
        await asyncio.wait([asyncio.ensure_future(stop.wait()), failed], return_when=asyncio.FIRST_COMPLETED)
        if failed.done():
            print(f"gst_publisher: pipeline error: {failed.result()}", file=sys.stderr)
            return 1
        return 0
    finally:
        pipeline.set_state(Gst.State.NULL)
        for p in people:
            await p.client.close()
        glib.quit()


def main():
    ap = argparse.ArgumentParser(description="GStreamer webrtcbin A/V publisher(s) until SIGINT")
    ap.add_argument("file", help="MP4 with H.264 video and AAC audio")
    ap.add_argument("--server", required=True)
    ap.add_argument("--room", type=int, required=True)
    ap.add_argument("--name", default="gst")
    ap.add_argument("--count", type=int, default=1, help="participants fed by one encode (tee)")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--video-bitrate", type=int, default=800000)
    ap.add_argument("--timeout", type=float, default=30)
    return asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
