#!/usr/bin/python3
"""N meetings sharing one FileAudioTrack, created from Python vs from C++: what each costs.

    tests/e2e/netns.sh /usr/bin/python3 bench/python_meetings.py --build build [--meetings 50] [--stay 10]

Each side gets a fresh `roomcast server`; the C++ side is tests/e2e/engine_e2e.cpp
(`roomcast-engine-e2e`), the Python side this file's --child mode (the roomcast module from
BUILD/python), both joining from 4 threads, staying --stay seconds, then leaving. The
figures are the process's own CPU (user + sys, from wait4) over its whole life, its peak RSS
and the frames its meetings sent. Prints a table; asserts nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))


def child(a):
    import roomcast
    track = roomcast.FileAudioTrack(a.file)
    meetings = [roomcast.init_meeting(meeting_id="1234", name=f"py{i:03d}", server_url=a.url, auto_subscribe=False,
                                      custom_microphone_audio_track=track) for i in range(a.meetings)]
    todo = list(meetings)
    lock = threading.Lock()

    def joiner():
        while True:
            with lock:
                if not todo:
                    return
                m = todo.pop()
            m.join()

    threads = [threading.Thread(target=joiner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(a.stay)
    frames = sum(m.publish_stats().frames_sent for m in meetings)
    for m in meetings:
        m.close()
    print(json.dumps({"joined": len(meetings), "frames_sent": frames}), flush=True)


def measure(argv, env):
    started = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    return {"rc": os.waitstatus_to_exitcode(status), "wall_s": time.monotonic() - started,
            "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024, "out": out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--meetings", type=int, default=50)
    ap.add_argument("--stay", type=float, default=10)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a)
    from e2e_util import become_subreaper, start_roomcast_server
    become_subreaper()
    work = tempfile.mkdtemp(prefix="roomcast-pybench-")
    tone = os.path.join(work, "tone.mp4")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=441:sample_rate=44100:duration={a.stay + 30}", "-c:a", "aac", tone], check=True)
    env = dict(os.environ, TMPDIR=work, PYTHONPATH=os.path.join(a.build, "python"))
    sides = {
        "C++": [os.path.join(a.build, "tests", "roomcast-engine-e2e"), "--room", "1234", "--file", tone, "--meetings",
                str(a.meetings), "--threads", "4", "--stay", str(a.stay), "--name", "cpp"],
        "Python": [sys.executable, os.path.abspath(__file__), "--child", "--file", tone, "--meetings",
                   str(a.meetings), "--stay", str(a.stay)],
    }
    results = {}
    try:
        run_sides(a, sides, env, results, start_roomcast_server)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{a.meetings} meetings sharing one FileAudioTrack, {a.stay:g} s each")
    print(f"{'':8} {'exit':>4} {'wall s':>7} {'CPU s':>7} {'CPU %':>6} {'peak RSS MB':>11}")
    for side, r in results.items():
        print(f"{side:8} {r['rc']:>4} {r['wall_s']:>7.1f} {r['cpu_s']:>7.2f} {100 * r['cpu_s'] / r['wall_s']:>6.1f} "
              f"{r['max_rss_mb']:>11.1f}")
    if results["C++"]["cpu_s"] > 0:
        print(f"Python / C++ CPU: {results['Python']['cpu_s'] / results['C++']['cpu_s']:.2f}")
    return 0


def run_sides(a, sides, env, results, start_roomcast_server):
    for side, argv in sides.items():
        server, url = start_roomcast_server(os.path.join(a.build, "roomcast"), env, 1234, "--publishers",
                                            a.meetings + 10)
        try:
            argv = argv[:1] + (["--server", url] if side == "C++" else []) + argv[1:] + (
                ["--url", url] if side == "Python" else [])
            results[side] = measure(argv, env)
        finally:
            server.terminate()


if __name__ == "__main__":
    sys.exit(main())
