#!/usr/bin/python3
# E2E: WHEP listening against a server we did not write: Meetecho's janus-whep-server library
# (npm, launched by whep_server.mjs) in front of the Janus that `roomcast server` runs, with
# an endpoint for the VideoRoom feed of a `roomcast publish` of a 441 Hz tone. Cases:
#   tone         `roomcast listen --whep URL --record` (token from ROOMCAST_TOKEN): the server
#                answers 406 with its offer, our answer goes by PATCH; the recording holds 441 Hz
#                for most of the publish; leaving DELETEs the resource (the server logs the
#                session's end and has no subscriber left)
#   interrupt    the same without --duration, ended by Ctrl-C (SIGINT, exit 130): the resource
#                is DELETEd on the way out
#   wrong_token  a one-line error naming HTTP 403, the URL and the token; exit 4; nothing left
#   run_whep_test.py --roomcast BIN --case CASE   (under netns.sh)
import argparse
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, CaseChecks, Proc, end_case, leak_check, log, private_tmpdir,  # noqa: E402
                      recorded_tone, run_named_cases, start_roomcast_server)

ROOM = 1234
TONE_HZ = 441.0
SECONDS = 6
WHEP_PORT = 7090
ENDPOINT = "rc-feed"
TOKEN = "whep-token-Q7mD2x"
WRONG_TOKEN = "whep-WRONG-p9Lc4t"
URL = f"http://127.0.0.1:{WHEP_PORT}/whep/endpoint/{ENDPOINT}"


def start_publisher(a, work, env):
    tone = os.path.join(work, "tone.wav")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={TONE_HZ:g}:sample_rate=48000:duration=30", "-ac", "1", tone],
                   check=True, timeout=60)
    return Proc("publish", [a.roomcast, "publish", tone, "--server", a.url, "--room", ROOM, "--json",
                            "--duration", 30], env=env)


def start_whep_server(janus_url, feed):
    server = Proc("whep-server", ["node", os.path.join(HERE, "whep_server.mjs"), janus_url, WHEP_PORT, ROOM, feed,
                                  ENDPOINT, TOKEN], cwd=HERE)
    try:
        server.wait_line(r"rc-e2e: WHEP server ready", 20, "out")
    except Exception:
        server.terminate()
        raise
    return server


def case(a, work):
    _, env = private_tmpdir(work)
    checks, procs = CaseChecks(), []
    try:
        server, a.url = start_roomcast_server(a.roomcast, env, str(ROOM))
        procs.append(server)
        pub = start_publisher(a, work, env)
        procs.append(pub)
        joined = pub.wait_line(r'"event":"meeting_joined"', 20, "out")
        feed = json.loads(joined.string)["participant_id"]
        whep = start_whep_server(a.url, feed)
        procs.append(whep)
        mix = os.path.join(work, "mix.wav")
        argv = [a.roomcast, "listen", "--whep", URL, "--json", "--record", mix, "--stats"]
        if a.case != "interrupt":
            argv += ["--duration", SECONDS]
        if a.case == "wrong_token":
            argv += ["--token", WRONG_TOKEN]
        listen = Proc("listen", argv, env=dict(env, ROOMCAST_TOKEN=TOKEN, ROOMCAST_LOG="debug"))
        procs.append(listen)
        if a.case == "interrupt":
            listen.wait_line(rf'"t":{SECONDS - 1}\.', SECONDS + 15, "out")  # the stats line after ~5 s
            rc = listen.stop(15, signal.SIGINT)
        else:
            rc = listen.wait(SECONDS + 20)
        errors = [l for l in listen.err if l.startswith("roomcast: error: ")]
        log("listen stderr:\n" + "\n".join(listen.err[-4:]))
        if a.case == "wrong_token":
            checks.check(rc == 4, f"listen exits 4 (a server error; got {rc})")
            checks.check(len(errors) == 1, f"one error line ({len(errors)})")
            line = errors[0] if errors else ""
            for text in ["HTTP 403", URL, "check the token"]:
                checks.check(text in line, f"the error says '{text}'")
        else:
            want_rc = 130 if a.case == "interrupt" else 0
            checks.check(rc == want_rc, f"listen exits {want_rc} (got {rc})")
            checks.check(not errors, f"no error line ({errors[:1]})")
            out = "\n".join(listen.out)
            checks.check('"event":"participant_joined"' in out, "the feed appears as a participant")
            hz, heard_s = recorded_tone(mix) if os.path.exists(mix) else (None, 0)
            checks.figures.update(hz=hz, heard_s=round(heard_s, 2))
            checks.check(hz is not None and abs(hz - TONE_HZ) < 3, f"the recording is {TONE_HZ:g} Hz (got {hz})")
            checks.check(heard_s >= (SECONDS - 1) * 0.6, f"heard for most of the {SECONDS} s (got {heard_s:.1f} s)")
            whep.wait_line(r"rc-e2e: subscriber-gone \S+ \(0 left\)", 10, "out")
            checks.check(any("Terminating WHEP session" in l for l in whep.out + whep.err),
                         "the server ended the session on our DELETE (Terminating WHEP session), none left")
        leaks = [l for l in listen.out + listen.err if TOKEN in l or WRONG_TOKEN in l]
        checks.check(not leaks, "no token in roomcast's output (debug log on)")
        whep.terminate()
        pub.terminate()
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        end_case(reversed(procs))
    checks.done(a.case, *procs)
    leak_check()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", required=True, choices=["tone", "interrupt", "wrong_token"])
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(HERE, "node_modules", "janus-whep-server")):
        print("skip: janus-whep-server not in tests/e2e/node_modules (npm ci in tests/e2e)", file=sys.stderr)
        return 77
    return run_named_cases({a.case: case}, a, "roomcast-e2e-whep-",
                           tools=[a.roomcast, "janus", "node", "ffmpeg"])


if __name__ == "__main__":
    sys.exit(main())
