#!/usr/bin/env python3
"""Run-time controls end to end: a Python bot (py_video_publisher.py --toggle) publishing
numbered frames and a 441 Hz tone turns its camera off at 3 s and on at 6 s, and its
microphone off at 7 s and back on at 8.5 s with another track (660 Hz), without leaving.

Who checks what:
- `roomcast listen --json --record` (another participant): the bot's video stream stops and
  comes back, then its audio stream, in that order, and the recording has the tone with one
  silence, as long as the microphone was off (the camera going off did not touch the audio),
  then the 660 Hz tone the bot swapped in when it turned the microphone back on;
- headless Chromium watching the bot's video: frames before, none for the 3 s the camera was
  off, frames again after (numbers still increasing), on one subscription that Janus
  renegotiated ('updated' offers answered)."""
import argparse
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, Failure, Proc, become_subreaper, check_dirs_gone, guarded,  # noqa: E402
                      janus_config_dirs_of_descendants, report_checks, json_lines, leak_check, log, need,
                      private_tmpdir, start_roomcast_server)

ROOM = 1234
DURATION = 11
RATE = 48000
FRAME = 960  # 20 ms
SILENCE_DBFS = -50.0


def read_wav_mono(path):
    data = open(path, "rb").read()
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise Failure(f"{path} is not a WAV file ({len(data)} bytes)")
    pos = 12
    while pos + 8 <= len(data):
        cid, clen = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"data":
            n = (len(data) - pos - 8) // 2
            return np.frombuffer(data, "<i2", count=n, offset=pos + 8).astype(np.float64) / 32768.0
        pos += 8 + clen + (clen & 1)
    raise Failure(f"{path} has no data chunk")


def silent_runs(loud):
    """(start, end) frame ranges where loud is False, inside the first..last loud frame."""
    idx = np.flatnonzero(loud)
    if not len(idx):
        return []
    runs, start = [], None
    for i in range(idx[0], idx[-1] + 1):
        if not loud[i] and start is None:
            start = i
        elif loud[i] and start is not None:
            runs.append((start, i))
            start = None
    return runs


