#!/usr/bin/python3
# E2E of the receiving side: real publishers (Chromium, aiortc, `roomcast publish`) in a room and
# `roomcast listen` (or `roomcast publish --record`) recording them; asserts on the WAV files and
# the --json events, then that nothing (process, temp dir) is left. Run under netns.sh:
#   run_listen_test.py --roomcast BIN --case chromium|aiortc|roomcast|three|leaves|publish_record
import argparse
import glob
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiortc_listener import SILENCE_DBFS, dominant_hz  # noqa: E402
from e2e_util import (HERE, PY, Failure, Proc, become_subreaper, check_dirs_gone, guarded,  # noqa: E402
                      SKIP, janus_dirs, leak_check, log, need, need_netns, private_tmpdir, run_scenario)

ROOM = 1234
RATE = 48000
FRAME = 960  # 20 ms
TONE_HZ = 440.0
DROPOUT_DB = 20.0  # a frame this far below the span's median level is a dropout (gap or decayed PLC)
EXIT_INTERRUPTED = 130  # `roomcast listen/publish` on SIGINT/SIGTERM: leaves, finishes the WAVs, exits 130


# ---- processes ---------------------------------------------------------------------------------

class EventProc(Proc):
    """Proc whose stdout JSON objects are kept with their arrival time (monotonic), stamped by
    the reader thread as the line arrives, so waits and latencies need no polling."""

    def __init__(self, name, argv, env=None, **kw):
        self.events = []  # (monotonic time, dict)
        self.cond = threading.Condition()
        self.closed = False
        super().__init__(name, argv, env=env, **kw)

    def _pump(self, stream, sink, tag):
        super()._pump(self._stamped(stream, tag), sink, tag)
        if tag == "out":
            with self.cond:
                self.closed = True
                self.cond.notify_all()

    def _stamped(self, stream, tag):
        for line in stream:
            if tag == "out" and line.startswith("{"):
                try:
                    obj = json.loads(line)
                except ValueError:
                    obj = None
                if isinstance(obj, dict):
                    with self.cond:
                        self.events.append((time.monotonic(), obj))
                        self.cond.notify_all()
            yield line

    def wait_event(self, what, pred, timeout, since=0.0):
        """(time, event) of the first JSON line stamped >= since matching pred; Failure if the
        deadline passes or the process closes its stdout first."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, e in self.events:
                    if t >= since and pred(e):
                        return t, e
                if self.closed:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure(f"{self.name}: no {what} within {timeout} s\n{self.dump()}")
                self.cond.wait(left)
        rc = self.wait(5)  # its stderr in the dump, too
        raise Failure(f"{self.name} exited ({rc}) before printing {what}\n{self.dump()}")

    def wait_until(self, what, cond, timeout):
        """Time at which cond(list of events) first holds; Failure at the deadline or exit."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not cond([e for _, e in self.events]):
                if self.closed:
                    raise Failure(f"{self.name} exited before {what}\n{self.dump()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure(f"{self.name}: not {what} within {timeout} s\n{self.dump()}")
                self.cond.wait(left)
            return time.monotonic()

    def watch(self, seconds):
        """Events arriving within the next `seconds` (a timed hold, not a readiness wait);
        Failure if the process ends meanwhile."""
        t0 = time.monotonic()
        deadline = t0 + seconds
        with self.cond:
            while (left := deadline - time.monotonic()) > 0:
                if self.closed:
                    raise Failure(f"{self.name} exited during a {seconds:g} s hold\n{self.dump()}")
                self.cond.wait(left)
            return [e for t, e in self.events if t >= t0]

    def exit_time(self, timeout):
        """(exit code, monotonic time the process ended); kills it at the deadline."""
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"{self.name} did not finish within {timeout} s (killed)\n{self.dump()}")
        t = time.monotonic()
        return self.wait(5), t


def is_event(event, **fields):
    """Predicate: a JSON event named `event` whose fields equal `fields` (None: null)."""
    return lambda e: e.get("event") == event and all(
        (e.get(k) is None if v is None else str(e.get(k)) == str(v)) for k, v in fields.items())


