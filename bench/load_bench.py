#!/usr/bin/python3
# `roomcast load` at N = 1 .. 500 participants in ONE process (shared and per-participant
# encode) and aiortc publishers (one process each, MediaPlayer) at 1, 10 and the largest N
# it holds, side by side on the same machine and Janus build; each point on a fresh
# `roomcast server`, judged by one roomcast listener. Prints a markdown table; asserts nothing.
# Run under the namespace:  tests/e2e/netns.sh /usr/bin/python3 bench/load_bench.py --roomcast build/roomcast
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(BENCH), "tests", "e2e")
sys.path.insert(0, E2E)
sys.path.insert(0, BENCH)
from e2e_util import PY, Failure, Proc, become_subreaper, descendants, guarded, json_lines, log, need  # noqa: E402
from publish_bench import cpu_seconds, make_tone, status_kib  # noqa: E402

ROOM = 1234
PER_ROOM = 50  # publishers per room: one listener judges one room of 50


def server(a, rooms, publishers):
    ids = ",".join(str(ROOM + i) for i in range(rooms))
    proc = Proc("server", [a.roomcast, "server", "--room", ids, "--publishers", publishers])
    url = proc.wait_line(r"^roomcast server: (ws://\S+) room", 30, "out").group(1)
    janus = [pid for pid, comm, _ in descendants(proc.p.pid) if comm.startswith("janus")]
    if len(janus) != 1:
        raise Failure(f"expected one janus under roomcast server, found {janus}")
    return proc, url, janus[0]


def judge(a, url, seconds):
    """One roomcast listener (its own process) in the first room: what the room sounds like."""
    return Proc("judge", [a.roomcast, "load", a.media, "--participants", 0, "--listeners", 1, "--server", url,
                          "--room", ROOM, "--duration", seconds, "--json", "--run", "judge"])


def judge_figures(proc):
    proc.wait(60)
    rec = [r for r in json_lines(proc.out) if r.get("type") == "participant"]
    if not rec:
        return {}
    r = rec[0]
    played = r.get("frames_played") or 0
    return {"streams": r.get("streams"), "concealedPct": round(100 * (r.get("frames_concealed") or 0) / played, 2)
            if played else None, "lossPct": round(100 * (r.get("packets_lost") or 0) /
                                                  max(1, (r.get("packets_received") or 0) + (r.get("packets_lost") or 0)), 2)}


