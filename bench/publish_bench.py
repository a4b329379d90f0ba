#!/usr/bin/python3
# roomcast vs aiortc, side by side in one run: N publishers of one tone file into one room,
# per-publisher CPU/RSS/start-up, Janus CPU and what one listener heard (--listeners N: the
# same for N listeners of one publisher); prints figures and ratios, never asserts.
# Run under the namespace:  tests/e2e/netns.sh /usr/bin/python3 bench/publish_bench.py --roomcast build/roomcast
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

BENCH = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(BENCH), "tests", "e2e")
sys.path.insert(0, E2E)
from e2e_util import (PY, Failure, Proc, become_subreaper, check_dirs_gone, descendants,  # noqa: E402
                      in_netns, janus_dirs, leak_check, log, need, private_tmpdir)
from run_listen_test import EventProc, is_event  # noqa: E402

ROOM = 1234
TONE_HZ = 441
TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY_S = 0.5  # RSS sampling period inside the measured window
SIDES = ("roomcast", "aiortc")


# ---- /proc -------------------------------------------------------------------------------------

def cpu_seconds(pid):
    """user+sys of a process: /proc/PID/stat sums all its threads, live and exited."""
    stat = open(f"/proc/{pid}/stat").read()
    rest = stat[stat.rindex(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / TICK  # fields 14 utime, 15 stime


def thread_cpu(pid):
    """{"#k name": user+sys seconds} of the live threads of pid, k = creation order (TID order;
    #0 is the main thread): roomcast's threads all share the process name."""
    out = {}
    for k, tid in enumerate(sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2:].split()
        out[f"#{k} {name}"] = (int(rest[11]) + int(rest[12])) / TICK
    return out


def status_kib(pid, *keys):
    """Values (kB) of /proc/PID/status lines, e.g. VmRSS, VmHWM, Threads (a count)."""
    want, got = set(keys), {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in want:
            got[k] = int(v.split()[0])
    return [got.get(k) for k in keys]


def pss_kib(pid):
    """Proportional set size: shared library pages divided among the processes mapping them,
    the fair memory figure for N copies of one program."""
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def machine_busy():
    """(busy, steal, total) jiffies of all CPUs (/proc/stat is not namespaced: everyone's
    load). Steal is time the hypervisor gave our vCPUs to someone else."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:9]]  # user .. steal
    user, nice, system, idle, iowait, irq, softirq, steal = v
    return user + nice + system + irq + softirq, steal, sum(v)


def lo_tx_bytes():
    """Both namespace addresses are local, so all media (publisher -> Janus -> listener) goes
    via lo. /proc/self/net follows our namespace; /sys/class/net would show the host's."""
    for line in open("/proc/self/net/dev"):
        name, _, counters = line.partition(":")
        if name.strip() == "lo":
            return int(counters.split()[8])
    raise Failure("no lo in /proc/self/net/dev")


def udp_out_datagrams():
    rows = [line.split() for line in open("/proc/self/net/snmp") if line.startswith("Udp:")]
    return int(dict(zip(rows[0][1:], rows[1][1:]))["OutDatagrams"])


# ---- one side ----------------------------------------------------------------------------------

class Phase:
    """One side on a fresh `roomcast server`. Publish mode: N publishers of the side and one
    `roomcast listen --record` judging them. Listen mode: one `roomcast publish` and N
    listeners of the side."""

    def __init__(self, a, side, media, tmp, env):
        self.a, self.side, self.media, self.tmp, self.env = a, side, media, tmp, env
        self.procs = []
        self.server = None
        self.fig = {"side": side, "mode": "listen" if a.listeners else "publish"}

    def add(self, proc):
        self.procs.append(proc)
        return proc

    def roomcast_publisher(self, name, url):
        return self.add(EventProc(f"{self.side} publisher {name}",
                                  [self.a.roomcast, "publish", self.media, "--server", url, "--room", ROOM,
                                   "--name", name, "--json", "--quiet"], env=self.env))

    def roomcast_listener(self, name, url, wav):
        return self.add(EventProc(f"{self.side} listener {name}",
                                  [self.a.roomcast, "listen", "--server", url, "--room", ROOM, "--name", name,
                                   "--json", "--record", wav], env=self.env))

    def start_peer(self, i, url):
        """Publish mode: a publisher of the side; listen mode: a listener of the side."""
        a, side = self.a, self.side
        if not a.listeners:
            if side == "roomcast":
                return self.roomcast_publisher(f"roomcast-{i}", url)
            # No --duration: the file outlasts the run and SIGINT ends it at the window's end,
            # like roomcast; its Janus session ends with its WebSocket.
            return self.add(EventProc(f"aiortc publisher {i}",
                                      [PY, os.path.join(E2E, "aiortc_publisher.py"), self.media, "--server", url,
                                       "--room", ROOM, "--name", f"aiortc-{i}", "--timeout", a.timeout],
                                      env=self.env))
        if side == "roomcast":
            return self.roomcast_listener(f"roomcast-listener-{i}", url, os.path.join(self.tmp, f"listener-{i}.wav"))
        # Ends by itself (and prints its figures) once the publisher has left.
        return self.add(EventProc(f"aiortc listener {i}",
                                  [PY, os.path.join(BENCH, "aiortc_bench_listener.py"), "--url", url, "--room", ROOM,
                                   "--seconds", 3600, "--timeout", a.timeout], env=self.env))

    def ready_event(self):
        """(what, predicate) of the line that says a peer of this side is up: for publishers
        their media connection, for listeners the first audio they decoded."""
        if not self.a.listeners:
            if self.side == "roomcast":  # the JSON twin of "our audio stream is live"
                return "stream_enabled (local audio)", is_event("stream_enabled", local=True, kind="audio")
            return "publishing (DTLS connected)", is_event("publishing")
        if self.side == "roomcast":  # decoded audio above -45 dBFS (after ~100 ms smoothing)
            return "speaker_changed to the publisher", lambda e: e.get("event") == "speaker_changed" and e.get(
                "participant_id") is not None
        return "first_audio", is_event("first_audio")

    def wait_flowing(self, streams):
        """Readiness of the room as a whole: UDP datagrams/s reach 95 % of 50 per RTP stream
        (20 ms packets), measured over 0.5 s spans; a warning (not a failure) at the deadline."""
        want = 0.95 * 50 * streams
        deadline = time.monotonic() + self.a.timeout
        n0, t0 = udp_out_datagrams(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            n1, t1 = udp_out_datagrams(), time.monotonic()
            if (n1 - n0) / (t1 - t0) >= want:
                return
            n0, t0 = n1, t1
        log(f"{self.side}: WARNING: {streams} RTP streams never reached {want:.0f} datagrams/s; measuring anyway")

    def run(self):
        a = self.a
        n = a.listeners or a.publishers
        self.server = self.add(Proc(f"{self.side} server", [a.roomcast, "server", "--room", ROOM], env=self.env))
        url = self.server.wait_line(r"^roomcast server: (ws://\S+) room ", 30, "out").group(1)
        janus = [pid for pid, comm, _ in descendants(self.server.p.pid) if comm.startswith("janus")]
        if len(janus) != 1:
            raise Failure(f"expected one janus under roomcast server, found {janus}")
        self.janus_pid = janus[0]
        wav = os.path.join(self.tmp, f"{self.side}-listener.wav")
        remote_audio = is_event("stream_enabled", kind="audio", local=False)
        if a.listeners:  # the one publisher, the same for both sides
            other = self.roomcast_publisher("source", url)
            other.wait_event("stream_enabled (local audio)", is_event("stream_enabled", local=True, kind="audio"),
                             a.timeout)
        else:  # the one listener, the same for both sides
            other = self.roomcast_listener("bench-listener", url, wav)
            other.wait_event("meeting_joined", is_event("meeting_joined"), a.timeout)

        what, ready = self.ready_event()
        peers, startup, starts = [], [], []
        for i in range(n):
            starts.append(time.monotonic())
            peers.append(self.start_peer(i, url))
            if a.start == "sequential":
                t, _ = peers[-1].wait_event(what, ready, a.timeout)
                startup.append(t - starts[-1])
                if i == 0 and a.solo_seconds > 0:
                    self.solo(peers[0], other)
        if a.start == "burst":
            for p, t0 in zip(peers, starts):
                t, _ = p.wait_event(what, ready, a.timeout)
                startup.append(t - t0)
        subs = 0
        if not a.listeners:
            # The listener hears every publisher. Publishers receive nothing: `roomcast publish`
            # subscribes only when it records, aiortc_publisher.py never.
            other.wait_until(f"{n} remote audio streams enabled",
                             lambda evs: sum(1 for e in evs if remote_audio(e)) >= n, a.timeout)
        streams = 2 * n + subs if not a.listeners else 1 + n
        self.wait_flowing(streams)
        self.measure(peers, other, startup, subs, streams)
        if a.listeners:
            self.finish_listen(peers, other)
        else:
            self.finish_publish(peers, other, wav)
        src = self.server.stop(20)
        self.fig["serverExit"] = src
        if src != 0:
            log(f"{self.side}: server exited {src} (want 0)")
        log(f"{self.side}: {json.dumps(self.fig)}")
        return self.fig

    def solo(self, peer, other):
        """The first peer alone with the other party (2 RTP streams), before the rest start:
        its cost without company (no subscriptions for a roomcast publisher)."""
        self.wait_flowing(2)
        pids = {"peer": peer.p.pid, "janus": self.janus_pid}
        c0, t0 = {k: cpu_seconds(v) for k, v in pids.items()}, time.monotonic()
        end = t0 + self.a.solo_seconds
        while (left := end - time.monotonic()) > 0:  # a timed measurement window
            if peer.p.poll() is not None or other.p.poll() is not None:
                raise Failure(f"{peer.name} or {other.name} exited during the solo window")
            time.sleep(min(SAMPLE_EVERY_S, left))
        wall = time.monotonic() - t0
        c1 = {k: cpu_seconds(v) for k, v in pids.items()}
        self.fig.update(soloSeconds=round(wall, 2), soloCpuPct=round(100 * (c1["peer"] - c0["peer"]) / wall, 2),
                        soloJanusCpuPct=round(100 * (c1["janus"] - c0["janus"]) / wall, 2))

    def measure(self, peers, other, startup, subs, streams):
        """The steady-state window: CPU of the peers, Janus and the other party; RSS sampled."""
        a = self.a
        pids = [p.p.pid for p in peers]
        watched = {"janus": self.janus_pid, "other": other.p.pid}
        cpu0 = {pid: cpu_seconds(pid) for pid in pids}
        cpu0.update({k: cpu_seconds(pid) for k, pid in watched.items()})
        thr0 = [thread_cpu(pid) for pid in pids]
        ours = [os.getpid()] + [pid for pid, _, _ in descendants()]
        ours0 = {pid: cpu_seconds(pid) for pid in ours}
        busy0, lo0, udp0, t0 = machine_busy(), lo_tx_bytes(), udp_out_datagrams(), time.monotonic()
        rss = {pid: [] for pid in pids}
        pss = {pid: [] for pid in pids}
        end = t0 + a.seconds
        while True:  # a timed measurement window, not a readiness wait
            for p in peers + [other]:
                if p.p.poll() is not None:
                    raise Failure(f"{p.name} exited ({p.p.returncode}) during the measured window\n{p.dump()}")
            for pid in pids:
                rss[pid].append(status_kib(pid, "VmRSS")[0])
                pss[pid].append(pss_kib(pid))
            left = end - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(SAMPLE_EVERY_S, left))
        wall = time.monotonic() - t0
        cpu1 = {pid: cpu_seconds(pid) for pid in pids}
        cpu1.update({k: cpu_seconds(pid) for k, pid in watched.items()})
        thr1 = [thread_cpu(pid) for pid in pids]
        busy1, lo1, udp1 = machine_busy(), lo_tx_bytes(), udp_out_datagrams()
        ours_s = sum(cpu_seconds(pid) - c for pid, c in ours0.items() if os.path.exists(f"/proc/{pid}"))
        hwm = [status_kib(pid, "VmHWM")[0] for pid in pids]
        threads = [status_kib(pid, "Threads")[0] for pid in pids]

        per_thread = {}
        for before, after in zip(thr0, thr1):
            for name, s in after.items():
                per_thread[name] = per_thread.get(name, 0.0) + 100 * (s - before.get(name, 0.0)) / wall / len(pids)
        self.fig.update(
            peers=len(peers), windowSeconds=round(wall, 2),
            startupSeconds=[round(s, 3) for s in startup],
            cpuPct=[round(100 * (cpu1[pid] - cpu0[pid]) / wall, 2) for pid in pids],
            rssMeanMiB=[round(np.mean(rss[pid]) / 1024, 1) for pid in pids],
            pssMeanMiB=[round(np.mean([v for v in pss[pid] if v is not None] or [0]) / 1024, 1) for pid in pids],
            hwmMiB=[round(h / 1024, 1) for h in hwm], threads=threads,
            threadCpuPct={k: round(v, 2) for k, v in sorted(per_thread.items(), key=lambda kv: -kv[1]) if v >= 0.05},
            janusCpuPct=round(100 * (cpu1["janus"] - cpu0["janus"]) / wall, 2),
            otherCpuPct=round(100 * (cpu1["other"] - cpu0["other"]) / wall, 2),
            machineBusyPct=round(100 * (busy1[0] - busy0[0]) / max(1, busy1[2] - busy0[2]), 1),
            # /proc/stat is tick-sampled and misses part of many short 20 ms wakeups, while
            # process times are exact: approximate, clamped at 0.
            othersBusyPct=max(0.0, round(100 * ((busy1[0] - busy0[0]) / TICK - ours_s) / (wall * os.cpu_count()), 1)),
            machineStealPct=round(100 * (busy1[1] - busy0[1]) / max(1, busy1[2] - busy0[2]), 1),
            publisherSubscriptions=subs, rtpStreams=streams,
            loKbps=round((lo1 - lo0) * 8 / wall / 1000, 1),
            udpDatagramsPerSecond=round((udp1 - udp0) / wall, 1),
            # Every RTP stream (publisher -> Janus, Janus -> each subscriber) crosses lo once;
            # all streams of a side carry the same encoding.
            wireKbpsPerStream=round((lo1 - lo0) * 8 / wall / 1000 / streams, 1))

    def finish_publish(self, pubs, lst, wav):
        """Publishers leave together; the listener reports each stream's receive stats as it ends."""
        a, f = self.a, self.fig
        t_stop = time.monotonic()
        for p in pubs:
            p.p.send_signal(signal.SIGINT)
        gone = is_event("stream_disabled", kind="audio", local=False)
        lst.wait_until(f"{len(pubs)} stream_disabled events",
                       lambda evs: sum(1 for e in evs if gone(e)) >= len(pubs), a.timeout)
        f["leaveSeconds"] = round(time.monotonic() - t_stop, 3)
        f["peerExitCodes"] = sorted(set(p.wait(a.timeout) for p in pubs))
        f["received"] = sum_stats([e["stats"] for _, e in lst.events if gone(e) and "stats" in e])
        if self.side == "roomcast":
            summaries = [e for p in pubs for _, e in p.events if e.get("event") == "summary"]
            f["lateFrames"] = sum(e.get("late_frames", 0) for e in summaries)
            f["underruns"] = sum(e.get("underruns", 0) for e in summaries)
        lst.p.send_signal(signal.SIGINT)
        f["otherExit"] = lst.wait(a.timeout)
        f["mix"] = mix_figures(wav)

    def finish_listen(self, lsts, pub):
        """The publisher leaves; roomcast listeners report the stream's stats as it ends (then
        get SIGINT), aiortc listeners drain, print their figures and exit."""
        a, f = self.a, self.fig
        t_stop = time.monotonic()
        pub.p.send_signal(signal.SIGINT)
        if self.side == "roomcast":
            gone = is_event("stream_disabled", kind="audio", local=False)
            for p in lsts:
                p.wait_event("stream_disabled", gone, a.timeout)
            f["leaveSeconds"] = round(time.monotonic() - t_stop, 3)
            f["received"] = sum_stats([e["stats"] for p in lsts for _, e in p.events if gone(e) and "stats" in e])
            for p in lsts:
                p.p.send_signal(signal.SIGINT)
        f["peerExitCodes"] = sorted(set(p.wait(a.timeout) for p in lsts))
        if self.side == "aiortc":
            f["leaveSeconds"] = round(time.monotonic() - t_stop, 3)
            reports = [e for p in lsts for _, e in p.events if e.get("peer") == "aiortc"]
            f["received"] = {"streams": len(reports),
                             "packets_received": sum(r.get("packetsReceived") or 0 for r in reports),
                             "packets_lost": sum(r.get("packetsLost") or 0 for r in reports),
                             "frames_played": sum(r.get("framesReceived") or 0 for r in reports),
                             "held_in_jitter_buffer": sum(r.get("heldInJitterBuffer") or 0 for r in reports),
                             "dominant_hz": sorted({r.get("dominantHz") for r in reports}, key=str)}
        f["otherExit"] = pub.wait(a.timeout)

    def cleanup(self):
        for p in reversed(self.procs):
            if p is not self.server:
                p.terminate(10)
        if self.server:
            self.server.terminate(15)


def sum_stats(stats):
    keys = ("packets_received", "packets_lost", "packets_late", "frames_played", "frames_concealed", "frames_fec")
    out = {k: sum(s.get(k, 0) for s in stats) for k in keys}
    out["streams"] = len(stats)
    out["worst_stream_concealed"] = max((s.get("frames_concealed", 0) for s in stats), default=None)
    return out


def mix_figures(path):
    """Length and dominant frequency of the listener's mix (a sanity check of what was heard)."""
    try:
        data = open(path, "rb").read()
    except OSError:
        return None
    x = np.frombuffer(data, "<i2", offset=44).astype(np.float64) / 32768.0
    rate = 48000
    out = {"seconds": round(len(x) / rate, 2)}
    seg = x[len(x) // 4:len(x) // 4 + 4 * rate]  # 4 s in the steady part
    if len(seg) >= rate:
        n = 1 << (4 * len(seg) - 1).bit_length()
        mag = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), n))
        out["dominantHz"] = round(float(np.argmax(mag[1:]) + 1) * rate / n, 1)
        out["rmsDbfs"] = round(float(10 * np.log10(np.mean(seg * seg) + 1e-20)), 1)
    return out


# ---- report ------------------------------------------------------------------------------------

def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def rows_of(a, r, o):
    """(metric, roomcast value, aiortc value, format) for the table."""
    n = a.listeners or a.publishers
    who = "listener" if a.listeners else "publisher"

    def q(f, k):
        return f["received"].get(k)

    def concealed_pct(f):
        played, concealed = q(f, "frames_played"), q(f, "frames_concealed")
        return 100 * concealed / played if played and concealed is not None else None

    rows = [(f"CPU per {who}, mean (% of one core)", mean(r["cpuPct"]), mean(o["cpuPct"]), "{:.2f}"),
            (f"CPU per {who}, max (% of one core)", max(r["cpuPct"]), max(o["cpuPct"]), "{:.2f}")]
    if "soloCpuPct" in r and "soloCpuPct" in o:
        rows.append((f"CPU of the first {who} while alone (% of one core)", r["soloCpuPct"], o["soloCpuPct"],
                     "{:.2f}"))
    rows += [
        (f"RSS per {who}, mean over the window (MiB)", mean(r["rssMeanMiB"]), mean(o["rssMeanMiB"]), "{:.1f}"),
        (f"PSS per {who}, mean over the window (MiB)", mean(r["pssMeanMiB"]), mean(o["pssMeanMiB"]), "{:.1f}"),
        (f"peak RSS (VmHWM) per {who}, mean (MiB)", mean(r["hwmMiB"]), mean(o["hwmMiB"]), "{:.1f}"),
        (f"threads per {who}", mean(r["threads"]), mean(o["threads"]), "{:.0f}"),
        (f"start-up, first {who} (s)", r["startupSeconds"][0], o["startupSeconds"][0], "{:.3f}"),
        (f"start-up, mean of {n} (s)", mean(r["startupSeconds"]), mean(o["startupSeconds"]), "{:.3f}"),
        (f"start-up, max of {n} (s)", max(r["startupSeconds"]), max(o["startupSeconds"]), "{:.3f}"),
        ("Janus CPU, whole room (% of one core)", r["janusCpuPct"], o["janusCpuPct"], "{:.2f}"),
        (f"Janus CPU per {who} (% of one core)", r["janusCpuPct"] / n, o["janusCpuPct"] / n, "{:.2f}"),
        (f"Janus CPU with the first {who} alone (% of one core)", r.get("soloJanusCpuPct"),
         o.get("soloJanusCpuPct"), "{:.2f}"),
        ("the roomcast publish source, CPU (% of one core)" if a.listeners else
         "the roomcast listen judge, CPU (% of one core)", r["otherCpuPct"], o["otherCpuPct"], "{:.2f}"),
    ]
    rows += [
        ("RTP streams through Janus (in + out)", r["rtpStreams"], o["rtpStreams"], "{:.0f}"),
        ("media on lo, all streams (kbit/s)", r["loKbps"], o["loKbps"], "{:.0f}"),
        ("UDP datagrams/s, all streams", r["udpDatagramsPerSecond"], o["udpDatagramsPerSecond"], "{:.0f}"),
        ("wire kbit/s per RTP stream (IP+UDP+SRTP)", r["wireKbpsPerStream"], o["wireKbpsPerStream"], "{:.1f}"),
        ("received: streams reported", q(r, "streams"), q(o, "streams"), "{:.0f}"),
        ("received: packets", q(r, "packets_received"), q(o, "packets_received"), "{:.0f}"),
        ("received: packets lost", q(r, "packets_lost"), q(o, "packets_lost"), "{:.0f}"),
        ("received: packets late", q(r, "packets_late"), q(o, "packets_late"), "{:.0f}"),
        ("received: 20 ms frames played", q(r, "frames_played"), q(o, "frames_played"), "{:.0f}"),
        ("received: frames concealed", q(r, "frames_concealed"), q(o, "frames_concealed"), "{:.0f}"),
        ("received: frames concealed (%)", concealed_pct(r), concealed_pct(o), "{:.3f}"),
        ("received: frames recovered by FEC", q(r, "frames_fec"), q(o, "frames_fec"), "{:.0f}"),
        ("machine busy, all processes (% of all cores)", r["machineBusyPct"], o["machineBusyPct"], "{:.1f}"),
        ("  of which outside this benchmark (approx.)", r["othersBusyPct"], o["othersBusyPct"], "{:.1f}"),
        ("machine steal by the hypervisor (% of all cores)", r["machineStealPct"], o["machineStealPct"], "{:.1f}"),
    ]
    return rows


def table(figs, a):
    head = ("metric", "roomcast", "aiortc", "ratio (aiortc/roomcast)")
    body = []
    for name, rv, ov, fmt in rows_of(a, figs["roomcast"], figs["aiortc"]):
        ratio = "-" if rv in (None, 0) or ov is None else f"{ov / rv:.2f}"
        body.append((name, "-" if rv is None else fmt.format(rv), "-" if ov is None else fmt.format(ov), ratio))
    w = [max(len(row[i]) for row in [head] + body) for i in range(4)]
    lines = ["| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(head)) + " |",
             "|" + "|".join("-" * (x + 2) for x in w) + "|"]
    lines += ["| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(row)) + " |" for row in body]
    return "\n".join(lines)


def make_tone(path, rate, seconds):
    """441 Hz at -6 dBFS in both channels, AAC in MP4 (both sides decode, resample, encode)."""
    expr = f"0.5*sin(2*PI*{TONE_HZ}*t)"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
                    "-i", f"aevalsrc={expr}|{expr}:s={rate}:d={seconds}", "-c:a", "aac", "-b:a", "128k", path],
                   check=True, timeout=120)


