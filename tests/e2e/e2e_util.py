# Process plumbing for the e2e drivers: children with line readers, deadlines, leak checks.
import ctypes
import glob
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"  # Debian's, which has aiortc (the python3 on PATH may not)
# What a headless Chromium driven by node (browser_listener.mjs, publisher.js) needs: for need().
BROWSER = ["/usr/bin/chromium", "node", os.path.join(HERE, "node_modules", "playwright-core")]
SKIP = 77  # ctest SKIP_RETURN_CODE


class Failure(Exception):
    pass


def log(msg):
    print(f"[e2e {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def become_subreaper():
    """Orphans (a browser whose node died, janus whose server died) are re-parented to us,
    so leak_check() sees everything this test started."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _child_setup():
    # Die with the driver; start with default signal handling.
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)  # an ignored signal would be inherited across exec


class Proc:
    """A child whose stdout/stderr lines are collected by threads (queue + full text)."""

    def __init__(self, name, argv, env=None, cwd=None, stdin=subprocess.DEVNULL):
        self.name = name
        self.argv = [str(a) for a in argv]
        log(f"start {name}: {' '.join(self.argv)}")
        self.p = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=stdin, text=True, bufsize=1, env=env, cwd=cwd,
                                  preexec_fn=_child_setup)
        self.out, self.err = [], []
        self.lines = queue.Queue()
        self._threads = [threading.Thread(target=self._pump, args=(self.p.stdout, self.out, "out"), daemon=True),
                         threading.Thread(target=self._pump, args=(self.p.stderr, self.err, "err"), daemon=True)]
        for t in self._threads:
            t.start()

    def _pump(self, stream, sink, tag):
        for line in stream:
            line = line.rstrip("\n")
            sink.append(line)
            self.lines.put((tag, line))
            if os.environ.get("ROOMCAST_E2E_VERBOSE"):
                log(f"{self.name}[{tag}]: {line}")
        self.lines.put((tag, None))

    def wait_line(self, pattern, timeout, stream=None):
        """First line (of `stream`, or either) matching regex `pattern`; Failure on timeout/exit."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        closed = set()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"{self.name}: no line matching /{pattern}/ within {timeout} s\n{self.dump()}")
            try:
                tag, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                closed.add(tag)
                if len(closed) == 2:
                    self.p.wait()
                    raise Failure(f"{self.name} exited ({self.p.returncode}) before printing /{pattern}/\n{self.dump()}")
                continue
            if stream in (None, tag):
                m = rx.search(line)
                if m:
                    return m

    def wait(self, timeout):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"{self.name} did not finish within {timeout} s (killed)\n{self.dump()}")
        for t in self._threads:
            t.join(5)
        return rc

    def stop(self, timeout=10, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        return self.wait(timeout)

    def terminate(self, timeout=10):
        """SIGTERM (so servers clean up their temp dirs), SIGKILL after timeout; never raises."""
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def dump(self, n=25):
        return (f"--- {self.name} stdout (last {n}) ---\n" + "\n".join(self.out[-n:]) +
                f"\n--- {self.name} stderr (last {n}) ---\n" + "\n".join(self.err[-n:]))


def descendants(root=None):
    """(pid, comm, cmdline) of every live descendant of `root` (default: this process)."""
    root = root or os.getpid()
    parent, info = {}, {}
    for d in glob.glob("/proc/[0-9]*"):
        try:
            stat = open(f"{d}/stat").read()
            pid = int(d[6:])
            rest = stat[stat.rindex(")") + 2:].split()
            if rest[0] == "Z":
                continue
            parent[pid] = int(rest[1])
            info[pid] = (stat[stat.index("(") + 1:stat.rindex(")")],
                         open(f"{d}/cmdline").read().replace("\0", " ").strip())
        except (OSError, ValueError):
            continue
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c, pp in parent.items():
            if pp == p:
                out.append((c, *info[c]))
                todo.append(c)
    return out


def reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def leak_check(grace=5.0):
    """Failure if any process we started (or its orphan) is still alive after `grace` s;
    kills them either way so one failing test cannot poison the next."""
    deadline = time.monotonic() + grace
    left = []
    while True:
        reap_zombies()
        left = descendants()
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    for pid, _, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    reap_zombies()
    if left:
        raise Failure("processes left running: " + "; ".join(f"{p} {c} [{cmd[:120]}]" for p, c, cmd in left))


def janus_dirs(parent="/tmp"):
    return set(glob.glob(os.path.join(parent, "roomcast-janus-*")))


def private_tmpdir(parent):
    """A TMPDIR for the processes under test: EmbeddedJanus (and the stand-in) put their
    roomcast-janus-* dirs there, so leftovers are attributed exactly."""
    d = os.path.join(parent, "tmp")
    os.makedirs(d, exist_ok=True)
    return d, dict(os.environ, TMPDIR=d)


def check_dirs_gone(dirs, what):
    left = [d for d in dirs if os.path.exists(d)]
    if left:
        raise Failure(f"{what} left directories behind: {', '.join(sorted(left))}")


def janus_config_dirs_of_descendants():
    dirs = set()
    for _, comm, cmd in descendants():
        m = re.search(r"-F (/tmp/roomcast-janus-\S+)", cmd)
        if comm.startswith("janus") and m:
            dirs.add(m.group(1))
    return dirs


def need(paths_or_cmds):
    """Exit SKIP (77) naming what is missing (a tool, a Debian package)."""
    missing = [p for p in paths_or_cmds if not (os.path.exists(p) or shutil.which(p))]
    if missing:
        log(f"SKIP: missing {', '.join(missing)}")
        sys.exit(SKIP)


def in_netns():
    """The e2e tests need a non-loopback interface for Janus's ICE (see netns.sh)."""
    for line in open("/proc/net/dev").read().splitlines()[2:]:
        if line.split(":")[0].strip() not in ("lo",):
            return True
    return False


def guarded(fn, *args):
    """Runs a test body: 0 when it passes; on Failure logs it, still checks for leftover
    processes (killing them), and returns 1."""
    try:
        fn(*args)
    except Failure as e:
        log(f"FAILED: {e}")
        try:
            leak_check()
        except Failure as leak:
            log(f"also: {leak}")
        return 1
    log("OK")
    return 0


def report_checks(results, failure):
    """Logs each (ok, what) as PASS or FAIL; raises Failure(failure) if any failed."""
    failed = False
    for ok, what in results:
        log(("PASS " if ok else "FAIL ") + what)
        failed |= not ok
    if failed:
        raise Failure(failure)


def json_lines(lines):
    """The JSON objects among a process's output lines (logs and other text skipped)."""
    out = []
    for line in lines:
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def chrt_prefix():
    """["chrt", "-f", "10"] where this process may use real-time scheduling, else []: timing
    tests run the process under test so that other jobs on the machine do not make it late."""
    try:
        ok = subprocess.run(["chrt", "-f", "10", "true"], capture_output=True, timeout=10).returncode == 0
    except OSError:
        ok = False
    return ["chrt", "-f", "10"] if ok else []


def start_roomcast_server(binary, env, room, *extra):
    """`roomcast server --room ROOM EXTRA...` until it prints its URL: (Proc, url). A server
    that never gets ready is stopped before the Failure propagates."""
    server = Proc("server", [binary, "server", "--room", room, *extra], env=env)
    try:
        return server, server.wait_line(r"^roomcast server: (ws://\S+) room", 20, "out").group(1)
    except Failure:
        server.terminate()
        raise


def frame_number(luma):
    """The number a test picture carries (run_video_test.py's pattern) from its luma plane, a
    2-D array: its top band's row at 1/8 of the height, 16 blocks across, bit i (LSB first)
    white where block i is."""
    h, w = luma.shape
    row = luma[h // 8]
    return sum(1 << i for i in range(16) if row[int(w * (i + 0.5) / 16)] > 128)


def udp_ports_of(pid):
    """The local UDP ports process `pid` has open (ss), e.g. libnice's host candidates."""
    out = subprocess.run(["ss", "-H", "-uanp"], capture_output=True, text=True, timeout=10).stdout
    return sorted({int(line.split()[3].rsplit(":", 1)[1]) for line in out.splitlines() if f"pid={pid}," in line})


def drop_udp_ports(table, ports):
    """Drops UDP from and to `ports` (nftables table inet `table`, deleted by end_case or the
    caller): both ends are in this namespace, so the output hook sees both directions."""
    port_set = ", ".join(map(str, ports))
    subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
        f"add table inet {table}\n"
        f"add chain inet {table} out {{ type filter hook output priority 0 ; }}\n"
        f"add rule inet {table} out udp sport {{ {port_set} }} drop\n"
        f"add rule inet {table} out udp dport {{ {port_set} }} drop\n"))


