#!/usr/bin/env python3
"""A Python bot publishing numbered frames (roomcast.CustomVideoTrack, numpy RGB) with a
441 Hz tone (roomcast.CustomAudioTrack): the same picture run_video_test.py makes with
ffmpeg, made frame by frame in Python, as a user's renderer or avatar would. --push: a
render thread pushes the frames at 30 fps into a roomcast.PushVideoTrack instead.
--mute-across-rejoin: the camera off at 2 s, on again 3 s after the meeting rejoined (the
driver restarts the server meanwhile)."""
import argparse
import sys
import threading
import time

import numpy as np
import roomcast

FPS = 30


class NumberedFrames(roomcast.CustomVideoTrack):
    """Frame n: its number in the top quarter (16 blocks, bit i from the left), moving
    diagonal stripes below. recv() never sleeps: the SDK sends each frame at its time."""

    def __init__(self, seconds, width, height):
        super().__init__()
        self.count, self.n = seconds * FPS, 0
        self.width, self.height = width, height
        x = np.arange(width)[None, :]
        y = np.arange(height)[:, None]
        self.diagonal = x + y
        self.block_of_x = (x * 16 // width)[0]
        self.band = height // 4

    def recv(self):
        if self.n >= self.count:
            return None
        n, self.n = self.n, self.n + 1
        return self.frame(n, n / FPS)

    def frame(self, n, timestamp_seconds):
        luma = (16 + (self.diagonal + 4 * n) % 200).astype(np.uint8)
        bits = (n >> self.block_of_x) & 1
        luma[: self.band, :] = np.where(bits, 235, 16).astype(np.uint8)[None, :]
        rgb = np.repeat(luma[:, :, None], 3, axis=2)
        return roomcast.VideoFrame.from_rgb(rgb, timestamp_seconds)


def push_frames(track, frames):
    """A renderer: frame n pushed at start + n/30 s (absolute deadlines, so no drift), then end()."""
    start = time.monotonic()
    for n in range(frames.count):
        time.sleep(max(0.0, start + n / FPS - time.monotonic()))
        track.push(frames.frame(n, 0.0))  # no timestamp needed: it goes out when taken
        frames.n = n + 1
    track.end()


class Tone(roomcast.CustomAudioTrack):
    def __init__(self, seconds, hz=441):
        super().__init__()
        self.hz = hz
        self.left = int(seconds * 48000)
        self.phase = 0

    def recv(self):
        if self.left <= 0:
            return None
        k = min(4800, self.left)
        t = (self.phase + np.arange(k)) / 48000.0
        self.phase += k
        self.left -= k
        return roomcast.AudioChunk.from_float((0.3 * np.sin(2 * np.pi * self.hz * t)).astype(np.float32), 48000, 1)


class Printer:
    def __init__(self):
        self.reconnected = threading.Event()

    def on_meeting_joined(self, data):
        print("py_video_publisher: joined", flush=True)

    def on_reconnecting(self, info):
        print(f"py_video_publisher: reconnecting ({info.reason})", flush=True)

    def on_reconnected(self, info):
        print(f"py_video_publisher: reconnected ({info.how})", flush=True)
        self.reconnected.set()

    def on_error(self, message):
        print(f"py_video_publisher: error: {message}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--room", default="1234")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--size", default="480x270")
    ap.add_argument("--toggle", action="store_true",
                    help="camera off at 3 s and on at 6 s, microphone off at 7 s and back at 8.5 s "
                         "with another track (a 660 Hz tone to the end)")
    ap.add_argument("--push", action="store_true", help="push the frames into a roomcast.PushVideoTrack at 30 fps")
    ap.add_argument("--mute-across-rejoin", action="store_true",
                    help="camera off at 2 s; on again 3 s after the meeting rejoined (within 20 s)")
    a = ap.parse_args()
    width, height = map(int, a.size.split("x"))
    video = NumberedFrames(a.duration, width, height)
    camera = roomcast.PushVideoTrack() if a.push else video
    config = roomcast.MeetingConfig(meeting_id=a.room, name="py-video", server_url=a.server,
                                    custom_microphone_audio_track=Tone(a.duration), webcam_enabled=True,
                                    custom_camera_video_track=camera)
    meeting = roomcast.init_meeting(config)
    printer = Printer()
    meeting.add_event_listener(printer)
    meeting.join()
    t0 = time.monotonic()
    renderer = threading.Thread(target=push_frames, args=(camera, video)) if a.push else None
    if renderer:
        renderer.start()
    if a.mute_across_rejoin and not meeting.run_until_left(2.0):
        meeting.disable_webcam()
        print(f"py_video_publisher: disable_webcam at {time.monotonic() - t0:.2f} s", flush=True)
        if not printer.reconnected.wait(20):
            print("py_video_publisher: no rejoin within 20 s", file=sys.stderr, flush=True)
            sys.exit(1)
        if not meeting.run_until_left(3.0):
            # The frame due now is number 30 * this: the camera shows nothing before it.
            print(f"py_video_publisher: enable_webcam from {time.monotonic() - t0:.2f} s", flush=True)
            meeting.enable_webcam()
            print(f"py_video_publisher: enable_webcam at {time.monotonic() - t0:.2f} s", flush=True)
    if a.toggle:
        # The swapped-in track ends with the others: the meeting leaves when the audio ends.
        swap = Tone(a.duration - 8.5, hz=660)
        for at, name, action in ((3.0, "disable_webcam", meeting.disable_webcam),
                                 (6.0, "enable_webcam", meeting.enable_webcam),
                                 (7.0, "disable_mic", meeting.disable_mic),
                                 (8.5, "enable_mic(660 Hz tone)", lambda: meeting.enable_mic(swap))):
            if meeting.run_until_left(max(0.0, t0 + at - time.monotonic())):
                break
            action()
            print(f"py_video_publisher: {name} at {time.monotonic() - t0:.2f} s", flush=True)
    meeting.run_until_left()
    if renderer:
        renderer.join()
        s = camera.stats
        print(f"py_video_publisher: pushed {s.pushed} frames (replaced {s.replaced}, stale {s.stale}, "
              f"sent {s.sent}, repeated {s.repeated})", flush=True)
    print(f"py_video_publisher: sent {video.n} frames", flush=True)


if __name__ == "__main__":
    main()
