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
#   media_dead   the listener's UDP ports dropped (nftables): after ICE consent expires (30 s)
#                the failed media path is reported lost, the old resource DELETEd and a new WHEP
#                session made (`reconnecting`, `reconnected`), and the audio flows again
#   run_whep_test.py --roomcast BIN --case CASE   (under netns.sh)
import argparse
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, CaseChecks, Proc, drop_udp_ports, end_case, leak_check, log,  # noqa: E402
                      private_tmpdir, recorded_tone, run_named_cases, start_roomcast_server, udp_ports_of)

ROOM = 1234
TONE_HZ = 441.0
SECONDS = 6
WHEP_PORT = 7090
ENDPOINT = "rc-feed"
TOKEN = "whep-token-Q7mD2x"
WRONG_TOKEN = "whep-WRONG-p9Lc4t"
URL = f"http://127.0.0.1:{WHEP_PORT}/whep/endpoint/{ENDPOINT}"


def start_publisher(a, work, env, seconds=30):
    tone = os.path.join(work, "tone.wav")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={TONE_HZ:g}:sample_rate=48000:duration={seconds}", "-ac", "1", tone],
                   check=True, timeout=60)
    return Proc("publish", [a.roomcast, "publish", tone, "--server", a.url, "--room", ROOM, "--json",
                            "--duration", seconds], env=env)


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


NFT_TABLE = "rcwhepdrop"


def receiving_packets(line):
    """Packets received in a --stats JSON line (0 when it is not one)."""
    try:
        stats = json.loads(line)
    except ValueError:
        return 0
    return sum(r.get("packets_received", 0) for r in stats.get("receiving") or []) if stats.get("type") == "stats" else 0


def case_media_dead(a, work):
    _, env = private_tmpdir(work)
    checks, procs = CaseChecks(), []
    try:
        server, a.url = start_roomcast_server(a.roomcast, env, str(ROOM))
        procs.append(server)
        pub = start_publisher(a, work, env, seconds=90)
        procs.append(pub)
        joined = pub.wait_line(r'"event":"meeting_joined"', 20, "out")
        whep = start_whep_server(a.url, json.loads(joined.string)["participant_id"])
        procs.append(whep)
        listen = Proc("listen", [a.roomcast, "listen", "--whep", URL, "--json", "--stats"],
                      env=dict(env, ROOMCAST_TOKEN=TOKEN))
        procs.append(listen)
        listen.wait_line(r'"packets_received":[1-9]', 20, "out")
        ports = udp_ports_of(listen.p.pid)
        checks.check(bool(ports), f"the listener's UDP ports are found ({ports})")
        drop_udp_ports(NFT_TABLE, ports)
        reconnecting = listen.wait_line(r'"event":"reconnecting"', 45, "out")
        reason = json.loads(reconnecting.string).get("reason", "")
        checks.check("media path from the WHEP server" in reason and "failed" in reason,
                     f"the failed media path is reported: {reason!r}")
        back = json.loads(listen.wait_line(r'"event":"reconnected"', 30, "out").string)
        checks.figures.update(how=back.get("how"), downtime_ms=back.get("downtime_ms"))
        checks.check(back.get("how") == "rejoined", f"back by a new WHEP session ({back.get('how')})")
        # The new session's connection uses new ports: the audio flows again while the old stay dropped.
        # Two stats lines a second apart once back: 50 Opus packets a second arrive again.
        first = receiving_packets(listen.wait_line(r'"type":"stats"', 10, "out").string)
        listen.wait_line(r'"type":"stats"', 10, "out")  # a whole second after the reconnect
        second = receiving_packets(listen.wait_line(r'"type":"stats"', 10, "out").string)
        third = receiving_packets(listen.wait_line(r'"type":"stats"', 10, "out").string)
        checks.figures.update(packets_per_s_after=third - second)
        checks.check(third - second >= 40, f"the audio flows again ({third - second} packets in the last second; "
                                           f"{first} at the first line after the reconnect)")
        checks.check(any("Terminating WHEP session" in l for l in whep.out + whep.err),
                     "the failed session was DELETEd (the server ended it)")
        errors = [l for l in listen.err if l.startswith("roomcast: error: ")]
        checks.check(not errors, f"no error line ({errors[:1]})")
        checks.leaves_on_ctrl_c(listen, "listen")
        whep.terminate()
        pub.terminate()
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        end_case(reversed(procs), NFT_TABLE)
    checks.done("media_dead", *procs)
    leak_check()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", required=True, choices=["tone", "interrupt", "wrong_token", "media_dead"])
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(HERE, "node_modules", "janus-whep-server")):
        print("skip: janus-whep-server not in tests/e2e/node_modules (npm ci in tests/e2e)", file=sys.stderr)
        return 77
    return run_named_cases({a.case: case_media_dead if a.case == "media_dead" else case}, a, "roomcast-e2e-whep-",
                           tools=[a.roomcast, "janus", "node", "ffmpeg", "nft", "ss"])


if __name__ == "__main__":
    sys.exit(main())
