#!/usr/bin/python3
# Messages through Janus VideoRoom's data channels (inside tests/e2e/netns.sh): `roomcast publish
# --send-stdin` to `roomcast listen --json`, one embedded Janus.
#   latency: --paced messages at --rate per second, each carrying the moment this script wrote
#            it to the sender's stdin (CLOCK_REALTIME, ns); the listener's line read here is the
#            arrival. p50 / p99 / max, and how many arrived.
#   throughput: --burst messages written at once; messages per second from the first write to
#            the last arrival, and whether all arrived in order.
# Then the same with aiortc's RTCDataChannel (aiortc_messages.py) against the same Janus.
#   tests/e2e/netns.sh /usr/bin/python3 bench/messages_bench.py --roomcast build/roomcast
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "tests", "e2e"))
from e2e_util import PY, Failure, become_subreaper, guarded, leak_check, log, need, start_roomcast_server  # noqa: E402

ROOM = "1234"


class Listener:
    """`roomcast listen --json`: each message line with the time it was read."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.arrivals = []  # (time_ns, message dict)
        self.joined = threading.Event()
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            t = time.time_ns()
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == "meeting_joined":
                self.joined.set()
            if e.get("event") == "message":
                with self.cond:
                    self.arrivals.append((t, e))
                    self.cond.notify_all()

    def wait_count(self, topic, n, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len([1 for _, e in self.arrivals if e.get("topic") == topic]) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def of(self, topic):
        with self.cond:
            return [(t, e) for t, e in self.arrivals if e.get("topic") == topic]


def stop(proc):
    """Ctrl-C: the publisher leaves (its file would play on)."""
    proc.stdin.close()
    proc.send_signal(signal.SIGINT)
    proc.wait(15)


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def run(a, work):
    tone = os.path.join(work, "tone.wav")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=600", "-ar", "48000", "-ac", "1", tone], check=True)
    server, url = start_roomcast_server(a.roomcast, None, ROOM)
    listener = sender = None
    try:
        listener = Listener([a.roomcast, "listen", "--server", url, "--room", ROOM, "--json"])
        if not listener.joined.wait(30):
            raise Failure("the listener did not join within 30 s")
        sender = subprocess.Popen([a.roomcast, "publish", tone, "--server", url, "--room", ROOM, "--quiet",
                                   "--json", "--send-stdin", "probe"], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 30
        while not listener.of("probe"):  # until the listener takes the sender's data stream
            if time.monotonic() > deadline:
                raise Failure("no message reached the listener within 30 s")
            sender.stdin.write("probe\n")
            sender.stdin.flush()
            time.sleep(0.2)
        stop(sender)

        def new_sender(topic):
            return subprocess.Popen([a.roomcast, "publish", tone, "--server", url, "--room", ROOM, "--quiet",
                                     "--json", "--send-stdin", topic], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)

        # Latency: one sender per phase, warmed up by a probe of its own.
        sender = new_sender("paced")
        deadline = time.monotonic() + 30
        while not listener.of("paced"):
            if time.monotonic() > deadline:
                raise Failure("the paced sender's probe did not arrive within 30 s")
            sender.stdin.write("warm\n")
            sender.stdin.flush()
            time.sleep(0.2)
        warm = len(listener.of("paced"))
        start = time.monotonic()
        for i in range(a.paced):
            delay = start + i / a.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sender.stdin.write(f"{i} {time.time_ns()}\n")
            sender.stdin.flush()
        listener.wait_count("paced", warm + a.paced, 30)
        lat = sorted((t - int(e["text"].split()[1])) / 1e6 for t, e in listener.of("paced")
                     if e["text"][0].isdigit())
        paced_got = len(lat)
        stop(sender)

        # Throughput: everything written at once.
        sender = new_sender("burst")
        deadline = time.monotonic() + 30
        while not listener.of("burst"):
            if time.monotonic() > deadline:
                raise Failure("the burst sender's probe did not arrive within 30 s")
            sender.stdin.write("warm\n")
            sender.stdin.flush()
            time.sleep(0.2)
        warm = len(listener.of("burst"))
        first = time.time_ns()
        sender.stdin.write("".join(f"n{i}\n" for i in range(a.burst)))
        sender.stdin.flush()
        listener.wait_count("burst", warm + a.burst, 60)
        got = [(t, e["text"]) for t, e in listener.of("burst") if e["text"].startswith("n")]
        in_order = [text for _, text in got] == [f"n{i}" for i in range(a.burst)]
        seconds = (got[-1][0] - first) / 1e9 if got else float("nan")
        stop(sender)
        result = {
            "paced": {"sent": a.paced, "rate_per_s": a.rate, "arrived": paced_got,
                      "latency_ms_p50": round(percentile(lat, 50), 2) if lat else None,
                      "latency_ms_p99": round(percentile(lat, 99), 2) if lat else None,
                      "latency_ms_max": round(lat[-1], 2) if lat else None},
            "burst": {"sent": a.burst, "arrived": len(got), "in_order": in_order,
                      "seconds": round(seconds, 3), "messages_per_s": round(len(got) / seconds) if got else 0},
        }
        print(json.dumps({"bench": "messages", "path": "roomcast publish -> Janus -> roomcast listen", **result}))
        # The same through aiortc's RTCDataChannel (one process, callbacks: no CLI in its figure).
        aio = subprocess.run([PY, os.path.join(BENCH, "aiortc_messages.py"), "--server", url, "--room", ROOM,
                              "--paced", str(a.paced), "--rate", str(a.rate), "--burst", str(a.burst)],
                             capture_output=True, text=True, timeout=180)
        line = next((l for l in aio.stdout.splitlines() if l.startswith("{")), None)
        if aio.returncode != 0 or not line:
            raise Failure(f"aiortc_messages.py failed ({aio.returncode}):\n{aio.stderr[-2000:]}")
        print(json.dumps({"bench": "messages", "path": "aiortc RTCDataChannel -> Janus -> aiortc", **json.loads(line)}))
        r, o = result, json.loads(line)
        print(json.dumps({"bench": "messages", "ratio": {
            "throughput_roomcast_over_aiortc": round(r["burst"]["messages_per_s"] / max(1, o["burst"]["messages_per_s"]), 2),
            "p99_latency_aiortc_over_roomcast": round((o["paced"]["latency_ms_p99"] or 0) /
                                                      max(0.001, r["paced"]["latency_ms_p99"] or 0), 2)}}))
    finally:
        for p in (sender, listener.p if listener else None):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        server.terminate()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--paced", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--burst", type=int, default=5000)
    a = ap.parse_args()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg"])
    become_subreaper()
    with tempfile.TemporaryDirectory(prefix="rc-msgbench-") as work:
        rc = guarded(run, a, work)
    leak_check()
    return rc


if __name__ == "__main__":
    sys.exit(main())