class Publisher:
    """One publishing peer: `roomcast publish FILE`, aiortc_publisher.py tone:HZ, or
    browser_publisher.mjs (Chromium); `ready()` waits until its media is up and learns its id."""

    def __init__(self, run, kind, name, hz, file=None, seconds=0, gain=0.5, silent=False, extra=(),
                 spec=None):
        self.run, self.kind, self.name, self.hz = run, kind, name, hz
        self.id = None
        url = run.url
        env = run.sut_env
        if kind == "roomcast":
            argv = [run.a.roomcast, "publish", file, "--server", url, "--room", ROOM, "--name", name,
                    "--json", *extra]
        elif kind == "aiortc":
            argv = [PY, os.path.join(HERE, "aiortc_publisher.py"), spec or f"tone:{hz:g}", "--server", url,
                    "--room", ROOM, "--name", name, "--duration", seconds or 600]
        else:
            argv = ["node", os.path.join(HERE, "browser_publisher.mjs"), "--url", url, "--room", ROOM,
                    "--name", name, "--hz", hz, "--gain", gain, "--seconds", seconds]
            if silent:
                argv.append("--silent")
        self.proc = run.add(EventProc(f"{kind}-publisher {name}", argv, env=env))

    def ready(self, timeout=None):
        timeout = timeout or (60 if self.kind == "chromium" else 30)
        if self.kind == "roomcast":
            _, joined = self.proc.wait_event("meeting_joined", is_event("meeting_joined"), timeout)
            self.id = str(joined["participant_id"])
            t, e = self.proc.wait_event("stream_enabled (local audio)",
                                        is_event("stream_enabled", local=True, kind="audio"), timeout)
            self.run.check(e.get("participant_id") == self.id and e.get("name") == self.name,
                           f"roomcast publish {self.name}: its local stream_enabled names it "
                           f"(participant_id {e.get('participant_id')!r} = {self.id!r}, "
                           f"name {e.get('name')!r} = {self.name!r})")
        else:
            t, e = self.proc.wait_event("publishing", is_event("publishing"), timeout)
            self.id = str(e["id"])
        self.t_ready = t
        log(f"{self.name} ({self.kind}) publishing as participant {self.id}")
        return self

    def leave(self):
        """roomcast (SIGINT) and Chromium (SIGTERM) leave the room cleanly. aiortc_publisher
        sends `leave` only at the end of --duration; SIGTERM ends it (its WebSocket closes,
        Janus drops the session)."""
        t = time.monotonic()
        self.proc.p.send_signal(signal.SIGINT if self.kind == "roomcast" else signal.SIGTERM)
        return t

    def tone(self, on):
        """Chromium only: tone on/off while staying in the room; returns when the page applied it."""
        t = time.monotonic()
        self.proc.p.send_signal(signal.SIGUSR1 if on else signal.SIGUSR2)
        self.proc.wait_event(f"tone {'on' if on else 'off'}", is_event("tone", on=on), 10, since=t)
        return t


# ---- WAV analysis ------------------------------------------------------------------------------

def read_wav(run, path, what, whole_frames=False):
    """Samples (float, full scale 1.0) of a roomcast WAV; header problems are failed checks."""
    if not os.path.exists(path):
        run.check(False, f"{what}: {path} exists")
        return np.zeros(0)
    data = open(path, "rb").read()
    size = len(data)
    if size < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        run.check(False, f"{what}: {os.path.basename(path)} is a RIFF/WAVE file ({size} bytes)")
        return np.zeros(0)
    riff = struct.unpack_from("<I", data, 4)[0]
    pos, fmt, data_at, data_len = 12, None, None, None
    while pos + 8 <= size:
        cid, clen = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", data, pos + 8)
        if cid == b"data":
            data_at, data_len = pos + 8, clen
            break
        pos += 8 + clen + (clen & 1)
    base = os.path.basename(path)
    run.check(riff == size - 8, f"{what}: {base} RIFF size {riff} = file size {size} - 8")
    run.check(data_at is not None and data_len == size - data_at,
              f"{what}: {base} data size {data_len} = file size {size} - {data_at} header bytes")
    run.check(fmt == (1, 1, RATE, 2 * RATE, 2, 16), f"{what}: {base} is PCM s16 mono 48 kHz (fmt {fmt})")
    if data_at is None:
        return np.zeros(0)
    n = (size - data_at) // 2
    if whole_frames:
        run.check(n % FRAME == 0, f"{what}: {base} holds whole 20 ms frames ({n} samples)")
    return np.frombuffer(data, "<i2", count=n, offset=data_at).astype(np.float64) / 32768.0


def levels_db(x):
    """RMS level of each whole 20 ms frame, dBFS."""
    n = len(x) // FRAME
    f = x[:n * FRAME].reshape(n, FRAME)
    return 10 * np.log10(np.maximum(np.mean(f * f, axis=1), 1e-20))


def heard_span(lv):
    """[first, last] frame above SILENCE_DBFS, as a half-open frame range, or None."""
    idx = np.flatnonzero(lv > SILENCE_DBFS)
    return (int(idx[0]), int(idx[-1]) + 1) if len(idx) else None


def longest_heard_run(lv):
    best, start = None, None
    for i, loud in enumerate(list(lv > SILENCE_DBFS) + [False]):
        if loud and start is None:
            start = i
        elif not loud and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def dropouts(lv, span):
    """Frames of span (half-open frame range) more than DROPOUT_DB below the span's median:
    gaps and concealment that decayed; (count, frames, ratio, first few indices)."""
    a, b = span
    seg = lv[a:b]
    if not len(seg):
        return 0, 0, 1.0, []
    bad = np.flatnonzero(seg < np.median(seg) - DROPOUT_DB)
    return len(bad), len(seg), len(bad) / len(seg), [int(a + i) for i in bad[:10]]


def band_db(x, hz, half_width=3.0):
    """Peak of the Hann-windowed power spectrum within hz +- half_width, dB (relative scale)."""
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 4 * len(x)))
    f = np.fft.rfftfreq(4 * len(x), 1 / RATE)
    sel = (f >= hz - half_width) & (f <= hz + half_width)
    return float(20 * np.log10(np.max(spec[sel]) + 1e-20))


