#!/usr/bin/env python3
"""Lip-sync: `roomcast publish` of an MP4 whose picture carries its frame number and whose
audio beeps (1 kHz, 100 ms) at every whole second; headless Chromium plays both and notes when
it shows each frame (requestVideoFrameCallback's expectedDisplayTime) and when it plays each
beep's first sample (an AudioWorklet, mapped to the same clock by getOutputTimestamp).

For the beep at second k, the offset is when frame 30k was shown minus when the beep was heard
(less the WebAudio tap's own latency): positive means the picture is late. Chromium lines the two up only if our RTCP sender reports
put audio and video on one NTP clock and both tracks are in one msid stream.

The beeps come about once a second but not on the second (each a different number of frames
after it), so audio that is a whole number of seconds behind cannot pass for in sync.

--skew-ms S makes the file itself wrong (the beeps S ms after their frames): the measured
offset must move by -S, which shows the measurement sees an offset when there is one.

--rejoin kills the server's Janus once the file has played a few seconds and starts the server
again: the publisher rejoins (a new session, its media paused meanwhile) and Chromium, joining
after that, must still see the picture with its sound: the audio skips what fell due during the
outage, as the video's encode did, rather than resuming seconds behind the picture."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, Failure, Proc, become_subreaper, check_dirs_gone, free_port, guarded,  # noqa: E402
                      janus_config_dirs_of_descendants, kill_janus, report_checks, leak_check, log, need,
                      private_tmpdir, start_roomcast_server)
from run_video_test import FPS, PATTERN  # noqa: E402

ROOM = 1234
# ITU-R BT.1359's threshold of detectability is about 45 ms audio early and 125 ms audio
# late; we hold the median to the tighter side both ways.
LIMIT_MS = 45


# Frames after the whole second that beep k sits at: every step between neighbours differs.
BEEP_FRAMES = [0, 7, 2, 12, 5, 14, 1, 9, 3, 11, 6, 13, 4, 10, 8]


def beep_frame(k):
    """The frame number that beep k (k >= 1) goes with."""
    return k * FPS + BEEP_FRAMES[k % len(BEEP_FRAMES)]


def make_file(path, seconds, skew_ms):
    # 100 ms of 1 kHz from each beep's frame (plus the skew): a sum of one window per beep.
    windows = "+".join(f"between(t,{beep_frame(k) / FPS + skew_ms / 1000:.4f},{beep_frame(k) / FPS + skew_ms / 1000 + 0.1:.4f})"
                       for k in range(1, seconds))
    beeps = f"0.5*sin(2*PI*1000*t)*({windows})"
    subprocess.run(["ffmpeg", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"color=c=black:size=640x360:rate={FPS}:duration={seconds}",
                    "-f", "lavfi", "-i", f"aevalsrc='{beeps}':s=48000:d={seconds}",
                    "-vf", PATTERN + ",format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
                    "-c:a", "aac", "-b:a", "128k", "-shortest", path], check=True, timeout=120)


def offsets(sync, seconds):
    """(beep k, offset ms) for each beep Chromium heard whose frame it showed."""
    shown = sorted((n, t) for n, t in sync.get("shownAt") or [] if t)
    onsets = sorted(sync.get("onsets") or [])
    out = []
    for k in range(1, seconds):
        target = beep_frame(k)
        # The first frame shown at or after frame 30k, moved back by the frames between.
        after = [(n, t) for n, t in shown if target <= n <= target + 3]
        if not after:
            continue
        n, t = after[0]
        video_ms = t - (n - target) * 1000 / FPS
        # The beep heard nearest to it (within half a second; beeps are 0.57 s or more apart).
        near = [a for a in onsets if abs(a - video_ms) < 500]
        if near:
            audio_ms = min(near, key=lambda a: abs(a - video_ms))
            out.append((k, video_ms - audio_ms))
    return out


def run(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh (Janus needs a non-loopback interface)")
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", "/usr/bin/chromium", "node",
          os.path.join(HERE, "node_modules", "playwright-core")])
    tmp = tempfile.mkdtemp(prefix="roomcast-e2e-")
    try:
        media = os.path.join(tmp, "beeps.mp4")
        make_file(media, a.duration, a.skew_ms)
        sut_tmp, env = private_tmpdir(tmp)
        port = free_port()
        server, url = start_roomcast_server(a.roomcast, env, ROOM, "--port", port)
        server_dirs = janus_config_dirs_of_descendants()
        watch_seconds = a.duration + 8
        viewer_args = ["node", os.path.join(HERE, "browser_listener.mjs"), "--video", "--sync", "--url", url,
                       "--room", ROOM, "--timeout", 30]
        if not a.rejoin:
            viewer = Proc("viewer", viewer_args + ["--seconds", watch_seconds])
            viewer.wait_line(r"ready:", 45, "err")
        publisher = Proc("publisher", [a.roomcast, "publish", media, "--server", url, "--room", ROOM, "--json"],
                         env=env)
        first_beep = 1
        if a.rejoin:
            publisher.wait_line(r'"position_ms":([4-9]\d{3})', 30, "out")  # 4 s or more played
            kill_janus(server)
            server.wait(10)  # roomcast server exits when its janus dies
            server, _ = start_roomcast_server(a.roomcast, env, ROOM, "--port", port)
            server_dirs |= janus_config_dirs_of_descendants()
            publisher.wait_line(r'"event":"reconnected".*"how":"rejoined"', 30, "out")
            rejoined = [json.loads(l) for l in publisher.out if '"event":"reconnected"' in l][-1]
            log(f"publisher rejoined after {rejoined.get('downtime_ms')} ms")
            # Chromium joins after the rejoin; it may meet the file anywhere from here on.
            position = [json.loads(l) for l in publisher.out if '"event":"progress"' in l][-1]["position_ms"]
            first_beep = position // 1000 + 2
            watch_seconds = a.duration - position // 1000
            viewer = Proc("viewer", viewer_args + ["--seconds", watch_seconds])
        if publisher.wait(a.duration + 40) != 0:
            raise Failure(f"publisher failed\n{publisher.dump()}")
        if viewer.wait(a.duration + 60) != 0:
            raise Failure(f"viewer failed\n{viewer.dump()}")
        r = json.loads(viewer.out[-1])
        sync = r.get("sync") or {}
        log(f"viewer: {len(sync.get('shownAt') or [])} frames timed, {len(sync.get('onsets') or [])} beeps heard, "
            f"audio and video in one stream: {sync.get('oneStream')} {sync.get('streams')}, WebAudio latency "
            f"base {sync.get('baseLatencyMs')} ms, output {sync.get('outputLatencyMs')} ms")
        # The WebAudio tap plays the beeps base + output latency after Chromium's WebRTC audio
        # hands them over; A/V sync lines up that hand-over (what a media element plays) with
        # the picture, so that latency is ours, not the stream's.
        tap_ms = (sync.get("baseLatencyMs") or 0) + (sync.get("outputLatencyMs") or 0)
        measured = [(k, o + tap_ms) for k, o in offsets(sync, a.duration) if k >= first_beep]
        log(f"offsets after the tap's {tap_ms:.0f} ms (second, ms; positive: picture late): "
            + ", ".join(f"{k}:{o:+.0f}" for k, o in measured))
        if server.stop(15) != 0:
            raise Failure(f"server exited badly\n{server.dump()}")
        leak_check()
        check_dirs_gone(server_dirs, "the server")

        results = []
        results.append((sync.get("oneStream") is True, "Chromium puts our audio and video in one MediaStream (msid)"))
        beeps = a.duration - first_beep
        results.append((len(measured) >= beeps - 3, f"{len(measured)} beeps matched to their frames "
                        f"(of {beeps} from beep {first_beep})"))
        if measured:
            # The first seconds are Chromium converging on the delays; judge the rest.
            settle_from = first_beep + 3
            settled = [o for k, o in measured if k >= settle_from] or [o for _, o in measured]
            median = statistics.median(settled)
            expected = -a.skew_ms
            results.append((abs(median - expected) <= LIMIT_MS,
                            f"median offset {median:+.0f} ms from beep {settle_from} on is within {LIMIT_MS} ms of "
                            f"{expected:+d} ms (the file's own skew)"))
        report_checks(results, "lip-sync checks failed (above)")
    finally:
        subprocess.run(["rm", "-rf", tmp])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--duration", type=int, default=12)
    ap.add_argument("--skew-ms", type=int, default=0, help="beeps this many ms after their frames in the file")
    ap.add_argument("--rejoin", action="store_true", help="restart the server's Janus mid-file; Chromium joins after")
    sys.exit(guarded(run, ap.parse_args()))


if __name__ == "__main__":
    main()
