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
  renegotiated ('updated' offers answered).

--case rejoin: the bot (py_video_publisher.py --mute-across-rejoin) turns its camera off at
2 s; the server's Janus is then killed and the server started again on its port, so the bot
and the observer rejoin; the bot turns its camera on 3 s after its rejoin. The observer sees
the bot's audio back after the rejoin but its video only after enable_webcam(), and Chromium,
subscribing while the camera is off, gets its first picture from the frame due at the
enable on (the numbers count the track's time), then the rest in order."""
import argparse
import json
import os
import signal
import struct
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, Failure, Proc, become_subreaper, check_dirs_gone, guarded,  # noqa: E402
                      janus_config_dirs_of_descendants, kill_janus, report_checks, json_lines, leak_check, log, need,
                      private_tmpdir, start_roomcast_server)
from run_listen_test import EventProc, is_event  # noqa: E402
from run_reconnect_test import free_port  # noqa: E402
from run_record_video_test import frame_numbers  # noqa: E402

ROOM = 1234
DURATION = 11
REJOIN_DURATION = 15
NAME = "py-video"  # py_video_publisher.py's display name
FPS = 30
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
        {"toggle": case_toggle, "rejoin": case_rejoin}[a.case](a, tmp, check)
        report_checks(results, "control checks failed (above)")
    finally:
        import subprocess
        subprocess.run(["rm", "-rf", tmp])


def viewer_proc(url, seconds, timeout):
    return Proc("viewer", ["node", os.path.join(HERE, "browser_listener.mjs"), "--video", "--url", url,
                           "--room", ROOM, "--seconds", seconds, "--timeout", timeout])


def bot_proc(a, env, url, duration, mode):
    return Proc("publisher", [PY, os.path.join(HERE, "py_video_publisher.py"), "--server", url,
                              "--room", ROOM, "--duration", duration, mode], env=dict(env, PYTHONPATH=a.python_dir))


def case_toggle(a, tmp, check):
    sut_tmp, env = private_tmpdir(tmp)
    server, url = start_roomcast_server(a.roomcast, env, ROOM)
    server_dirs = janus_config_dirs_of_descendants()
    wav = os.path.join(tmp, "room.wav")
    record_dir = os.path.join(tmp, "per-participant")
    os.mkdir(record_dir)
    observer = Proc("observer", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json",
                                 "--record", wav, "--record-dir", record_dir, "--duration", DURATION + 12], env=env)
    observer.wait_line(r'"event":"meeting_joined"', 30, "out")
    viewer = viewer_proc(url, DURATION + 8, 40)
    viewer.wait_line(r"ready:", 45, "err")
    publisher = bot_proc(a, env, url, DURATION, "--toggle")
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

    # The observer's per-participant recording goes on through both mutes (a mute is no leave).
    webms = [f for f in os.listdir(record_dir) if f.endswith(".webm")]
    check(len(webms) == 1, f"one WebM recorded for the bot ({sorted(os.listdir(record_dir))})")
    if webms and numbers:
        recorded, rc, err = frame_numbers(os.path.join(record_dir, webms[0]), 640, 360)
        log(f"recording {webms[0]}: {len(recorded)} pictures, numbers {recorded[:3]}..{recorded[-3:]} (ffmpeg rc {rc})")
        check(rc == 0 and recorded and max(recorded) >= max(numbers) - 45,
              f"the recording holds the picture until the end ({max(recorded) if recorded else None}; Chromium's "
              f"last was {max(numbers)}), through the mutes")

    if server.stop(15) != 0:
        raise Failure(f"server exited badly\n{server.dump()}")
    leak_check()
    check_dirs_gone(server_dirs, "the server")