def middle(x, span, trim_s=0.2, max_s=8.0):
    """Samples of span minus trim_s at each end (onsets), at most the last max_s seconds."""
    a, b = span[0] * FRAME + int(trim_s * RATE), span[1] * FRAME - int(trim_s * RATE)
    a = max(a, b - int(max_s * RATE))
    return x[a:b] if b > a else x[:0]


# ---- one test run ------------------------------------------------------------------------------

class Run:
    def __init__(self, a):
        self.a = a
        self.tmp = tempfile.mkdtemp(prefix="roomcast-e2e-listen-")
        # TMPDIR of everything under test: Janus config dirs and Chromium profiles land there,
        # so anything left behind is attributed exactly.
        self.sut_tmp, self.sut_env = private_tmpdir(self.tmp)
        self.procs = []
        self.results = []
        self.figures = {"case": a.case}
        self.url = None

    def add(self, proc):
        self.procs.append(proc)
        return proc

    def check(self, ok, what):
        self.results.append((bool(ok), what))
        log(("PASS " if ok else "FAIL ") + what)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def start_server(self, *extra):
        server = self.add(Proc("server", [self.a.roomcast, "server", "--room", ROOM, *extra], env=self.sut_env))
        self.server = server
        self.url = server.wait_line(r"^roomcast server: (ws://\S+) room (\S+)", 20, "out").group(1)
        log(f"server ready at {self.url}")

    def listen(self, name, *extra):
        """`roomcast listen --json` joined to the room: (proc, time of its meeting_joined line)."""
        lst = self.add(EventProc(name, [self.a.roomcast, "listen", "--server", self.url, "--room", ROOM,
                                        "--name", name, "--json", *extra], env=self.sut_env))
        t, _ = lst.wait_event("meeting_joined", is_event("meeting_joined"), 20)
        return lst, t

    def tone_file(self, name, expr, seconds):
        """AAC in MP4, 44.1 kHz stereo (so publishing resamples and downmixes), expr in both
        channels (not a mono upmix, which FFmpeg attenuates by 3 dB)."""
        path = self.path(name)
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
                        "-i", f"aevalsrc={expr}|{expr}:s=44100:d={seconds}", "-c:a", "aac", "-b:a", "128k",
                        path], check=True, timeout=60)
        return path

    def decoded(self, path):
        """A file decoded by FFmpeg to 48 kHz mono float, channels averaged (the reference)."""
        raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i", path,
                              "-af", "pan=mono|c0=0.5*c0+0.5*c1", "-ar", str(RATE), "-f", "f32le", "-"],
                             check=True, timeout=60, capture_output=True).stdout
        return np.frombuffer(raw, "<f4").astype(np.float64)

    def per_participant_files(self, directory, expected, what):
        """expected: {participant id: display name}; checks DIR holds exactly NAME-ID.wav each."""
        got = sorted(os.listdir(directory))
        want = sorted(f"{name}-{pid}.wav" for pid, name in expected.items())
        self.check(got == want, f"{what}: per-participant files {got} are {want} (display name, id)")
        return {pid: os.path.join(directory, f"{name}-{pid}.wav") for pid, name in expected.items()}

    def tone_checks(self, x, hz, what, span=None, others=()):
        """Dominant frequency over >= 5 s of the heard part, dropouts within it, and other
        frequencies (others) >= 20 dB below; figures go to self.figures[what]."""
        lv = levels_db(x)
        span = span or heard_span(lv)
        fig = self.figures.setdefault(what, {})
        if span is None:
            self.check(False, f"{what}: some audio above {SILENCE_DBFS} dBFS")
            return fig
        seg = middle(x, span)
        fig["analysedSeconds"] = round(len(seg) / RATE, 3)
        fig["heardSeconds"] = round((span[1] - span[0]) * FRAME / RATE, 3)
        self.check(len(seg) >= 5 * RATE, f"{what}: {fig['analysedSeconds']} s of the heard part analysed (>= 5 s)")
        if len(seg) < RATE:
            return fig
        found, _ = dominant_hz(seg, RATE)
        fig["dominantHz"] = round(found, 3)
        fig["rmsDbfs"] = round(float(10 * np.log10(np.mean(seg * seg) + 1e-20)), 2)
        self.check(abs(found - hz) <= 1.0, f"{what}: dominant frequency {found:.3f} Hz within 1 Hz of {hz:g}")
        bad, total, ratio, where = dropouts(lv, span)
        fig["dropoutFrames"], fig["frames"] = bad, total
        fig["dropoutRatio"] = round(ratio, 5)
        self.check(ratio < 0.01, f"{what}: {bad}/{total} 20 ms frames silent or concealed away "
                   f"(> {DROPOUT_DB:g} dB below the median) in the active span < 1% (first at frames {where})")
        if others:
            own = band_db(seg, hz)
            for o in others:
                below = own - band_db(seg, o)
                fig[f"{o:g}HzBelowDb"] = round(below, 1)
                self.check(below >= 20, f"{what}: {o:g} Hz is {below:.1f} dB below {hz:g} Hz (>= 20 dB)")
        return fig

    def duration_check(self, x, wall, what):
        recorded = len(x) / RATE
        err = (recorded - wall) / wall if wall > 0 else 1.0
        self.figures.setdefault(what, {}).update(recordedSeconds=round(recorded, 3), wallSeconds=round(wall, 3),
                                                 durationError=round(err, 5))
        self.check(abs(err) <= 0.02, f"{what}: recorded {recorded:.3f} s within 2% of the listen wall time "
                   f"{wall:.3f} s (meeting_joined line to exit; error {100 * err:+.2f}%)")

    def joined_events(self, lst, pub, what):
        """The listener saw pub join (with its display name) and its audio stream enabled."""
        lst.wait_event(f"participant_joined of {pub.name}", is_event("participant_joined", id=pub.id, name=pub.name), 10)
        lst.wait_event(f"stream_enabled (audio) of {pub.name}",
                       is_event("stream_enabled", kind="audio", local=False, participant_id=pub.id), 10)
        self.check(True, f"{what}: participant_joined and stream_enabled (audio) for {pub.name} ({pub.id})")

    def finish(self):
        """Stops what is still running with SIGTERM first (the server removes its Janus config,
        browser_publisher its Chromium profile), SIGKILL after 10 s; then Failure if any
        process, Janus dir, Chromium profile or temp dir is left."""
        for p in reversed(self.procs):
            if p is not getattr(self, "server", None):
                p.terminate(10)
        if getattr(self, "server", None):
            self.server.terminate(15)
        try:
            leak_check()
            leak = None
        except Failure as e:
            leak = e
        left = sorted(janus_dirs(self.sut_tmp) | set(glob.glob(os.path.join(self.sut_tmp, "roomcast-chromium-*"))))
        if self.a.keep:  # for a look at the recordings by hand
            shutil.copytree(self.tmp, self.a.keep, dirs_exist_ok=True, ignore=shutil.ignore_patterns("tmp"))
        shutil.rmtree(self.tmp, ignore_errors=True)
        if leak:
            raise leak
        check_dirs_gone([self.tmp], "the driver")
        if left:
            raise Failure(f"the server, a listener or a publisher left {', '.join(left)}")


