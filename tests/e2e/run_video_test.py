#!/usr/bin/env python3
"""roomcast publish of an MP4 with video -> Janus -> headless Chromium watches the picture.

The test file carries its frame number in every frame (a band of 16 black or white blocks,
bit i from the left) over moving content, with a 441 Hz tone: Chromium reads the number
back from every frame it presents (requestVideoFrameCallback), so the checks are about
which frames arrived, in which order, at which size, and whether the picture froze."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, Failure, Proc, become_subreaper, check_dirs_gone, guarded,  # noqa: E402
                      janus_config_dirs_of_descendants, json_lines, leak_check, log, need,
                      private_tmpdir, start_roomcast_server)

ROOM = 1234
FPS = 30
# The frame number in the top quarter (bit i of N in block i, LSB left), moving diagonal
# stripes below it (so the encoder has real work and motion), a 441 Hz tone.
PATTERN = ("geq=lum='if(lt(Y,H/4),16+219*mod(floor(N/pow(2,floor(X*16/W))),2),"
           "16+mod(X+Y+4*N,200))':cb=128:cr=128")


def make_video(path, seconds, size):
    subprocess.run(["ffmpeg", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"color=c=black:size={size}:rate={FPS}:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=441:sample_rate=48000:duration={seconds}",
                    "-vf", PATTERN + ",format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
                    "-c:a", "aac", "-shortest", path], check=True, timeout=120)


def check(results, ok, what):
    results.append((bool(ok), what))


def assertions(a, r, pub_out):
    res = []
    frames = r.get("frames") or []
    numbers = [n for n, _ in frames]
    check(res, f"{a.width}x{a.height}" in (r.get("sizes") or []) and r.get("frameWidth") == a.width
          and r.get("frameHeight") == a.height,
          f"Chromium shows {a.width}x{a.height} (sizes {r.get('sizes')}, stats {r.get('frameWidth')}x{r.get('frameHeight')})")
    check(res, (r.get("mimeType") or "").lower() == "video/vp8", f"codec {r.get('mimeType')} is video/VP8")
    if numbers:
        first, last = numbers[0], numbers[-1]
        distinct = len(set(numbers))
        span = last - first + 1
        check(res, span >= 0.85 * a.duration * FPS,
              f"frames {first}..{last} cover >= 85% of the file's {a.duration * FPS} frames")
        check(res, distinct >= 0.95 * span, f"{distinct} distinct frame numbers >= 95% of the {span} in {first}..{last}")
        backwards = sum(1 for x, y in zip(numbers, numbers[1:]) if y < x)
        check(res, backwards == 0, f"frame numbers in order ({backwards} steps backwards)")
    else:
        check(res, False, "Chromium presented frames")
    check(res, r.get("freezeCount") == 0, f"no freeze (freezeCount {r.get('freezeCount')}, "
          f"{r.get('totalFreezesDuration')} s frozen)")
    first_ms = r.get("firstFrameMs")
    check(res, first_ms is not None and first_ms < 2000, f"first frame {first_ms} ms after subscribing < 2000 ms")
    check(res, any("with its video" in line and "VP8 640x360" in line for line in pub_out),
          "publish says it sends the file's video as VP8 640x360")
    return res


def run(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh (Janus needs a non-loopback interface)")
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", "/usr/bin/chromium", "node",
          os.path.join(HERE, "node_modules", "playwright-core")])
    tmp = tempfile.mkdtemp(prefix="roomcast-e2e-")
    try:
        media = os.path.join(tmp, "numbered.mp4")
        make_video(media, a.duration, a.source_size)
        sut_tmp, env = private_tmpdir(tmp)
        server, url = start_roomcast_server(a.roomcast, env, ROOM)
        server_dirs = janus_config_dirs_of_descendants()
        viewer = Proc("viewer", ["node", os.path.join(HERE, "browser_listener.mjs"), "--video", "--url", url,
                                 "--room", ROOM, "--seconds", a.duration + 8, "--timeout", 30])
        viewer.wait_line(r"ready:", 45, "err")
        publisher = Proc("publisher", [a.roomcast, "publish", media, "--server", url, "--room", ROOM, "--stats"],
                         env=env)
        if publisher.wait(a.duration + 40) != 0:
            raise Failure(f"publisher failed\n{publisher.dump()}")
        if viewer.wait(a.duration + 60) != 0:
            raise Failure(f"viewer failed\n{viewer.dump()}")
        result = json.loads(viewer.out[-1])
        frames = result.get("frames") or []
        log("viewer: " + json.dumps({k: v for k, v in result.items() if k != "frames"}))
        log(f"viewer frames: {len(frames)}, first {frames[:5]}, last {frames[-5:]}")
        stats = [s for s in json_lines(publisher.out) if s.get("type") == "stats"]
        if stats:
            log("publisher's last stats: " + json.dumps(stats[-1].get("sending")))
        if server.stop(15) != 0:
            raise Failure(f"server exited badly\n{server.dump()}")
        failed = False
        for ok, what in assertions(a, result, publisher.out):
            log(("PASS " if ok else "FAIL ") + what)
            failed |= not ok
        if failed:
            raise Failure("video checks failed (above)")
        leak_check()
        check_dirs_gone(server_dirs, "the server")
    finally:
        subprocess.run(["rm", "-rf", tmp])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("viewer", nargs="?", default="chromium", choices=["chromium"])
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--source-size", default="480x270", help="the file's size (scaled to 640x360 by roomcast)")
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    sys.exit(guarded(run, ap.parse_args()))


if __name__ == "__main__":
    main()