def case_rejoin(a, tmp, check):
    sut_tmp, env = private_tmpdir(tmp)
    port = free_port()
    server, url = start_roomcast_server(a.roomcast, env, ROOM, "--port", port)
    server2 = observer = publisher = viewer = None
    try:
        observer = EventProc("observer", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json",
                                          "--duration", REJOIN_DURATION + 20], env=env)
        observer.wait_event("meeting_joined", is_event("meeting_joined"), 30)
        publisher = bot_proc(a, env, url, REJOIN_DURATION, "--mute-across-rejoin")
        publisher.wait_line(r"disable_webcam at", 20, "out")
        t_off, _ = observer.wait_event("the bot's video disabled", is_event("stream_disabled", name=NAME, kind="video"), 5)
        # The camera is off: the server goes away and comes back on the same URL.
        kill_janus(server)
        server.wait(10)
        server2, url2 = start_roomcast_server(a.roomcast, env, ROOM, "--port", port)
        check(url2 == url, f"the server came back on the same URL ({url2})")
        m = publisher.wait_line(r"reconnected \((.*)\)", 30, "out")
        check(m.group(1) == "rejoined", f"the bot reconnected by rejoining ({m.group(1)})")
        t_obs, ev = observer.wait_event("the observer's reconnected", is_event("reconnected"), 30, since=t_off)
        check(ev.get("how") == "rejoined", f"the observer rejoined too ({ev.get('how')})")
        # Chromium subscribes to the bot while its camera is still off.
        viewer = viewer_proc(url, REJOIN_DURATION, 20)
        viewer.wait_line(r"ready:", 45, "err")
        m = publisher.wait_line(r"enable_webcam from ([\d.]+) s", 10, "out")
        t_on, on_at = time.monotonic(), float(m.group(1))
        publisher.wait_line(r"enable_webcam at", 10, "out")
        if publisher.wait(REJOIN_DURATION + 30) != 0:
            raise Failure(f"publisher failed\n{publisher.dump()}")
        viewer_rc = viewer.wait(REJOIN_DURATION + 30)
        check(viewer_rc == 0, f"Chromium exited 0 (got {viewer_rc}{': ' + viewer.err[-1] if viewer_rc and viewer.err else ''})")
        observer.p.send_signal(signal.SIGINT)
        check(observer.wait(15) == 130, "the observer leaves on Ctrl-C (exit 130)")

        # The observer's view of the bot: its video disabled before the restart stays so through
        # both rejoins (the bot may leave and join again in its eyes), its audio live meanwhile.
        seen = [(round(t - t_on, 2), e["event"].split("_")[1], e["kind"]) for t, e in observer.events
                if e.get("name") == NAME and e.get("event") in ("stream_enabled", "stream_disabled")]
        log(f"observer: the bot's stream events (s after enable_webcam() was called, what, kind): {seen}")
        audio_word = [what for t, what, kind in seen if kind == "audio" and t < 0]
        check(audio_word[-1:] == ["enabled"] and t_obs < t_on,
              f"after the rejoins the observer has the bot's audio (its last word before enable_webcam(): {audio_word})")
        video_on = [t for t, what, kind in seen if kind == "video" and what == "enabled" and t > t_off - t_on]
        check(video_on and -0.1 <= video_on[0] <= 3,
              f"the bot's video came back only with enable_webcam(), within 3 s (enabled at {video_on} s from the "
              f"call; disabled at {round(t_off - t_on, 2)} s)")

        r = json.loads(viewer.out[-1]) if viewer_rc == 0 else {}
        shown = [n for n, _ in r.get("frames") or []]
        log("viewer: " + json.dumps({k: v for k, v in r.items() if k != "frames"}))
        log(f"viewer frames: {len(shown)}, first {shown[:5]}, last {shown[-5:]}")
        first_due = int(on_at * FPS)
        check(shown and shown[0] >= first_due - 3,
              f"Chromium's first picture is frame {shown[:1]}, from the enable on (frame {first_due} was due): "
              "nothing while the camera stayed off across the rejoin")
        want = (REJOIN_DURATION - on_at) * FPS
        check(len(set(shown)) >= 0.9 * want, f"Chromium then saw {len(set(shown))} frames of the ~{want:.0f} sent")
        backwards = sum(1 for x, y in zip(shown, shown[1:]) if y < x)
        check(backwards == 0, f"frame numbers in order ({backwards} steps backwards)")
        if server2.stop(15) != 0:
            raise Failure(f"server exited badly\n{server2.dump()}")
        leak_check()
    finally:
        for p in (viewer, publisher, observer, server2, server):
            if p:
                p.terminate()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--python-dir", required=True, help="this build's Python module directory")
    ap.add_argument("--case", choices=["toggle", "rejoin"], default="toggle")
    sys.exit(guarded(run, ap.parse_args()))


if __name__ == "__main__":
    main()
