#!/usr/bin/python3
# E2E: a server, a real listener (Chromium or aiortc), a publisher of a 441 Hz tone file;
# asserts what the listener heard, then that nothing (process, temp dir) is left behind.
# Run under netns.sh. With --roomcast BIN: `BIN server` + `BIN publish`; with --standin: the
# Python Janus launcher + aiortc publisher (validates the harness itself).
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, Failure, Proc, become_subreaper, check_dirs_gone, guarded,  # noqa: E402
                      janus_config_dirs_of_descendants, janus_dirs, leak_check, log, need,
                      private_tmpdir)

TONE_HZ = 441.0
ROOM = 1234
START_ALLOWANCE_S = 2.0


def check(results, cond, what):
    results.append((bool(cond), what))


ROOMCAST_LEAD_IN_S = 0.3  # `roomcast publish --lead-in`, its default


def assertions(a, r):
    """List of (ok, description) for listener result r.

    The listener subscribes only once the publisher exists, so it may miss up to
    START_ALLOWANCE_S of the start (more under CPU load); rate, gap and level checks are
    therefore relative to the span it heard (`seconds`: first to last packet), and the span
    itself must cover the publish duration but that allowance."""
    res = []
    span = r.get("seconds") or 0
    # roomcast sends lead-in silence first (packets, but nothing to hear); aiortc does not.
    audible = span - (ROOMCAST_LEAD_IN_S if a.roomcast else 0)
    check(res, a.duration - START_ALLOWANCE_S <= span <= a.duration + 0.5,
          f"heard span {span} s within [{a.duration} - {START_ALLOWANCE_S}, {a.duration} + 0.5] s")
    expected = r.get("expectedPackets") or 0
    got = r.get("packetsReceived") or 0
    check(res, got >= 0.95 * expected, f"packetsReceived {got} >= 95% of {expected} expected (span x 50/s)")
    check(res, got <= 1.05 * expected + 5, f"packetsReceived {got} <= 105% of {expected} (no extra audio)")
    hz = r.get("dominantHz")
    check(res, hz is not None and abs(hz - TONE_HZ) <= 1.0, f"dominantHz {hz} within 1 Hz of {TONE_HZ}")
    rms = r.get("rmsDbfs")
    check(res, rms is not None and rms > -40, f"rmsDbfs {rms} > -40 (not silence)")
    check(res, (r.get("codec") or "").lower() == "audio/opus", f"codec {r.get('codec')} is audio/opus")
    if a.listener == "chromium":
        ratio = r.get("concealedRatio")
        # roomcast must stay under 1 %. The stand-in (aiortc) paces with asyncio sleeps, the
        # seed's weak spot 3, and under load has been measured at 1.1 %: the harness self-test
        # only needs it clearly below a stutter's ~10 %.
        limit = 0.01 if a.roomcast else 0.03
        check(res, ratio is not None and ratio < limit,
              f"concealedSamples/totalSamplesReceived {ratio} < {limit:.0%} "
              f"({r.get('concealedSamples')}/{r.get('totalSamplesReceived')})")
        peak = r.get("analyserPeakHz")
        check(res, peak is not None and abs(peak - TONE_HZ) <= r["fftBinHz"],
              f"AnalyserNode peak {peak} within one bin ({r.get('fftBinHz')} Hz) of {TONE_HZ}")
        heard = r.get("heardSeconds") or 0
        check(res, heard >= 0.95 * audible, f"heardSeconds {heard} >= 95% of the audible span {audible:.3f} s")
    else:
        heard = r.get("heardPlusHeldSeconds") or 0
        # The listener itself knows where the audible part began (it may have joined after
        # the lead-in, or after the start).
        audible = r.get("audibleSpanSeconds") or audible
        check(res, abs(heard - audible) <= 0.02 * audible,
              f"heard {heard} s within 2% of the audible span {audible:.3f} s (decoded {r.get('heardSeconds')} s + "
              f"{r.get('heldInJitterBuffer')} packets aiortc holds back)")
    return res