# ---- the cases ---------------------------------------------------------------------------------

def case_single(run):
    """One publisher (chromium, aiortc or roomcast: the case) of 440 Hz; `roomcast listen
    --record --record-dir --duration`."""
    a = run.a
    kind = a.case
    run.start_server()
    mix, per = run.path("mix.wav"), run.path("per")
    os.mkdir(per)
    name = f"{kind}-{a.hz:g}"
    if kind == "roomcast":
        # Listener first, so the whole source (440 Hz, then a chirp) is heard and correlated.
        tone_s, chirp_s = 6.5, 4.0
        src = run.tone_file("source.mp4", f"'if(lt(t,{tone_s}),0.5*sin(2*PI*{a.hz:g}*t),"
                            f"0.5*sin(2*PI*(200*(t-{tone_s})+350*(t-{tone_s})^2)))'", tone_s + chirp_s)
        listen_s = 14
        lst, t_join = run.listen("listener", "--duration", listen_s, "--record", mix, "--record-dir", per)
        pub = Publisher(run, kind, name, a.hz, file=src).ready()
        run.joined_events(lst, pub, "listener")
        prc = pub.proc.wait(tone_s + chirp_s + 20)
        run.check(prc == 0, f"roomcast publish played the file and left cleanly (exit {prc})")
    else:
        # Publisher first: it keeps playing while the listener records for listen_s.
        listen_s = 8
        pub = Publisher(run, kind, name, a.hz, spec=a.publisher_tone).ready()
        lst, t_join = run.listen("listener", "--duration", listen_s, "--record", mix, "--record-dir", per)
        run.joined_events(lst, pub, "listener")
    rc, t_exit = lst.exit_time(listen_s + 20)
    run.check(rc == 0, f"roomcast listen --duration {listen_s} exited 0 (got {rc})")
    if kind != "roomcast":
        pub.leave()
        prc = pub.proc.wait(15)
        if kind == "chromium":
            run.check(prc == 0, f"browser_publisher left cleanly on SIGTERM (exit {prc})")
    wall = t_exit - t_join

    x = read_wav(run, mix, "mix", whole_frames=True)
    run.duration_check(x, wall, "mix")
    files = run.per_participant_files(per, {pub.id: name}, "listener")
    if kind != "roomcast":
        run.tone_checks(x, a.hz, "mix")
        run.tone_checks(read_wav(run, files[pub.id], "per-participant"), a.hz, "per-participant")
        lv = levels_db(x)
        span = heard_span(lv)
        if span:
            run.figures["mix"]["firstAudioAfterJoinSeconds"] = round(span[0] * FRAME / RATE, 3)
        return
    # roomcast publisher: the recordings against the decoded source.
    ref = run.decoded(src)
    source_checks(run, x, ref, int(tone_s * RATE), a.hz, "mix")
    source_checks(run, read_wav(run, files[pub.id], "per-participant"), ref, int(tone_s * RATE), a.hz,
                  "per-participant")