def roomcast_point(a, n, encode):
    rooms = max(1, (n + PER_ROOM - 1) // PER_ROOM)
    srv, url, janus = server(a, rooms, PER_ROOM + 10)
    try:
        ramp_s = n / a.ramp
        j = judge(a, url, ramp_s + a.seconds + 4)
        time.sleep(1.0)  # the judge is in the room before the first publisher
        load = Proc(f"load {n} {encode}", [a.roomcast, "load", a.media, "--participants", n, "--server", url,
                                          "--rooms", rooms, "--encode", encode, "--ramp", a.ramp,
                                          "--duration", a.seconds, "--janus-pid", janus, "--json"])
        load.wait(ramp_s + a.seconds + 120)
        recs = json_lines(load.out)
        summary = next((r for r in recs if r.get("type") == "summary"), {})
        process = next((r for r in recs if r.get("type") == "process"), {})
        fig = {"side": "roomcast", "encode": encode, "n": n, "rooms": rooms, "exit": load.p.returncode,
               "cpuPctPerParticipant": summary.get("cpu_percent_per_participant"),
               "rssMiBPerParticipant": round((summary.get("rss_bytes_per_participant") or 0) / 2**20, 2),
               "processCpuPct": process.get("cpu_percent"), "joined": summary.get("joined"),
               "joinP50ms": (summary.get("join_ms") or {}).get("p50"),
               "joinP99ms": (summary.get("join_ms") or {}).get("p99"),
               "firstRtpP50ms": (summary.get("first_rtp_ms") or {}).get("p50"),
               "lateFrames": summary.get("late_frames"), "framesSent": summary.get("frames_sent"),
               "janusCpuPct": process.get("janus_cpu_percent")}
        fig.update(judge_figures(j))
        return fig
    finally:
        srv.terminate()


def aiortc_point(a, n):
    srv, url, janus = server(a, 1, n + 10)
    peers = []
    try:
        j = judge(a, url, 600)
        time.sleep(1.0)
        t_start = []
        for i in range(n):
            t0 = time.monotonic()
            p = Proc(f"aiortc {i}", [PY, os.path.join(E2E, "aiortc_publisher.py"), a.media, "--server", url,
                                     "--room", ROOM, "--name", f"aiortc-{i}", "--timeout", 60])
            peers.append(p)
            p.wait_line(r'"event": ?"publishing"', 60, "out")
            t_start.append(time.monotonic() - t0)
        time.sleep(2.0)  # settle, as roomcast load does
        pids = [p.p.pid for p in peers]
        c0 = {pid: cpu_seconds(pid) for pid in pids}
        j0, t0 = cpu_seconds(janus), time.monotonic()
        time.sleep(a.seconds)  # the timed window
        wall = time.monotonic() - t0
        cpu = sum(cpu_seconds(pid) - c0[pid] for pid in pids)
        rss = sum(status_kib(pid, "VmRSS")[0] for pid in pids) * 1024
        janus_pct = 100 * (cpu_seconds(janus) - j0) / wall
        for p in peers:
            p.stop()
        j.stop()  # SIGTERM: the judge leaves and reports
        fig = {"side": "aiortc", "encode": "each", "n": n, "rooms": 1, "exit": 0,
               "cpuPctPerParticipant": round(100 * cpu / wall / n, 3), "rssMiBPerParticipant": round(rss / n / 2**20, 2),
               "processCpuPct": round(100 * cpu / wall, 1), "joined": n,
               "joinP50ms": round(1000 * sorted(t_start)[len(t_start) // 2], 1),
               "joinP99ms": round(1000 * max(t_start), 1), "firstRtpP50ms": None, "lateFrames": None,
               "framesSent": None, "janusCpuPct": round(janus_pct, 1)}
        fig.update(judge_figures(j))
        return fig
    finally:
        for p in peers:
            if p.p.poll() is None:
                p.kill()
        srv.terminate()


def listener_point(a, n):
    """One listener process in a room of n roomcast publishers (another process): its CPU
    per received stream, decoding every stream (a counting sink on each)."""
    srv, url, janus = server(a, 1, n + 10)
    try:
        pubs = Proc(f"load {n} publishers", [a.roomcast, "load", a.media, "--participants", n, "--server", url,
                                             "--ramp", a.ramp, "--duration", n / a.ramp + a.seconds + 30, "--json"])
        time.sleep(n / a.ramp + 3)  # the publishers' ramp, then settling; a timed bench step
        lst = Proc("listener", [a.roomcast, "load", a.media, "--participants", 0, "--listeners", 1, "--server", url,
                                "--duration", a.seconds + 2, "--json", "--run", "listener"])
        lst.wait(a.seconds + 60)
        recs = json_lines(lst.out)
        process = next((r for r in recs if r.get("type") == "process"), {})
        part = next((r for r in recs if r.get("type") == "participant"), {})
        pubs.stop(60, signal.SIGINT)
        played = part.get("frames_played") or 0
        return {"side": "roomcast", "mode": "listener", "publishers": n, "streams": part.get("streams"),
                "cpuPct": round(process.get("cpu_percent") or 0, 2),
                "cpuPctPerStream": round((process.get("cpu_percent") or 0) / max(1, part.get("streams") or 1), 3),
                "rssMiB": round((process.get("rss_bytes") or 0) / 2**20, 1),
                "concealedPct": round(100 * (part.get("frames_concealed") or 0) / played, 2) if played else None}
    finally:
        srv.terminate()


def r(x, digits):
    return "-" if x is None else round(x, digits)


def table(figs):
    rows = ["| side | encode | N | rooms | CPU % of a core / participant | RSS MiB / participant | process CPU % | "
            "join p50 / p99 ms | first RTP p50 ms | late frames | Janus CPU % | judge: streams, concealed % |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for f in figs:
        rows.append(f"| {f['side']} | {f['encode']} | {f['n']} | {f['rooms']} | {r(f['cpuPctPerParticipant'], 3)} | "
                    f"{r(f['rssMiBPerParticipant'], 2)} | {r(f['processCpuPct'], 1)} | "
                    f"{r(f['joinP50ms'], 0)} / {r(f['joinP99ms'], 0)} | {r(f['firstRtpP50ms'], 0)} | "
                    f"{f['lateFrames'] if f['lateFrames'] is not None else '-'} | {r(f['janusCpuPct'], 1)} | "
                    f"{f.get('streams')}, {f.get('concealedPct')} |")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description="roomcast load vs aiortc publishers, N participants")
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--n", default="1,10,100,300,500", help="roomcast participant counts")
    ap.add_argument("--encode", default="shared,each")
    ap.add_argument("--aiortc", default="1,10,30", help="aiortc publisher counts ('' to skip)")
    ap.add_argument("--listener", type=int, default=50, help="publishers in the listener point (0 skips it)")
    ap.add_argument("--seconds", type=float, default=20, help="steady window per point")
    ap.add_argument("--ramp", type=float, default=50)
    ap.add_argument("--media", help="file to publish (default: a generated 441 Hz AAC tone, 10 min)")
    ap.add_argument("--json", action="store_true", help="also print every point as a JSON line")
    a = ap.parse_args()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", PY])
    become_subreaper()
    tmp = tempfile.mkdtemp(prefix="roomcast-bench-")
    if not a.media:
        a.media = os.path.join(tmp, "tone.mp4")
        make_tone(a.media, 44100, 600)
    figs = []
    for n in [int(x) for x in a.n.split(",") if x]:
        for encode in a.encode.split(","):
            log(f"== roomcast N={n} encode={encode}")
            figs.append(roomcast_point(a, n, encode))
            log(json.dumps(figs[-1]))
    for n in [int(x) for x in a.aiortc.split(",") if x]:
        log(f"== aiortc N={n}")
        figs.append(aiortc_point(a, n))
        log(json.dumps(figs[-1]))
    listener = None
    if a.listener:
        log(f"== roomcast listener in a room of {a.listener}")
        listener = listener_point(a, a.listener)
        log(json.dumps(listener))
    print(table(figs))
    if listener:
        print(f"\nListener: one `roomcast load --listeners 1` process in a room of {listener['publishers']} publishers "
              f"(one subscription, {listener['streams']} streams decoded): {listener['cpuPct']} % of a core, "
              f"{listener['cpuPctPerStream']} % per received stream, RSS {listener['rssMiB']} MiB, "
              f"{listener['concealedPct']} % concealed")
    if a.json:
        for f in figs + ([listener] if listener else []):
            print(json.dumps(f))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(guarded(main))
