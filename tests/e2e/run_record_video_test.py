#!/usr/bin/env python3
"""`roomcast listen --record-dir` of a participant with a camera writes one WebM with its audio
and video: `roomcast publish` of an MP4 (its frame number painted in every picture, a 441 Hz
tone, as run_video_test.py) -> Janus -> `roomcast listen --record-dir DIR`; then ffprobe and
ffmpeg read DIR/NAME-ID.webm back: VP8 640x360 and Opus, the frame numbers in order and most
of them there, the tone at 441 Hz.

--case clean: the publisher plays to the end and leaves, the listener is stopped with SIGINT.
--case kill: the listener is SIGKILLed 6 s in; the file it leaves still decodes (live-written
Matroska: every closed cluster is on disk, nothing needs writing back)."""
import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
from array import array

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (Failure, Proc, become_subreaper, check_dirs_gone, frame_number, guarded,  # noqa: E402
                      janus_config_dirs_of_descendants, leak_check, log, need, private_tmpdir,
                      start_roomcast_server)
from run_video_test import FPS, make_video  # noqa: E402

ROOM = 1234
NAME = "camera"
KILL_AT_S = 6


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise Failure(f"ffprobe {path} failed: {out.stderr}")
    return json.loads(out.stdout)


def frame_numbers(path, width, height):
    """Each decoded picture's number (16 blocks in the top band, bit i from the left)."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-fps_mode",
                          "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, timeout=120)
    pictures = np.frombuffer(out.stdout, np.uint8)[:len(out.stdout) // (width * height) * width * height]
    numbers = [frame_number(p) for p in pictures.reshape(-1, height, width)]
    return numbers, out.returncode, out.stderr.decode(errors="replace").strip()


def audio(path):
    """(frequency by zero crossings, seconds, rms) of the file's audio, 48 kHz mono."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar",
                          "48000", "-f", "f32le", "-"], capture_output=True, timeout=120)
    x = array("f")
    x.frombytes(out.stdout[: len(out.stdout) // 4 * 4])
    if not x:
        return 0.0, 0.0, 0.0
    rms = (sum(v * v for v in x) / len(x)) ** 0.5
    # Zero crossings per second in each whole second that carries the tone (the lead-in and
    # a pause are quiet); the median of those.
    per_second = []
    for at in range(0, len(x) - 48000 + 1, 48000):
        w = x[at: at + 48000]
        if (sum(v * v for v in w) / len(w)) ** 0.5 > 0.05:
            per_second.append(sum(1 for p, q in zip(w, w[1:]) if p < 0 <= q))
    hz = sorted(per_second)[len(per_second) // 2] if per_second else 0.0
    return hz, len(x) / 48000.0, rms


def run(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh (Janus needs a non-loopback interface)")
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", "ffprobe"])
    tmp = tempfile.mkdtemp(prefix="roomcast-e2e-")
    results = []

    def check(ok, what):
        results.append((bool(ok), what))

    try:
        media = os.path.join(tmp, "numbered.mp4")
        make_video(media, a.duration, "480x270")
        record_dir = os.path.join(tmp, "rec")
        os.mkdir(record_dir)
        sut_tmp, env = private_tmpdir(tmp)
        server, url = start_roomcast_server(a.roomcast, env, ROOM)
        server_dirs = janus_config_dirs_of_descendants()
        listener = Proc("listener", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--name", "recorder",
                                     "--json", "--record-dir", record_dir], env=env)
        listener.wait_line(r'"event":\s*"meeting_joined"', 20, "out")
        publisher = Proc("publisher", [a.roomcast, "publish", media, "--server", url, "--room", ROOM,
                                       "--name", NAME, "--stats"], env=env)
        if a.case == "kill":
            publisher.wait_line(rf'"t":{KILL_AT_S}(\.\d+)?,"type":"stats"', KILL_AT_S + 30, "out")
            listener.p.send_signal(signal.SIGKILL)
            rc = listener.wait(10)
            check(rc == -signal.SIGKILL, f"the listener was SIGKILLed {KILL_AT_S} s in (exit {rc})")
        if publisher.wait(a.duration + 40) != 0:
            raise Failure(f"publisher failed\n{publisher.dump()}")
        if a.case == "clean":
            listener.wait_line(r'"event":\s*"participant_left"', 20, "out")
            rc = listener.stop(20, signal.SIGINT)
            check(rc == 130, f"the listener left on SIGINT (exit {rc}, 130 expected)")
        if server.stop(15) != 0:
            raise Failure(f"server exited badly\n{server.dump()}")
        leak_check()
        check_dirs_gone(server_dirs, "the server")

        files = sorted(os.listdir(record_dir))
        log(f"recorded: {files}")
        webm = glob.glob(os.path.join(record_dir, f"{NAME}-*.webm"))
        check(len(files) == 1 and len(webm) == 1, f"one file, {NAME}-ID.webm, in the directory ({files})")
        if not webm:
            return report(results)
        info = probe(webm[0])
        streams = info.get("streams", [])
        video = [s for s in streams if s.get("codec_type") == "video"]
        sound = [s for s in streams if s.get("codec_type") == "audio"]
        log("ffprobe: " + json.dumps([{k: s.get(k) for k in ("codec_name", "width", "height", "sample_rate",
                                                               "channels")} for s in streams])
            + f", format duration {info.get('format', {}).get('duration')}")
        check(len(video) == 1 and video[0].get("codec_name") == "vp8" and video[0].get("width") == 640
              and video[0].get("height") == 360, "a VP8 640x360 video stream")
        check(len(sound) == 1 and sound[0].get("codec_name") == "opus", "an Opus audio stream")
        numbers, rc, err = frame_numbers(webm[0], 640, 360)
        check(rc == 0 and not err, f"ffmpeg decodes the video without an error (exit {rc}{': ' + err[:300] if err else ''})")
        total = a.duration * FPS
        if numbers:
            first, last = numbers[0], numbers[-1]
            span = last - first + 1
            distinct = len(set(numbers))
            backwards = sum(1 for x, y in zip(numbers, numbers[1:]) if y < x)
            log(f"frames: {len(numbers)}, {distinct} distinct, first {numbers[:5]}, last {numbers[-5:]}")
            check(backwards == 0, f"frame numbers in order ({backwards} steps backwards)")
            check(distinct >= 0.9 * span, f"{distinct} distinct frame numbers >= 90% of the {span} in {first}..{last}")
            check(first <= 0.15 * total, f"the first frame recorded ({first}) is within the file's first 15%")
            if a.case == "clean":
                check(last >= total - 15, f"the last frame recorded ({last}) is within 15 of the file's last ({total - 1})")
            else:
                # Killed at KILL_AT_S s of the publisher's: at most the last cluster (1 s) and
                # what waited for it is lost; the publisher's 0.3 s lead-in gives some slack.
                want = (KILL_AT_S - 2.5) * FPS
                check(last >= want, f"the killed file holds frames up to {last} >= {want:.0f}")
        else:
            check(False, "the file has pictures")
        hz, seconds, rms = audio(webm[0])
        log(f"audio: {seconds:.2f} s, {hz:.1f} Hz by zero crossings, rms {rms:.3f}")
        check(abs(hz - 441) <= 3 and rms > 0.05, f"the tone is 441 Hz ({hz:.1f} Hz, rms {rms:.3f})")
        if a.case == "clean":
            duration = float(info.get("format", {}).get("duration") or 0)
            check(abs(duration - a.duration) < 1.5, f"the file lasts about {a.duration} s ({duration:.2f} s)")
            check(abs(seconds - a.duration) < 1.5, f"its audio lasts about {a.duration} s ({seconds:.2f} s)")
        return report(results)
    finally:
        subprocess.run(["rm", "-rf", tmp])


def report(results):
    failed = False
    for ok, what in results:
        log(("PASS " if ok else "FAIL ") + what)
        failed |= not ok
    if failed:
        raise Failure("recording checks failed (above)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", choices=["clean", "kill"], default="clean")
    ap.add_argument("--duration", type=int, default=10)
    sys.exit(guarded(run, ap.parse_args()))


if __name__ == "__main__":
    main()