def source_checks(run, x, ref, split, hz, what):
    """x recorded ref (a tone of hz up to sample split, then a chirp): align them, check the
    tone part like any tone, frames > DROPOUT_DB below the source's level at the same place,
    and the normalised correlation over the whole source and over the chirp alone.
    A subscriber misses what was sent before its subscription was up, and roomcast drops a
    participant's jitter buffer when it leaves: the comparison covers the heard overlap, and
    the missing head and tail are bounded separately."""
    lag = align(x, ref)
    fig = run.figures.setdefault(what, {})
    span = heard_span(levels_db(x))
    if span is None:
        run.check(False, f"{what}: some audio above {SILENCE_DBFS} dBFS")
        return
    start, end = max(lag, span[0] * FRAME), min(lag + len(ref), span[1] * FRAME)
    head, tail = (start - lag) / RATE, (lag + len(ref) - end) / RATE
    fig.update(sourceStartsAtSeconds=round(lag / RATE, 3), sourceHeadMissingSeconds=round(head, 3),
               sourceTailMissingSeconds=round(tail, 3))
    run.check(head <= 0.02, f"{what}: the recording holds the source from {head:.3f} s after its start "
              "(<= 0.02 s: the publisher's lead-in covers the listener's subscription set-up)")
    run.check(tail <= 0.06, f"{what}: the recording holds the source until {tail:.3f} s before its end "
              "(<= 0.06 s: the listener plays out its jitter buffer when a publisher leaves)")
    if end - start < RATE:
        return
    rec, src = x[start:end], ref[start - lag:end - lag]
    run.tone_checks(x, hz, what, span=(max(start, lag + int(0.3 * RATE)) // FRAME, (lag + split) // FRAME))
    lv_rec, lv_src = levels_db(rec), levels_db(src)
    sounding = lv_src > SILENCE_DBFS
    bad = np.flatnonzero(sounding & (lv_rec < lv_src - DROPOUT_DB))
    fig.update(sourceDropoutFrames=len(bad), sourceFrames=int(np.sum(sounding)))
    run.check(len(bad) < 0.01 * np.sum(sounding),
              f"{what}: {len(bad)}/{np.sum(sounding)} frames more than {DROPOUT_DB:g} dB below the source "
              f"at the same place (tone + chirp) < 1% (first at overlap frames {bad[:10].tolist()})")
    cut = max(0, lag + split - start)
    for part, (i, j) in {"whole": (0, len(rec)), "chirp": (cut, len(rec))}.items():
        c = ncc(rec[i:j], src[i:j])
        fig[f"correlation_{part}"] = round(c, 4)
        run.check(c >= 0.9, f"{what}: normalised correlation with the source ({part}, {(j - i) / RATE:.2f} s) "
                  f"{c:.4f} >= 0.9")


def align(x, ref):
    """Lag (samples) at which ref best matches x (FFT cross-correlation)."""
    n = 1 << (len(x) + len(ref)).bit_length()
    c = np.fft.irfft(np.fft.rfft(x, n) * np.conj(np.fft.rfft(ref, n)), n)
    # c[k] = sum x[i + k] ref[i]; negative lags wrap to the end.
    k = int(np.argmax(c))
    return k if k < n // 2 else k - n


def ncc(a, b):
    return float(np.dot(a, b) / (np.sqrt(np.dot(a, a) * np.dot(b, b)) + 1e-20))


def case_three(run):
    """a (roomcast publish 300 Hz), b (aiortc 500 Hz), c (Chromium 800 Hz) together; then c
    alone: tone on 3 s, off, on 3 s, leave; speaker_changed must follow c."""
    run.start_server()
    mix, per = run.path("mix.wav"), run.path("per")
    os.mkdir(per)
    lst, t_join = run.listen("listener", "--record", mix, "--record-dir", per)
    # Levels keep the mix (0.2 + 0.5 + 0.2 full scale peak) from clipping.
    amplitude = {"a": 0.2, "b": 0.5, "c": 0.2}  # b: aiortc_publisher's fixed -6 dBFS peak
    c = Publisher(run, "chromium", "c", 800, gain=amplitude["c"], silent=True).ready()
    src_a = run.tone_file("a.mp4", f"'{amplitude['a']}*sin(2*PI*300*t)'", 10)
    a = Publisher(run, "roomcast", "a", 300, file=src_a)
    b = Publisher(run, "aiortc", "b", 500, seconds=10)
    a.ready()
    b.ready()
    t_all = c.tone(True)
    for p in (a, b, c):
        run.joined_events(lst, p, "listener")
    # a and b end by themselves after 10 s.
    ends = []
    for p in (a, b):
        t, _ = lst.wait_event(f"participant_left of {p.name}", is_event("participant_left", id=p.id), 25)
        ends.append(t)
    run.check(a.proc.wait(10) == 0, "roomcast publish a played its file and left cleanly")
    b.proc.wait(10)
    t_first_left = min(ends)
    # A subscription's first audio can come ~1 s after the publisher is up (see the report of
    # firstAudioAfterJoinSeconds): 1.5 s of margin at the start.
    overlap = (max(t_all, a.t_ready, b.t_ready) + 1.5 - t_join, t_first_left - 0.5 - t_join)
    run.figures["overlapSeconds"] = round(overlap[1] - overlap[0], 3)

    # Speaker detection follows c alone: silence first (whatever it was before), then two cycles.
    c.tone(False)
    lst.wait_until("nobody speaking after c went quiet", lambda evs: speaker(evs) is None, 5)
    timings = {}
    for cycle, stop in (("tone", "off"), ("leave", "leave")):
        t_on = c.tone(True)
        t_sp, _ = lst.wait_event(f"speaker_changed to c ({cycle} cycle)", is_event("speaker_changed", participant_id=c.id),
                                 5, since=t_on)
        # Hold the tone 3 s; the speaker must stay c meanwhile.
        changes = [e for e in lst.watch(t_on + 3.0 - time.monotonic()) if e.get("event") == "speaker_changed"]
        run.check(not changes, f"speaker stays c during its 3 s tone ({cycle} cycle; changes: {changes})")
        t_stop = c.tone(False) if stop == "off" else c.leave()
        t_null, _ = lst.wait_event(f"speaker_changed to nobody ({cycle} cycle)",
                                   is_event("speaker_changed", participant_id=None), 5, since=t_stop)
        timings[cycle] = (t_sp - t_on, t_null - t_stop)
        run.check(0 < t_sp - t_on <= 1.0, f"speaker_changed to c {t_sp - t_on:.3f} s after its tone started (<= 1 s)")
        run.check(0 < t_null - t_stop <= 1.0,
                  f"speaker_changed to nobody {t_null - t_stop:.3f} s after c's tone {'stopped' if stop == 'off' else 'left'} (<= 1 s)")
    run.figures["speakerLatencySeconds"] = {k: {"toSpeaker": round(v[0], 3), "toNobody": round(v[1], 3)}
                                            for k, v in timings.items()}
    lst.wait_event("participant_left of c", is_event("participant_left", id=c.id), 5)
    run.check(c.proc.wait(20) == 0, "browser_publisher c left cleanly (exit 0)")
    t_int = time.monotonic()
    lst.p.send_signal(signal.SIGINT)
    rc, _ = lst.exit_time(15)
    run.check(rc == EXIT_INTERRUPTED, f"listener exits {EXIT_INTERRUPTED} after SIGINT (got {rc})")
    run.figures["listenerExitAfterSigintSeconds"] = round(time.monotonic() - t_int, 3)

    freqs = {p.id: p.hz for p in (a, b, c)}
    files = run.per_participant_files(per, {p.id: p.name for p in (a, b, c)}, "listener")
    for p in (a, b, c):
        x = read_wav(run, files[p.id], f"per-participant {p.name}")
        lv = levels_db(x)
        run.tone_checks(x, p.hz, f"per-participant {p.name}", span=longest_heard_run(lv),
                        others=[f for pid, f in freqs.items() if pid != p.id])
    x = read_wav(run, mix, "mix", whole_frames=True)
    seg = x[int(overlap[0] * RATE):int(overlap[1] * RATE)]
    run.check(len(seg) >= 3 * RATE, f"mix: {len(seg) / RATE:.2f} s with all three publishers (>= 3 s)")
    if len(seg) >= RATE:
        levels = {p.name: band_db(seg, p.hz) for p in (a, b, c)}
        top = max(levels.values())
        fig = run.figures.setdefault("mix", {})
        for p in (a, b, c):
            spread = levels[p.name] - top
            want = 20 * np.log10(amplitude[p.name] / max(amplitude.values()))
            fig[f"{p.name}_{p.hz:g}HzDbBelowTop"] = round(spread, 1)
            run.check(abs(spread - want) <= 3, f"mix: {p.hz:g} Hz peak of {p.name} present at {spread:.1f} dB "
                      f"from the strongest (sent at {want:.1f} dB, +- 3 dB)")
        quiet = band_db(seg, 650)
        run.check(top - quiet >= 30, f"mix: between the peaks (650 Hz) {top - quiet:.1f} dB below the strongest (>= 30 dB)")


def speaker(events):
    """The current dominant speaker from a listener's events (None: nobody)."""
    for e in reversed(events):
        if e.get("event") == "speaker_changed":
            return e.get("participant_id")
    return None


def case_leaves(run):
    """p1 (roomcast publish) leaves cleanly, p2 (aiortc) is SIGKILLed: the listener reports
    each within 2 s; SIGINT mid-recording (listener 2) and at the end (listener 1) leaves valid WAVs."""
    # Without session reclaim: with it, Janus keeps a killed client's session (and its place
    # in the room) for the reclaim timeout, waiting for it to reconnect.
    run.start_server("--reclaim-timeout", 0)
    dirs = {}
    lsts = []
    for name in ("listener-1", "listener-2"):
        d = run.path(name)
        os.mkdir(d)
        dirs[name] = d
        lsts.append(run.listen(name, "--record", run.path(f"{name}.wav"), "--record-dir", d))
    (l1, t1_join), (l2, t2_join) = lsts
    # Readiness from the listeners' speaker_changed: p2 first; then p1, louder (0.7 vs 0.5 full
    # scale), takes over once its audio flows too.
    p2 = Publisher(run, "aiortc", "p2", 660, seconds=60).ready()
    heard_from = {}  # (listener, publisher) -> when the listener named it the speaker
    for lst in (l1, l2):
        run.joined_events(lst, p2, lst.name)
        heard_from[lst.name, "p2"], _ = lst.wait_event(
            "speaker_changed to p2", is_event("speaker_changed", participant_id=p2.id), 10)
    src = run.tone_file("p1.mp4", "'0.7*sin(2*PI*440*t)'", 40)
    p1 = Publisher(run, "roomcast", "p1", 440, file=src).ready()
    for lst in (l1, l2):
        run.joined_events(lst, p1, lst.name)
        heard_from[lst.name, "p1"], _ = lst.wait_event(
            "speaker_changed to p1", is_event("speaker_changed", participant_id=p1.id), 10)
    # Listener 2: SIGINT mid-recording, both publishers playing.
    l2.watch(3.0)
    heard_until = {("listener-2", "p1"): time.monotonic(), ("listener-2", "p2"): time.monotonic()}
    l2.p.send_signal(signal.SIGINT)
    rc2, t2_exit = l2.exit_time(15)
    run.check(rc2 == EXIT_INTERRUPTED, f"listener-2 SIGINTed mid-recording exits {EXIT_INTERRUPTED} (got {rc2})")

    latency = {}
    for p, how in ((p1, "leave"), (p2, "kill")):
        if how == "leave":
            t0 = p.leave()
        else:
            t0 = time.monotonic()
            p.proc.p.kill()
        heard_until["listener-1", p.name] = t0
        for ev, pred in (("stream_disabled", is_event("stream_disabled", kind="audio", participant_id=p.id)),
                         ("participant_left", is_event("participant_left", id=p.id))):
            t, _ = l1.wait_event(f"{ev} of {p.name}", pred, 10, since=t0)
            latency[f"{p.name}_{how}_{ev}"] = round(t - t0, 3)
            run.check(t - t0 <= 2.0, f"listener-1: {ev} for {p.name} ({how}) {t - t0:.3f} s after it (<= 2 s)")
    prc = p1.proc.wait(15)
    run.check(prc == EXIT_INTERRUPTED, f"roomcast publish p1 left on SIGINT and exits {EXIT_INTERRUPTED} (got {prc})")
    p2.proc.wait(5)
    run.figures["leaveLatencySeconds"] = latency
    l1.p.send_signal(signal.SIGINT)
    rc1, t1_exit = l1.exit_time(15)
    run.check(rc1 == EXIT_INTERRUPTED, f"listener-1 SIGINTed exits {EXIT_INTERRUPTED} (got {rc1})")

    for lst, t_join, t_exit in ((l1, t1_join, t1_exit), (l2, t2_join, t2_exit)):
        x = read_wav(run, run.path(f"{lst.name}.wav"), f"{lst.name} mix", whole_frames=True)
        run.duration_check(x, t_exit - t_join, f"{lst.name} mix")
        files = run.per_participant_files(dirs[lst.name], {p1.id: "p1", p2.id: "p2"}, lst.name)
        for p in (p1, p2):
            y = read_wav(run, files[p.id], f"{lst.name} {p.name}")
            fig = run.figures.setdefault(f"{lst.name} {p.name}", {})
            span = heard_span(levels_db(y))
            fig["heardSeconds"] = round((span[1] - span[0]) * FRAME / RATE, 3) if span else 0
            # Timeline kept: at least from when the listener named it the speaker (its audio
            # arrived before that) to when it left or the listener was interrupted.
            least = heard_until[lst.name, p.name] - heard_from[lst.name, p.name] - 0.1
            fig["heardAtLeastSeconds"] = round(least, 3)
            run.check(fig["heardSeconds"] >= least, f"{lst.name} {p.name}: heard {fig['heardSeconds']} s >= "
                      f"{least:.3f} s (speaker_changed to it until it left / the SIGINT, - 0.1 s)")
            if span and span[1] - span[0] >= 100:
                hz, _ = dominant_hz(middle(y, span, max_s=5), RATE)
                fig["dominantHz"] = round(hz, 3)
                run.check(abs(hz - p.hz) <= 1.0, f"{lst.name} {p.name}: {hz:.3f} Hz within 1 Hz of {p.hz:g}")
            else:
                run.check(False, f"{lst.name} {p.name}: at least 2 s heard ({fig['heardSeconds']} s)")


def case_publish_record(run):
    """`roomcast publish A --record --record-dir` hears B (another roomcast publish), not itself."""
    run.start_server()
    rec, per = run.path("a-hears.wav"), run.path("a-per")
    os.mkdir(per)
    a = Publisher(run, "roomcast", "a", 440, file=run.tone_file("a.mp4", "'0.5*sin(2*PI*440*t)'", 12),
                  extra=("--record", rec, "--record-dir", per))
    t_join, _ = a.proc.wait_event("meeting_joined", is_event("meeting_joined"), 20)
    a.ready()
    b = Publisher(run, "roomcast", "b", 660, file=run.tone_file("b.mp4", "'0.5*sin(2*PI*660*t)'", 7)).ready()
    a.proc.wait_event("participant_joined of b", is_event("participant_joined", id=b.id, name="b"), 10)
    run.check(b.proc.wait(25) == 0, "publisher b played its file and left cleanly")
    rc, t_exit = a.proc.exit_time(25)
    run.check(rc == 0, f"publisher a played its file, recording, and left cleanly (exit {rc})")
    x = read_wav(run, rec, "a's recording", whole_frames=True)
    run.duration_check(x, t_exit - t_join, "a's recording")
    run.tone_checks(x, 660, "a's recording", others=[440])
    files = run.per_participant_files(per, {b.id: "b"}, "a")
    run.tone_checks(read_wav(run, files[b.id], "a's per-participant b"), 660, "a's per-participant b", others=[440])


def case_disk_full(run):
    """`roomcast listen --record` onto a 64 KiB tmpfs (netns.sh gives us a private mount
    namespace) while a publisher plays: the disk fills within a second. One error event names the
    file and the full disk, the WAV stays valid (its header describes exactly the data on disk),
    and the listener stays in the meeting until --duration ends it (exit 0)."""
    small = run.path("small-disk")
    os.mkdir(small)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small]).returncode != 0:
        log("SKIP: cannot mount a tmpfs here (not root in a private mount namespace)")
        raise SystemExit(SKIP)
    try:
        run.start_server()
        rec = os.path.join(small, "mix.wav")
        lst, t_join = run.listen("listener", "--record", rec, "--duration", "10")
        Publisher(run, "roomcast", "p", 440, file=run.tone_file("p.mp4", "'0.5*sin(2*PI*440*t)'", 12)).ready()
        t_err, err = lst.wait_event("error event (disk full)", is_event("error"), 15)
        msg = str(err.get("message"))
        run.check(f"cannot write '{rec}': No space left on device; recording stopped after " in msg
                  and "(the file is valid and keeps what was written)" in msg,
                  f"listener: an error event names the file and the full disk: {msg!r}")
        rc, t_exit = lst.exit_time(25)
        errors = [e for _, e in lst.events if e.get("event") == "error"]
        left = [e for _, e in lst.events if e.get("event") == "meeting_left"]
        run.check(rc == 0, f"listener stayed until --duration and exited 0 (exit {rc})")
        run.check(len(errors) == 1, f"one error event, not one per frame ({len(errors)})")
        run.check(len(left) == 1 and left[0].get("error") is False and t_exit - t_join > 9,
                  f"the meeting went on after the disk filled: left once, no error, "
                  f"{t_exit - t_join:.1f} s after joining ({left})")
        with open(rec, "rb") as f:
            b = f.read()
        riff, data = int.from_bytes(b[4:8], "little"), int.from_bytes(b[40:44], "little")
        run.check(len(b) > 20000 and b[:4] == b"RIFF" and b[36:40] == b"data" and riff == len(b) - 8
                  and data == len(b) - 44 and data % 2 == 0,
                  f"the WAV is valid: {len(b)} bytes, RIFF size {riff}, data size {data}")
        run.figures["diskFull"] = {"wavBytes": len(b), "errorAfterSeconds": round(t_err - t_join, 2)}
    finally:
        subprocess.run(["umount", "-l", small])


