#!/usr/bin/python3
# E2E: one load run split over two processes. Inside netns.sh, against `roomcast server`:
#   roomcast load FILE --participants 6 --shard 0/2 ... and --shard 1/2, concurrently, into
#   one room; each must join its 3 publishers; then `roomcast report out0.jsonl out1.jsonl
#   --json` must merge them into 6 publishers, 0 failed, two shards, no duplicate names and
#   6 x duration x 50 frames sent. `roomcast report` error handling is checked first (it
#   needs no server). Exits 77 (skipped) while `roomcast load` does not exist yet.
#   run_load_shard_test.py --roomcast BIN [--duration S]
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (SKIP, Failure, Proc, in_work_dir, leak_check, log,  # noqa: E402
                      need, private_tmpdir, start_roomcast_server)

ROOM = 1234
PUBLISHERS = 6
SHARDS = 2
FRAMES_PER_S = 50  # 20 ms Opus frames
# Each publisher sends for --duration seconds after it is live: allow 1 s less (joins are
# ramped, the first frames wait for ICE/DTLS) and 0.5 s more (the lead-in, leaving).
SLACK_BELOW_S = 1.0
SLACK_ABOVE_S = 0.5


def make_tone(path, seconds):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=441:sample_rate=44100:duration={seconds}", "-ac", "2", "-c:a", "aac",
                    path], check=True)


def json_objects(lines):
    objects = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects


def report_errors(a, work):
    """`roomcast report` on a missing file (exit 3), no files (exit 2), a malformed record (exit 3)."""
    problems = []
    missing = os.path.join(work, "no-such-shard.jsonl")
    r = subprocess.run([a.roomcast, "report", missing], capture_output=True, text=True, timeout=30)
    want = f"roomcast: error: cannot open '{missing}': No such file or directory"
    if r.returncode != 3 or not r.stderr.startswith(want):
        problems.append(f"missing file: exit {r.returncode}, stderr {r.stderr!r}; want 3 and {want!r}...")
    r = subprocess.run([a.roomcast, "report"], capture_output=True, text=True, timeout=30)
    if r.returncode != 2 or "report needs FILE" not in r.stderr:
        problems.append(f"no files: exit {r.returncode}, stderr {r.stderr!r}; want 2 and 'report needs FILE'")
    bad = os.path.join(work, "bad.jsonl")
    with open(bad, "w") as f:
        f.write("a log line\n" + json.dumps({"type": "participant", "shard": "0/1", "name": "x",
                                              "role": "publisher", "joined": "yes"}) + "\n")
    r = subprocess.run([a.roomcast, "report", bad], capture_output=True, text=True, timeout=30)
    want = f"roomcast: error: {bad}:2: participant record: field 'joined' must be true or false"
    if r.returncode != 3 or not r.stderr.startswith(want):
        problems.append(f"malformed record: exit {r.returncode}, stderr {r.stderr!r}; want 3 and {want!r}...")
    if problems:
        raise Failure("; ".join(problems))
    log("report errors: missing file 3, no files 2, malformed record 3 (file:line named)")


def check_shard(index, proc, rc):
    """One shard's own output: exit 0, 3 joined publishers with distinct names, a process record."""
    objects = json_objects(proc.out)
    participants = [o for o in objects if o.get("type") == "participant"]
    processes = [o for o in objects if o.get("type") == "process"]
    shard = f"{index}/{SHARDS}"
    want = PUBLISHERS // SHARDS
    problems = []
    if rc != 0:
        problems.append(f"shard {shard} exited {rc}")
    publishers = [p for p in participants if p.get("role") == "publisher"]
    if len(publishers) != want:
        problems.append(f"shard {shard}: {len(publishers)} publisher records, want {want}")
    not_joined = [f"{p.get('name')}: {p.get('error')}" for p in publishers if not p.get("joined")]
    if not_joined:
        problems.append(f"shard {shard}: not joined: {not_joined}")
    if any(p.get("shard") != shard for p in participants):
        problems.append(f"shard {shard}: records name other shards: {sorted({p.get('shard') for p in participants})}")
    if len({p.get("name") for p in publishers}) != len(publishers):
        problems.append(f"shard {shard}: duplicate names in one shard")
    if len(processes) != 1 or processes[0].get("publishers") != want:
        problems.append(f"shard {shard}: process records {processes}, want one with publishers {want}")
    return problems