def free_port():
    """A TCP port nobody listens on now (for a server to be restarted on the same URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SignalingRelay:
    """A TCP forwarder of ours from `address` (host, port; IPv6 when the host has a colon) to
    Janus's WebSocket on 127.0.0.1:target_port, which listens nowhere else: signaling from a
    nested namespace, or over IPv6. Threads of the driver; `accepted` counts connections."""

    def __init__(self, address, target_port):
        self.target = ("127.0.0.1", target_port)
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.listener = socket.create_server(address, family=family)
        self.port = self.listener.getsockname()[1]
        self.sockets = [self.listener]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def recorded_tone(path, threshold=0.05):
    """(dominant Hz or None, seconds from the first to the last loud sample) of a 48 kHz
    16-bit mono WAV that roomcast listen --record wrote."""
    import wave
    import numpy as np
    from aiortc_listener import dominant_hz
    with wave.open(path) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768.0
    loud = np.flatnonzero(np.abs(x) > threshold)
    heard_s = (loud[-1] - loud[0]) / 48000 if len(loud) else 0
    hz = dominant_hz(x[loud[0]:loud[-1]], 48000)[0] if len(loud) > 48000 else None
    return hz, heard_s


def kill_janus(server):
    """SIGKILLs the janus a `roomcast server` Proc runs (the server then exits): a server gone
    without a goodbye, as a crash would leave it. Returns the monotonic time of the kill."""
    janus = [pid for pid, comm, _ in descendants(server.p.pid) if comm == "janus"]
    if len(janus) != 1:
        raise Failure(f"expected one janus under roomcast server, found {janus}")
    os.kill(janus[0], signal.SIGKILL)
    return time.monotonic()


class OpusStream:
    """A libopus decoder (48 kHz, mono or stereo) for one stream, through ctypes: no Python Opus
    binding here. decode() returns the samples as float (interleaved when stereo), or None when
    libopus refuses the packet."""

    def __init__(self, channels=1):
        self.channels = channels
        self.lib = ctypes.CDLL("libopus.so.0")
        self.lib.opus_decoder_create.restype = ctypes.c_void_p
        self.lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        self.lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
        self.lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                         ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]
        err = ctypes.c_int(0)
        self.dec = self.lib.opus_decoder_create(48000, channels, ctypes.byref(err))
        if not self.dec or err.value != 0:
            raise Failure(f"opus_decoder_create failed ({err.value})")

    def decode(self, payload, fec=False, frame_samples=5760):
        """`fec`: rebuild the frame before from this packet's in-band FEC; libopus then needs
        `frame_samples` to be exactly that frame's length."""
        import numpy as np
        pcm = (ctypes.c_int16 * (frame_samples * self.channels))()
        n = self.lib.opus_decode(self.dec, payload, len(payload), pcm, frame_samples, int(fec))
        if n <= 0:
            return None
        return np.frombuffer(bytes(pcm), dtype=np.int16)[:n * self.channels].astype(float)

    def close(self):
        self.lib.opus_decoder_destroy(self.dec)


