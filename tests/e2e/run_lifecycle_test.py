#!/usr/bin/python3
# Lifecycle of the embedded server and of the seed example, inside netns.sh:
#   interrupt: `roomcast publish` (embedded Janus) is live, then Ctrl-C: it leaves the
#              meeting, exits 130, and no janus process or private directory remains.
#   server_gone: the Janus under `roomcast server` is killed while `roomcast publish` plays:
#              publish says so and exits 4 within seconds, leaving nothing running.
#   keepalive: a listener stays 40 s in a meeting on a server that ends sessions idle for
#              30 s: only its keepalives keep it in (it must leave by itself, exit 0).
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
from e2e_util import (HERE, PY, Failure, Proc, become_subreaper, descendants, janus_dirs,  # noqa: E402
                      leak_check, log, private_tmpdir)


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
    server = Proc("server", [a.roomcast, "server", "--room", 1234], env=env)
    try:
        url = server.wait_line(r"^roomcast server: (ws://\S+) room", 20, "out").group(1)
        pub = Proc("publish", [a.roomcast, "publish", media, "--server", url, "--room", 1234], env=env)
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
    server = Proc("server", [a.roomcast, "server", "--room", 1234, "--session-timeout", 30], env=env)
    try:
        url = server.wait_line(r"^roomcast server: (ws://\S+) room", 20, "out").group(1)
        listen = Proc("listen", [a.roomcast, "listen", "--server", url, "--room", 1234, "--duration", 40,
                                 "--json"], env=env)
        rc = listen.wait(60)
        events = [json.loads(line) for line in listen.out if line.startswith("{")]
        left = [e for e in events if e.get("event") == "meeting_left"]
        problems = []
        if rc != 0:
            problems.append(f"exit code {rc}, want 0")
        if not left or left[-1].get("reason") != "left" or left[-1].get("error"):
            problems.append(f"meeting_left {left}, want reason 'left' without error")
        if problems:
            raise Failure("; ".join(problems) + "\n" + listen.dump())
        server.stop(15)
        log("PASS keepalive: 40 s in a meeting with a 30 s session timeout")
    finally:
        server.terminate()
    leak_check()


def example(a, work):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.mp4")
    make_tone(media, 4)
    server = Proc("server", [a.roomcast, "server", "--room", 1234], env=env)
    try:
        url = server.wait_line(r"^roomcast server: (ws://\S+) room", 20, "out").group(1)
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
    ap.add_argument("--case", required=True, choices=["interrupt", "server_gone", "keepalive", "example"])
    a = ap.parse_args()
    become_subreaper()
    work = tempfile.mkdtemp(prefix="roomcast-e2e-")
    try:
        {"interrupt": interrupt, "server_gone": server_gone, "keepalive": keepalive,
         "example": example}[a.case](a, work)
    except Failure as e:
        log(f"FAILED: {e}")
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