def run_case(a):
    need_netns()
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", PY])
    if a.case in ("chromium", "three"):
        need(["/usr/bin/chromium", "node", os.path.join(HERE, "node_modules", "playwright-core")])
    run = Run(a)
    cases = {"chromium": case_single, "aiortc": case_single, "roomcast": case_single,
             "three": case_three, "leaves": case_leaves, "publish_record": case_publish_record,
             "disk_full": case_disk_full}
    run_scenario(run, cases[a.case], expect_failure=a.expect_failure)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True, help="path of the roomcast binary")
    ap.add_argument("--case", required=True,
                    choices=["chromium", "aiortc", "roomcast", "three", "leaves", "publish_record", "disk_full"])
    ap.add_argument("--hz", type=float, default=TONE_HZ, help="tone the single-publisher cases expect")
    ap.add_argument("--publisher-tone", help="aiortc case: what aiortc_publisher.py sends (self-tests: "
                    "tone:446, tone:440:stutter)")
    ap.add_argument("--keep", metavar="DIR", help="copy the media and recordings to DIR")
    ap.add_argument("--expect-failure", metavar="TEXT", help="self-test: pass only if a check mentioning TEXT fails")
    a = ap.parse_args()
    return guarded(run_case, a)


if __name__ == "__main__":
    sys.exit(main())