def load_shards(a, work):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.mp4")
    make_tone(media, a.duration + 10)  # longer than --duration: the duration decides
    server, url = start_roomcast_server(a.roomcast, env, ROOM)
    try:
        shards = []
        for index in range(SHARDS):
            shards.append(Proc(f"load{index}", [a.roomcast, "load", media, "--participants", PUBLISHERS,
                                                "--shard", f"{index}/{SHARDS}", "--json", "--duration", a.duration,
                                                "--server", url, "--room", ROOM], env=env))
        rcs = [proc.wait(a.duration + 90) for proc in shards]
        outputs = []
        problems = []
        for index, (proc, rc) in enumerate(zip(shards, rcs)):
            path = os.path.join(work, f"out{index}.jsonl")
            with open(path, "w") as f:
                f.write("\n".join(proc.out) + "\n")
            outputs.append(path)
            problems += check_shard(index, proc, rc)
        if problems:
            raise Failure("; ".join(problems) + "\n" + "\n".join(proc.dump() for proc in shards))

        r = subprocess.run([a.roomcast, "report", *outputs, "--json"], capture_output=True, text=True, timeout=30)
        summaries = [o for o in json_objects(r.stdout.splitlines()) if o.get("type") == "summary"]
        if r.returncode != 0 or len(summaries) != 1:
            raise Failure(f"roomcast report exited {r.returncode} with {len(summaries)} summary lines\n"
                          f"stdout: {r.stdout}\nstderr: {r.stderr}")
        s = summaries[0]
        frames = s.get("frames_sent", 0)
        low = PUBLISHERS * (a.duration - SLACK_BELOW_S) * FRAMES_PER_S
        high = PUBLISHERS * (a.duration + SLACK_ABOVE_S) * FRAMES_PER_S
        pubs = s.get("publishers", {})
        if pubs.get("seen") != PUBLISHERS or pubs.get("joined") != PUBLISHERS or pubs.get("planned") != PUBLISHERS:
            problems.append(f"publishers {pubs}, want {PUBLISHERS} planned, seen and joined")
        if s.get("failed") != 0 or s.get("dropped") != 0:
            problems.append(f"failed {s.get('failed')}, dropped {s.get('dropped')}: {s.get('errors')}")
        if s.get("shards", {}).get("seen") != SHARDS or s.get("shards", {}).get("missing"):
            problems.append(f"shards {s.get('shards')}, want {SHARDS} seen and none missing")
        if s.get("duplicates", {}).get("names") != 0:
            problems.append(f"duplicate names {s.get('duplicates')}")
        if not low <= frames <= high:
            problems.append(f"frames_sent {frames}, want {low:.0f}..{high:.0f} "
                            f"({PUBLISHERS} x {a.duration} s x {FRAMES_PER_S}, -{SLACK_BELOW_S}/+{SLACK_ABOVE_S} s)")
        text = subprocess.run([a.roomcast, "report", *outputs], capture_output=True, text=True, timeout=30)
        if text.returncode != 0 or "publishers" not in text.stdout:
            problems.append(f"roomcast report (text) exited {text.returncode}: {text.stdout}{text.stderr}")
        if problems:
            raise Failure("; ".join(problems) + "\n" + json.dumps(s, indent=1))
        log(f"report: {pubs}, {frames} frames sent, join p50 {s.get('join_ms', {}).get('p50')} ms, "
            f"CPU/participant {s.get('cpu_percent_per_participant')} %\n{text.stdout}")
        server.stop(15)
    finally:
        server.terminate()
    leak_check()
    log(f"PASS load shards: {SHARDS} processes, {PUBLISHERS} publishers, one merged report")


def run(a, work):
    report_errors(a, work)
    probe = subprocess.run([a.roomcast, "load", "--help"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        log(f"SKIP: 'roomcast load --help' exited {probe.returncode}: the load command is not built yet "
            f"({(probe.stderr or probe.stdout).strip()[:200]})")
        sys.exit(SKIP)
    load_shards(a, work)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True, help="path of the roomcast binary")
    ap.add_argument("--duration", type=int, default=5, help="seconds each shard publishes")
    a = ap.parse_args()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg"])
    return in_work_dir(run, a, "roomcast-e2e-")


if __name__ == "__main__":
    sys.exit(main())
