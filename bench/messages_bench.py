#!/usr/bin/python3
# Messages through Janus VideoRoom's data channels (inside tests/e2e/netns.sh): `roomcast publish
# --send-stdin` to `roomcast listen --json`, one embedded Janus.
#   latency: --paced messages at --rate per second, each carrying the moment this script wrote
#            it to the sender's stdin (CLOCK_REALTIME, ns); the listener's line read here is the
#            arrival. p50 / p99 / max, and how many arrived.
#   throughput: --burst messages written at once; messages per second from the first write to
#            the last arrival, and whether all arrived in order.
# Then the same to headless Chromium (tests/e2e/browser_messages.mjs, a plain RTCDataChannel),
# and with aiortc's RTCDataChannel at both ends (aiortc_messages.py), against the same Janus.
#   tests/e2e/netns.sh /usr/bin/python3 bench/messages_bench.py --roomcast build/roomcast
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(BENCH), "tests", "e2e")
sys.path.insert(0, E2E)
from e2e_util import PY, Failure, become_subreaper, guarded, leak_check, need, start_roomcast_server  # noqa: E402

ROOM = "1234"


class Listener:
    """A receiver printing JSON lines (`roomcast listen --json`, browser_messages.mjs): each
    message with the time its line was read."""

    def __init__(self, argv, joined_event, stdin=subprocess.DEVNULL):
        self.joined_event = joined_event
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=stdin, text=True,
                                  bufsize=1)
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
            if e.get("event") == self.joined_event:
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

    def stop(self):
        """SIGINT (roomcast listen, node: both leave cleanly), SIGKILL if it lingers."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

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


def measure(a, listener, new_sender, topic):
    """Paced latency and burst throughput of messages from fresh `roomcast publish` senders
    (new_sender(name) -> Popen) to `listener`, on topics named after `topic`."""
    def warm_up(sender, t):
        deadline = time.monotonic() + 40
        while not listener.of(t):  # until the receiver takes the sender's data stream
            if time.monotonic() > deadline:
                raise Failure(f"no message on {t} reached the receiver within 40 s")
            sender.stdin.write("warm\n")
            sender.stdin.flush()
            time.sleep(0.2)
        return len(listener.of(t))

    paced_topic, burst_topic = topic + "-paced", topic + "-burst"
    sender = new_sender(paced_topic)
    warm = warm_up(sender, paced_topic)
    start = time.monotonic()
    for i in range(a.paced):
        delay = start + i / a.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sender.stdin.write(f"{i} {time.time_ns()}\n")
        sender.stdin.flush()
    listener.wait_count(paced_topic, warm + a.paced, 30)
    lat = sorted((t - int(e["text"].split()[1])) / 1e6 for t, e in listener.of(paced_topic) if e["text"][0].isdigit())
    stop(sender)

    sender = new_sender(burst_topic)
    warm = warm_up(sender, burst_topic)
    first = time.time_ns()
    sender.stdin.write("".join(f"n{i}\n" for i in range(a.burst)))
    sender.stdin.flush()
    listener.wait_count(burst_topic, warm + a.burst, 60)
    got = [(t, e["text"]) for t, e in listener.of(burst_topic) if e["text"].startswith("n")]
    in_order = [text for _, text in got] == [f"n{i}" for i in range(a.burst)]
    seconds = (got[-1][0] - first) / 1e9 if got else float("nan")
    stop(sender)
    return {
        "paced": {"sent": a.paced, "rate_per_s": a.rate, "arrived": len(lat),
                  "latency_ms_p50": round(percentile(lat, 50), 2) if lat else None,
                  "latency_ms_p99": round(percentile(lat, 99), 2) if lat else None,
                  "latency_ms_max": round(lat[-1], 2) if lat else None},
        "burst": {"sent": a.burst, "arrived": len(got), "in_order": in_order,
                  "seconds": round(seconds, 3), "messages_per_s": round(len(got) / seconds) if got else 0},
    }


def run(a, work):
    tone = os.path.join(work, "tone.wav")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=600", "-ar", "48000", "-ac", "1", tone], check=True)
    server, url = start_roomcast_server(a.roomcast, None, ROOM)
    receivers = []

    def new_sender(topic):
        return subprocess.Popen([a.roomcast, "publish", tone, "--server", url, "--room", ROOM, "--quiet", "--json",
                                 "--name", topic, "--send-stdin", topic], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    try:
        listener = Listener([a.roomcast, "listen", "--server", url, "--room", ROOM, "--json"], "meeting_joined")
        receivers.append(listener)
        if not listener.joined.wait(30):
            raise Failure("the listener did not join within 30 s")
        result = measure(a, listener, new_sender, "rc")
        print(json.dumps({"bench": "messages", "path": "roomcast publish -> Janus -> roomcast listen", **result}))
        listener.stop()

        # The same to Chromium (browser_messages.mjs: a plain RTCDataChannel; its page hands each
        # message to node, whose line is the arrival here).
        if shutil.which("node") and os.path.isdir(os.path.join(E2E, "node_modules", "playwright-core")):
            browser = Listener(["node", os.path.join(E2E, "browser_messages.mjs"), "--url", url, "--room", ROOM,
                                "--name", "chromium", "--follow", "chromium-paced,chromium-burst",
                                "--max-seconds", "170"], "publishing", stdin=subprocess.PIPE)
            receivers.append(browser)
            if not browser.joined.wait(60):
                raise Failure("Chromium did not publish within 60 s")
            to_chromium = measure(a, browser, new_sender, "chromium")
            print(json.dumps({"bench": "messages", "path": "roomcast publish -> Janus -> Chromium", **to_chromium}))
            browser.stop()

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
        for receiver in receivers:
            receiver.stop()
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
