#!/usr/bin/python3
# Lifecycle of the embedded server and of the seed example, inside netns.sh:
#   interrupt: `roomcast publish` (embedded Janus) is live, then Ctrl-C: it leaves the
#              meeting, exits 130, and no janus process or private directory remains.
#   server_gone: the Janus under `roomcast server` is killed while `roomcast publish
#              --no-reconnect` plays: publish says so and exits 4 within seconds, leaving
#              nothing running (reconnecting is run_reconnect_test.py's).
#   keepalive: a listener stays 3 minutes in a meeting on a server that ends sessions idle
#              for 10 s: only its keepalives (paced by the server's `info`) keep it in; it
#              must leave by itself (exit 0) with no reconnect on the way.
#   video:     a Chromium participant publishing audio and video: `roomcast listen --json`
#              reports both streams (video by kind only), records the audio in tune, and
#              reports both streams gone when it leaves.
#   example:   examples/file_to_meeting (the seed program) against `roomcast server`, with
#              an aiortc listener: the seed handlers fire in order and the tone is heard.
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, Failure, Proc, become_subreaper, descendants, guarded,  # noqa: E402
                      janus_dirs, leak_check, log, private_tmpdir, start_roomcast_server)


def make_tone(path, seconds):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=441:sample_rate=44100:duration={seconds}", "-ac", "2", "-c:a", "aac",
                    path], check=True)


def interrupt(a, work):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.mp4")
    make_tone(media, 30)
    pub = Proc("publish", [a.roomcast, "publish", media, "--room", 4321], env=env)
    pub.wait_line(r"our audio stream is live", 30, "out")
    if not janus_dirs(tmp):
        raise Failure("the embedded server's private directory was not where expected")
    pub.p.send_signal(signal.SIGINT)
    rc = pub.wait(15)
    problems = []
    if rc != 130:
        problems.append(f"exit code {rc}, want 130 (interrupted)")
    if not any("left the meeting: left" in line for line in pub.out):
        problems.append("no 'left the meeting' line")
    leak_check()  # no janus (or anything else) still running
    if janus_dirs(tmp):
        problems.append(f"left behind: {', '.join(sorted(janus_dirs(tmp)))}")
    if problems:
        raise Failure("; ".join(problems) + "\n" + pub.dump())
    log("PASS interrupt: exit 130, meeting left, janus stopped, private directory removed")


def server_gone(a, work):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.mp4")
    make_tone(media, 30)
    server, url = start_roomcast_server(a.roomcast, env, 1234)
    try:
        pub = Proc("publish", [a.roomcast, "publish", media, "--server", url, "--room", 1234, "--no-reconnect"],
                   env=env)
        pub.wait_line(r"our audio stream is live", 30, "out")
        janus = [pid for pid, comm, _ in descendants(server.p.pid) if comm == "janus"]
        if len(janus) != 1:
            raise Failure(f"expected one janus under roomcast server, found {janus}")
        os.kill(janus[0], signal.SIGKILL)
        killed = time.monotonic()
        rc = pub.wait(10)
        took = time.monotonic() - killed
        problems = []
        if rc != 4:
            problems.append(f"exit code {rc}, want 4")
        want = "roomcast: error: the meeting ended: the server closed the connection"
        if not any(line.startswith(want) for line in pub.err):
            problems.append(f"no stderr line starting {want!r}")
        if problems:
            raise Failure("; ".join(problems) + "\n" + pub.dump())
        log(f"PASS server_gone: publish exited {rc} {took:.2f} s after janus was killed")
    finally:
        server.terminate()
    leak_check()


def keepalive(a, work):
    tmp, env = private_tmpdir(work)
    server, url = start_roomcast_server(a.roomcast, env, 1234, "--session-timeout", 10)
    try:
        listen = Proc("listen", [a.roomcast, "listen", "--server", url, "--room", 1234, "--duration", 180,
                                 "--json"], env=env)
        rc = listen.wait(200)
        events = [json.loads(line) for line in listen.out if line.startswith("{")]
        left = [e for e in events if e.get("event") == "meeting_left"]
        problems = []
        if rc != 0:
            problems.append(f"exit code {rc}, want 0")
        if not left or left[-1].get("reason") != "left" or left[-1].get("error"):
            problems.append(f"meeting_left {left}, want reason 'left' without error")
        reconnects = [e for e in events if e.get("event") in ("reconnecting", "error")]
        if reconnects:
            problems.append(f"the session was lost on the way: {reconnects}")
        if problems:
            raise Failure("; ".join(problems) + "\n" + listen.dump())
        server.stop(15)
        log("PASS keepalive: 180 s in a meeting with a 10 s session timeout")
    finally:
        server.terminate()
    leak_check()