def main():
    ap = argparse.ArgumentParser(description="roomcast vs aiortc peers in one Janus room, side by side")
    ap.add_argument("--roomcast", required=True, help="path of the roomcast binary")
    ap.add_argument("--publishers", type=int, default=8, help="concurrent publishers per side (default 8)")
    ap.add_argument("--listeners", type=int, default=0, metavar="N",
                    help="listen mode instead: one roomcast publisher, N roomcast listen vs N aiortc listeners")
    ap.add_argument("--seconds", type=float, default=20, help="measured steady-state window (default 20)")
    ap.add_argument("--rate", type=int, default=44100, choices=[44100, 48000], help="tone file sample rate")
    ap.add_argument("--media", help="publish this file instead of a generated tone (must outlast the run)")
    ap.add_argument("--start", choices=["sequential", "burst"], default="sequential",
                    help="sequential: each peer starts once the previous one is up (default); burst: all at once")
    ap.add_argument("--solo-seconds", type=float, default=10,
                    help="sequential start: measure the first peer alone this long before the others start "
                         "(0: skip)")
    ap.add_argument("--order", default="roomcast,aiortc", help="which side runs first")
    ap.add_argument("--timeout", type=float, default=60, help="deadline of every readiness wait (s)")
    ap.add_argument("--json", action="store_true", help="also print all figures as one JSON line")
    a = ap.parse_args()
    order = a.order.split(",")
    if sorted(order) != sorted(SIDES):
        ap.error("--order takes roomcast,aiortc or aiortc,roomcast")
    if min(a.publishers, a.listeners + 1) < 1 or a.seconds <= 0:
        ap.error("--publishers, --listeners and --seconds must be positive")
    if not in_netns():
        log("run this under tests/e2e/netns.sh (or bench/run.sh): Janus needs a non-loopback interface")
        return 2
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", PY])
    a.roomcast = os.path.abspath(a.roomcast)
    become_subreaper()
    tmp = tempfile.mkdtemp(prefix="roomcast-bench-")
    sut_tmp, env = private_tmpdir(tmp)
    n = a.listeners or a.publishers
    figs, rc = {}, 0
    try:
        media = a.media and os.path.abspath(a.media)
        if not media:
            # Long enough for a slow sequential ramp plus the window and leaving.
            media = os.path.join(tmp, f"tone-{a.rate}.mp4")
            make_tone(media, a.rate, int(a.seconds + 60 + 5 * n))
        log(f"load average before: {open('/proc/loadavg').read().strip()}")
        for side in order:
            phase = Phase(a, side, media, tmp, env)
            try:
                figs[side] = phase.run()
            finally:
                phase.cleanup()
    except Failure as e:
        log(f"FAILED: {e}")
        rc = 1
    finally:
        try:
            leak_check()
        except Failure as e:
            log(f"FAILED: {e}")
            rc = 1
        left = janus_dirs(sut_tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        if left:
            log(f"FAILED: a server left {', '.join(sorted(left))}")
            rc = 1
    if rc:
        return rc
    check_dirs_gone([tmp], "the benchmark")
    src = "the generated" if not a.media else os.path.basename(a.media)
    if a.listeners:
        print(f"\nroomcast listen --record vs aiortc_listener.py: {n} listeners of one `roomcast publish` "
              f"({src} {TONE_HZ} Hz {a.rate} Hz stereo AAC file), one room, fresh `roomcast server` per side")
    else:
        print(f"\nroomcast publish vs aiortc_publisher.py: {n} publishers of {src} {TONE_HZ} Hz {a.rate} Hz "
              "stereo AAC file, one room, fresh `roomcast server` per side, one `roomcast listen --record` judging")
    print(f"window {a.seconds:g} s once all streams flow; start {a.start}; {os.cpu_count()} cores; "
          f"order {a.order}\n")
    print(table(figs, a))
    for side in order:
        f = figs[side]
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(f["threadCpuPct"].items())[:6])
        print(f"\n{side}: CPU by thread (creation order), mean per peer (% of one core): {top}")
        print(f"{side}: CPU % per peer {f['cpuPct']}; start-up s {f['startupSeconds']}")
        extra = f"; late frames {f['lateFrames']}, underruns {f['underruns']}" if "lateFrames" in f else ""
        heard = f"mix heard {f['mix']}; " if "mix" in f else ""
        print(f"{side}: {heard}peers exited {f['peerExitCodes']}; streams gone at the listener(s) "
              f"{f['leaveSeconds']} s after SIGINT{extra}")
    if a.json:
        print(json.dumps(figs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