def in_work_dir(fn, a, prefix, netns=False):
    """The usual end of a driver's main(): become the subreaper, run fn(a, work) guarded in a
    fresh temporary directory `work` (removed afterwards); returns guarded's exit code. With
    `netns`, a run outside tests/e2e/netns.sh fails first (see need_netns)."""
    def body():
        if netns:
            need_netns()
        fn(a, work)

    become_subreaper()
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as work:
        return guarded(body)


def need_netns():
    """Failure unless this runs inside tests/e2e/netns.sh (Janus needs a non-loopback
    interface, and e2e traffic must stay inside a private network namespace)."""
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh: Janus needs a non-loopback interface "
                      "and e2e traffic must stay inside a private network namespace")


def run_scenario(run, scenario, timed=False, expect_failure=None):
    """A driver's Run object through one scenario: scenario(run), then the server's SIGTERM
    exit (checked to be 0) and run.finish() -- which also runs when the scenario raised, whose
    failure is then the one reported. Prints run.figures as one JSON line (with "seconds" when
    `timed`); Failure listing the failed checks of run.results. `expect_failure` (harness
    self-tests): pass only if a failed check mentions that text."""
    started = time.monotonic()
    try:
        scenario(run)
        code = run.server.stop(15)
        run.check(code == 0, f"server exits 0 after SIGTERM (got {code})")
    except BaseException:  # a bug in the driver must not leave processes behind either
        try:
            run.finish()
        except Failure as also:
            log(f"also: {also}")
        raise
    run.finish()
    if timed:
        run.figures["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(run.figures))
    failed = [what for ok, what in run.results if not ok]
    if expect_failure:
        caught = [what for what in failed if expect_failure in what]
        if not caught:
            raise Failure(f"expected a failed check mentioning '{expect_failure}'; the harness did not catch it")
        log(f"bad stream caught as expected: {caught}")
    elif failed:
        raise Failure("checks failed:\n" + "\n".join(failed))


def run_named_cases(cases, a, prefix, tools=()):
    """A driver with named cases (`cases`: name -> fn(a, work)): runs the one a.case names, or
    all for "all", each guarded, in one temporary directory; returns the worst exit code. 2
    outside tests/e2e/netns.sh; SKIP naming the first of `tools` (commands) that is missing."""
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        print("run inside tests/e2e/netns.sh", file=sys.stderr)
        return 2
    for tool in tools:
        if not shutil.which(tool) and not os.path.exists(f"/usr/bin/{tool}"):
            print(f"skip: {tool} missing", file=sys.stderr)
            return SKIP
    become_subreaper()
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as work:
        return max((guarded(fn, a, work) for name, fn in cases.items() if a.case in (name, "all")), default=0)


class CaseChecks:
    """One case's checks and figures: each check logged as it is made; done() prints the figures
    as one JSON line, then raises Failure listing the failed checks with the last `dump_lines`
    lines of each process given."""

    def __init__(self, dump_lines=40):
        self.problems, self.figures = [], {}
        self.dump_lines = dump_lines

    def check(self, ok, text):
        log(("ok   " if ok else "FAIL ") + text)
        if not ok:
            self.problems.append(text)

    def leaves_on_ctrl_c(self, proc, what):
        """SIGINT to `proc`, checked to exit 130 (within 15 s) as a roomcast command must."""
        proc.p.send_signal(signal.SIGINT)
        self.check(proc.wait(15) == 130, f"{what} leaves on Ctrl-C (exit 130)")

    def done(self, name, *procs):
        print(json.dumps({"case": name, **self.figures}), flush=True)
        if self.problems:
            raise Failure(f"{name}: " + "; ".join(self.problems) + "\n" +
                          "\n".join(p.dump(self.dump_lines) for p in procs))
        log(f"PASS {name}")


def end_case(procs, nft_table=None):
    """A case's teardown, whether it passed or not: its nftables table (inet `nft_table`)
    deleted, then each of `procs` that was started (None: not started) terminated."""
    if nft_table:
        subprocess.run(["nft", "delete", "table", "inet", nft_table], check=False, stderr=subprocess.DEVNULL)
    for p in procs:
        if p:
            p.terminate()



def guarded_then_clean(fn, *args, after=None):
    """guarded(fn, *args); when that passed, nothing it started may still run (leak_check) and
    `after()`, if given, must not raise Failure either. 0, or 1 with the failure logged."""
    rc = guarded(fn, *args)
    if rc != 0:
        return rc
    try:
        leak_check()
        if after:
            after()
    except Failure as e:
        log(f"FAILED: {e}")
        return 1
    return 0