def video(a, work):
    tmp, env = private_tmpdir(work)
    server, url = start_roomcast_server(a.roomcast, env, 1234)
    try:
        wav = os.path.join(work, "mix.wav")
        listen = Proc("listen", [a.roomcast, "listen", "--server", url, "--room", 1234, "--duration", 12,
                                 "--json", "--record", wav], env=env)
        listen.wait_line(r'"event":"meeting_joined"', 20, "out")
        browser = Proc("chromium", ["node", os.path.join(HERE, "browser_publisher.mjs"), "--url", url, "--room",
                                    1234, "--name", "camera", "--hz", 440, "--video", "--seconds", 6], env=env)
        rc_browser = browser.wait(60)
        listen.wait_line(r'"event":"participant_left"', 10, "out")
        rc = listen.wait(20)
        events = [json.loads(line) for line in listen.out if line.startswith("{")]
        kinds = lambda name: sorted(e["kind"] for e in events if e.get("event") == name and not e.get("local"))
        problems = []
        if rc_browser != 0:
            problems.append(f"browser publisher exited {rc_browser}")
        if rc != 0:
            problems.append(f"listen exited {rc}")
        if kinds("stream_enabled") != ["audio", "video"]:
            problems.append(f"stream_enabled kinds {kinds('stream_enabled')}, want audio and video")
        if kinds("stream_disabled") != ["audio", "video"]:
            problems.append(f"stream_disabled kinds {kinds('stream_disabled')}, want audio and video")
        sys.path.insert(0, HERE)
        import numpy as np
        import wave
        with wave.open(wav) as w:
            x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(float)
        loud = np.nonzero(np.abs(x) > 1000)[0]
        seg = x[loud[0]:loud[-1]] if len(loud) else x
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        k = int(np.argmax(spec))
        hz = k * 48000 / len(seg)
        if abs(hz - 440) > 1:
            problems.append(f"recorded audio at {hz:.2f} Hz, want 440 ± 1")
        if problems:
            raise Failure("; ".join(problems) + "\n" + listen.dump() + "\n" + browser.dump())
        log(f"PASS video: streams {kinds('stream_enabled')} enabled and disabled, audio at {hz:.2f} Hz")
        server.stop(15)
    finally:
        server.terminate()
    leak_check()


def example(a, work):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.mp4")
    make_tone(media, 4)
    server, url = start_roomcast_server(a.roomcast, env, 1234)
    try:
        listener = Proc("aiortc", [PY, os.path.join(HERE, "aiortc_listener.py"), "--url", url, "--room", 1234,
                                   "--seconds", 6, "--timeout", 30], env=env)
        seed_env = dict(env, ROOMCAST_SERVER=url, ROOMCAST_MEETING_ID="1234", ROOMCAST_NAME="seed example")
        seed = Proc("file_to_meeting", [a.example, media], env=seed_env)
        rc = seed.wait(30)
        listener.wait(40)
        order = [line.split(":")[0] for line in seed.out if line.startswith("on_")]
        # (aiortc subscribes without joining as a participant, so no on_participant_joined.)
        want = ["on_meeting_joined", "on_stream_enabled", "on_stream_disabled", "on_meeting_left"]
        problems = []
        if rc != 0:
            problems.append(f"exit code {rc}")
        if [o for o in order if o != "on_participant_joined"] != want:
            problems.append(f"handler calls {order}, want {want}")
        if not any("on_meeting_left: end of stream" in line for line in seed.out):
            problems.append("the meeting did not end at end of stream")
        figures = json.loads([line for line in listener.out if line.startswith("{")][-1])
        hz = figures.get("dominantHz", 0)
        if abs(hz - 441) > 1:
            problems.append(f"listener heard {hz} Hz, want 441 ± 1")
        log(f"example: handlers {order}; listener {hz:.2f} Hz, heard {figures.get('heardSeconds')} s")
        if problems:
            raise Failure("; ".join(problems) + "\n" + seed.dump() + "\n" + listener.dump())
        server.stop(15)
    finally:
        server.terminate()
    leak_check()
    log("PASS example")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--example", help="path of the file_to_meeting example binary")
    ap.add_argument("--case", required=True, choices=["interrupt", "server_gone", "keepalive", "video", "example"])
    a = ap.parse_args()
    become_subreaper()
    work = tempfile.mkdtemp(prefix="roomcast-e2e-")
    cases = {"interrupt": interrupt, "server_gone": server_gone, "keepalive": keepalive, "video": video,
             "example": example}
    try:
        return guarded(cases[a.case], a, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