def run(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh (Janus needs a non-loopback interface)")
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", "/usr/bin/chromium", "node",
          os.path.join(HERE, "node_modules", "playwright-core")])
    results = []

    def check(ok, what):
        results.append((bool(ok), what))

    tmp = tempfile.mkdtemp(prefix="roomcast-e2e-")
    try:
        sut_tmp, env = private_tmpdir(tmp)
        server, url = start_roomcast_server(a.roomcast, env, ROOM)
        server_dirs = janus_config_dirs_of_descendants()
        wav = os.path.join(tmp, "room.wav")
        observer = Proc("observer", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json",
                                     "--record", wav, "--duration", DURATION + 12], env=env)
        observer.wait_line(r'"event":"meeting_joined"', 30, "out")
        viewer = Proc("viewer", ["node", os.path.join(HERE, "browser_listener.mjs"), "--video", "--url", url,
                                 "--room", ROOM, "--seconds", DURATION + 8, "--timeout", 40])
        viewer.wait_line(r"ready:", 45, "err")
        publisher = Proc("publisher", [PY, os.path.join(HERE, "py_video_publisher.py"), "--server", url,
                                       "--room", ROOM, "--duration", DURATION, "--toggle"],
                         env=dict(env, PYTHONPATH=a.python_dir))
        if publisher.wait(DURATION + 40) != 0:
            raise Failure(f"publisher failed\n{publisher.dump()}")
        if viewer.wait(DURATION + 60) != 0:
            raise Failure(f"viewer failed\n{viewer.dump()}")
        if observer.wait(DURATION + 40) != 0:
            raise Failure(f"observer failed\n{observer.dump()}")
        log("publisher: " + " | ".join(line for line in publisher.out if "at " in line))

        # The other participant's view: stream events of the bot, in order.
        events = [e for e in json_lines(observer.out)
                  if e.get("event") in ("stream_enabled", "stream_disabled") and not e.get("local")]
        seen = [(e["event"].split("_")[1], e["kind"]) for e in events]
        log(f"observer stream events: {seen}")
        expected = [("disabled", "video"), ("enabled", "video"), ("disabled", "audio"), ("enabled", "audio")]
        live = [(s, k) for s, k in seen]
        # Announced streams come first as enabled; the toggles follow in this order.
        toggles = live[next((i for i, x in enumerate(live) if x[0] == "disabled"), len(live)):]
        check(toggles[:4] == expected, f"the observer saw {expected} (saw {toggles})")

        # What the observer heard: the tone, one silence while the microphone was off.
        x = read_wav_mono(wav)
        n = len(x) // FRAME
        frames = x[:n * FRAME].reshape(n, FRAME)
        level = 10 * np.log10(np.maximum(np.mean(frames * frames, axis=1), 1e-20))
        loud = level > SILENCE_DBFS
        first_heard = int(np.flatnonzero(loud)[0]) if loud.any() else 0
        runs = [(a_, b - a_) for a_, b in silent_runs(loud)]
        long_runs = [r * FRAME / RATE for _, r in runs if r * FRAME / RATE >= 0.3]
        log(f"recording {n * FRAME / RATE:.2f} s, heard {loud.sum() * FRAME / RATE:.2f} s, silences inside the "
            "heard span (s after the tone began, length): "
            f"{[('%.2f' % ((a_ - first_heard) * FRAME / RATE), '%.2f' % (r * FRAME / RATE)) for a_, r in runs]}")
        check(len(long_runs) == 1 and 1.0 <= long_runs[0] <= 2.6,
              f"one silence of 1.0-2.6 s (the microphone off for 1.5 s) inside the tone: {long_runs}")
        def pitch(seg):
            spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
            return float(np.fft.rfftfreq(len(seg), 1 / RATE)[np.argmax(spec)])
        idx = np.flatnonzero(loud)
        if len(idx) and len(long_runs) == 1:
            gap_start, gap_len = next((a_, r) for a_, r in runs if r * FRAME / RATE >= 0.3)
            hz_before = pitch(x[idx[0] * FRAME: gap_start * FRAME][-4 * RATE:])
            hz_after = pitch(x[(gap_start + gap_len) * FRAME + RATE // 10: idx[-1] * FRAME])
            check(abs(hz_before - 441) < 3, f"before the mute the tone is at {hz_before:.1f} Hz (441 sent)")
            check(abs(hz_after - 660) < 3, f"after enable_mic(another track) it is at {hz_after:.1f} Hz (660 sent)")
        heard_s = loud.sum() * FRAME / RATE
        # Muting drops what the track plays meanwhile (time goes on), as a muted microphone.
        check(DURATION - 1.5 - 1.0 <= heard_s <= DURATION - 1.0,
              f"tone heard for {heard_s:.2f} s: the {DURATION} s track less the ~1.5 s muted")

        # What Chromium saw: frames, a gap of about the 3 s the camera was off, frames again.
        import json
        r = json.loads(viewer.out[-1])
        shown = r.get("frames") or []
        log("viewer: " + json.dumps({k: v for k, v in r.items() if k != "frames"}))
        gaps = [(i, shown[i][1] - shown[i - 1][1]) for i in range(1, len(shown)) if shown[i][1] - shown[i - 1][1] > 1000]
        log(f"viewer frames: {len(shown)}, gaps over 1 s (index, ms): {gaps}")
        check(len(gaps) == 1 and 2000 <= gaps[0][1] <= 4500,
              f"Chromium showed no frame for one 2-4.5 s stretch (the camera off 3 s): {gaps}")
        if len(gaps) == 1:
            i = gaps[0][0]
            before, after = shown[:i], shown[i:]
            check(len(before) >= 45 and len(after) >= 90,
                  f"frames before the camera went off ({len(before)}) and after it came back ({len(after)})")
            check(after[0][0] > before[-1][0], f"the numbers go on after the gap ({before[-1][0]} -> {after[0][0]})")
        numbers = [f for f, _ in shown]
        backwards = sum(1 for p, q in zip(numbers, numbers[1:]) if q < p)
        check(backwards == 0, f"frame numbers in order ({backwards} steps backwards)")

        if server.stop(15) != 0:
            raise Failure(f"server exited badly\n{server.dump()}")
        leak_check()
        check_dirs_gone(server_dirs, "the server")
        report_checks(results, "control checks failed (above)")
    finally:
        import subprocess
        subprocess.run(["rm", "-rf", tmp])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--python-dir", required=True, help="this build's Python module directory")
    sys.exit(guarded(run, ap.parse_args()))


if __name__ == "__main__":
    main()
