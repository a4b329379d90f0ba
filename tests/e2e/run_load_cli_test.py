#!/usr/bin/python3
# E2E of `roomcast load` as a command: its usage and input errors (exact text, exit code,
# nothing started), and Ctrl-C in the middle of a run: everyone leaves, Janus lists nobody.
# Run under netns.sh:  run_load_cli_test.py --roomcast BIN --media FILE
import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import Failure, Proc, become_subreaper, guarded, leak_check, log, start_roomcast_server  # noqa: E402
from janus_client import JanusClient  # noqa: E402

ROOM = 1234


def check_refusals(a):
    cases = [
        (["--participants", "2", "--encode", "twice"], 2, "roomcast: --encode takes shared or each, got 'twice'"),
        (["--participants", "2", "--fec", "sometimes"], 2,
         "roomcast: error: --fec is 'sometimes'; use adaptive (the default), on or off"),
        (["--participants", "2", "--ramp", "0"], 2, "roomcast: --ramp needs joins per second above 0"),
        (["--participants", "2.5"], 2, "roomcast: --participants needs a whole number of at least 0, got 2.5"),
        ([], 2, "roomcast: load needs --participants N"),
    ]
    for extra, code, text in cases:
        r = subprocess.run([a.roomcast, "load", a.media, *extra], capture_output=True, text=True, timeout=30)
        first = r.stderr.splitlines()[0] if r.stderr else ""
        if r.returncode != code or not first.startswith(text):
            raise Failure(f"load {' '.join(extra)}: expected exit {code} and '{text}...', got {r.returncode}: {r.stderr!r}")
    r = subprocess.run([a.roomcast, "load", a.media, "--participants", "2", "--video"], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 3 or "has no video stream to send with --video" not in r.stderr:
        raise Failure(f"--video with an audio-only FILE must fail with exit 3 saying so, got {r.returncode}: {r.stderr!r}")
    r = subprocess.run([a.roomcast, "load", "/nonexistent/song.mp3", "--participants", "2"], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 3 or "/nonexistent/song.mp3" not in r.stderr:
        raise Failure(f"a missing FILE must fail with exit 3 naming it, got {r.returncode}: {r.stderr!r}")
    r = subprocess.run([a.roomcast, "load", a.media, "--participants", "2", "--shard", "2/2"], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 2 or "--shard 2/2" not in r.stderr:
        raise Failure(f"--shard 2/2 must be refused naming it, got {r.returncode}: {r.stderr!r}")
    log("refusals: exact texts and exit codes")


async def participants(url):
    client = JanusClient()
    await client.connect(url)
    try:
        await client.create_session()
        handle = await client.attach()
        data, _ = await client.message(handle, {"request": "listparticipants", "room": ROOM})
        return [p.get("display") for p in data.get("participants", [])]
    finally:
        await client.close()


def wait_participants(url, want, timeout):
    deadline = time.monotonic() + timeout
    while True:
        names = asyncio.run(participants(url))
        if want(names):
            return names
        if time.monotonic() >= deadline:
            raise Failure(f"Janus lists {len(names)} participants: {names}")
        time.sleep(0.25)  # polling an external server's list, bounded by the deadline


def interrupt_leaves_everyone(a):
    server, url = start_roomcast_server(a.roomcast, None, str(ROOM))
    try:
        load = Proc("load", [a.roomcast, "load", a.media, "--participants", 6, "--listeners", 1, "--server", url,
                             "--duration", 120, "--json"])
        names = wait_participants(url, lambda n: len([x for x in n if x and x.startswith("load-run-")]) == 7, 30)
        log(f"in the room: {sorted(names)}")
        load.p.send_signal(signal.SIGINT)
        code = load.wait(30)
        if code != 130:
            raise Failure(f"load after Ctrl-C: expected exit 130, got {code}\n{load.dump()}")
        left = wait_participants(url, lambda n: not [x for x in n if x and x.startswith("load-run-")], 10)
        log(f"after Ctrl-C Janus lists {left}")
        if not any(line.startswith('{"cpu_percent_per_participant"') or '"type":"summary"' in line
                   for line in load.out):
            raise Failure(f"no summary after Ctrl-C\n{load.dump()}")
    finally:
        server.terminate()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--media", required=True)
    a = ap.parse_args()
    become_subreaper()
    check_refusals(a)
    interrupt_leaves_everyone(a)
    leak_check()


if __name__ == "__main__":
    sys.exit(guarded(main))