def run(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh: Janus needs a non-loopback interface "
                      "and e2e traffic must stay inside a private network namespace")
    become_subreaper()
    need([a.roomcast] if a.roomcast else [])
    need(["/usr/bin/janus", "ffmpeg", PY])
    if a.listener == "chromium":
        need(["/usr/bin/chromium", "node", os.path.join(HERE, "node_modules", "playwright-core")])
    tmp = tempfile.mkdtemp(prefix="roomcast-e2e-")
    procs = []
    server_dirs = set()
    try:
        subprocess.run([os.path.join(HERE, "make_media.sh"), tmp], check=True, timeout=60)
        media = a.file or os.path.join(tmp, f"tone.{a.format}")

        server_argv = ([a.roomcast, "server", "--room", ROOM] if a.roomcast else
                       [PY, os.path.join(HERE, "janus_server.py"), "--room", ROOM])
        if a.token_secret:
            server_argv += ["--token-secret", a.token_secret]
        if a.pin:
            server_argv += ["--pin", a.pin]
        sut_tmp, sut_env = private_tmpdir(tmp)
        server = Proc("server", server_argv, env=sut_env)
        procs.append(server)
        m = server.wait_line(r"^roomcast server: (ws://\S+) room (\S+)", 20, "out")
        url = m.group(1)
        token = ""
        if a.token_secret:
            if a.roomcast:
                token = server.wait_line(r"^roomcast server: token (\S+)", 5, "out").group(1)
            else:
                from janus_client import make_signed_token
                token = make_signed_token(a.token_secret, time.time() + 3600)
        server_dirs = janus_config_dirs_of_descendants()
        log(f"server ready at {url}; janus dirs {sorted(server_dirs)}")

        seconds = a.duration + 6  # upper bound; the listener stops when the publisher leaves
        lst_args = ["--url", url, "--room", ROOM, "--seconds", seconds, "--timeout", 30]
        if token:
            lst_args += ["--token", token]
        if a.pin:
            lst_args += ["--pin", a.pin]
        if a.listener == "chromium":
            listener = Proc("listener", ["node", os.path.join(HERE, "browser_listener.mjs"), *lst_args])
        else:
            listener = Proc("listener", [PY, os.path.join(HERE, "aiortc_listener.py"), *lst_args])
        procs.append(listener)
        listener.wait_line(r"ready:", 45, "err")

        pub_args = [media, "--server", url, "--room", ROOM, "--duration", a.publish_duration or a.duration]
        if token:
            pub_args += ["--token", token]
        if a.pin:
            pub_args += ["--pin", a.pin]
        if a.roomcast:
            publisher = Proc("publisher", [a.roomcast, "publish", *pub_args, "--lead-in", ROOMCAST_LEAD_IN_S],
                             env=sut_env)
        else:
            publisher = Proc("publisher", [PY, os.path.join(HERE, "aiortc_publisher.py"), *pub_args])
        procs.append(publisher)
        prc = publisher.wait(a.duration + 40)
        if prc != 0:
            raise Failure(f"publisher exited with {prc}\n{publisher.dump()}")

        lrc = listener.wait(seconds + 60)
        if lrc != 0:
            raise Failure(f"listener exited with {lrc}\n{listener.dump()}")
        result = json.loads(listener.out[-1])
        log("listener result: " + json.dumps(result))
        src = server.stop(15)
        if src != 0:
            raise Failure(f"server exited with {src} after SIGTERM\n{server.dump()}")

        res = assertions(a, result)
        for ok, what in res:
            log(("PASS " if ok else "FAIL ") + what)
        if a.expect_failure:
            # Harness self-test: the bad stream must be caught by the named check.
            caught = [w for ok, w in res if not ok and a.expect_failure in w]
            if not caught:
                raise Failure(f"expected a failed check mentioning '{a.expect_failure}'; "
                              "the harness did not catch the bad stream")
            log(f"bad stream caught as expected: {caught}")
        elif not all(ok for ok, _ in res):
            raise Failure("listener figures out of bounds:\n" + "\n".join(w for ok, w in res if not ok) +
                          "\n" + publisher.dump(10))
        left = janus_dirs(sut_tmp)
        if left:
            raise Failure(f"the server or publisher left {', '.join(sorted(left))}")
        print(json.dumps({"test": f"{a.listener}_hears_{a.format}", "publisher": "roomcast" if a.roomcast else "aiortc",
                          "listener": result}))
    finally:
        for p in reversed(procs):
            p.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
    leak_check()
    check_dirs_gone(server_dirs, "the server")
    check_dirs_gone([tmp], "the driver")


def main():
    ap = argparse.ArgumentParser()
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--roomcast", help="path of the roomcast binary")
    who.add_argument("--standin", action="store_true", help="Python Janus launcher + aiortc publisher")
    ap.add_argument("--listener", choices=["chromium", "aiortc"], default="chromium")
    ap.add_argument("--format", default="mp4", help="tone.FORMAT from make_media.sh")
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--token-secret", default="", help="server requires signed tokens")
    ap.add_argument("--pin", default="", help="the room has this PIN; peers pass it")
    ap.add_argument("--file", help="publish this instead of tone.FORMAT (stand-in: tone:HZ[:stutter])")
    ap.add_argument("--publish-duration", type=float,
                    help="self-test: tell the publisher this instead of --duration")
    ap.add_argument("--expect-failure", metavar="TEXT",
                    help="self-test: pass only if a check mentioning TEXT fails")
    a = ap.parse_args()
    return guarded(run, a)


if __name__ == "__main__":
    sys.exit(main())
