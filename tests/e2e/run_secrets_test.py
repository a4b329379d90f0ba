#!/usr/bin/python3
# E2E: tokens, PINs and secrets never appear in roomcast's output. A room with a PIN on a
# server with signed tokens; listen and publish with distinctive credentials and debug logging
# (every Janus request is logged), plus refusals for a wrong PIN and a wrong token, and TURN
# credentials from the environment and from --ice-credential-file; every
# stdout/stderr line of roomcast is searched for each credential. Janus's own log is not ours.
#   run_secrets_test.py --roomcast BIN   (under netns.sh)
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, Failure, Proc, become_subreaper, guarded, json_lines, leak_check, log,  # noqa: E402
                      need, private_tmpdir, start_roomcast_server)

ROOM = 1234
TOKEN_SECRET = "tsecret-Q7zK2pLm"
PIN = "pin-V8xW3kJd"
WRONG_PIN = "pin-WRONG-R4t6Yh"
WRONG_TOKEN = "9999999999,janus,janus.plugin.videoroom:bogusTok-M3n5Zq="
TURN_USER, TURN_CREDENTIAL = "turnuser-H2d8", "turncred-P5wN7c"
FILE_TURN_CREDENTIAL = "filecred-J3kR6t"


def run(a, work):
    media = os.path.join(work, "media")
    os.mkdir(media)
    subprocess.run([os.path.join(HERE, "make_media.sh"), media], check=True, timeout=60,
                   stdout=subprocess.DEVNULL)
    _, env = private_tmpdir(work)
    env = dict(env, ROOMCAST_LOG="debug")
    tone = os.path.join(media, "tone.wav")
    server, url = start_roomcast_server(a.roomcast, env, ROOM, "--token-secret", TOKEN_SECRET, "--pin", PIN)
    runs = []
    try:
        token = server.wait_line(r"^roomcast server: token (\S+)$", 10, "out").group(1)
        signature = token.rsplit(":", 1)[1]
        common = ["--server", url, "--room", ROOM]
        listen = Proc("listen", [a.roomcast, "listen", *common, "--token", token, "--pin", PIN, "--json",
                                 "--duration", 30], env=env)
        runs.append(listen)
        listen.wait_line(r'"event":"meeting_joined"', 20, "out")
        pub = Proc("publish", [a.roomcast, "publish", tone, *common, "--token", token, "--pin", PIN, "--json",
                               "--duration", 3], env=env)
        runs.append(pub)
        if pub.wait(40) != 0:
            raise Failure(f"publish with token and PIN failed\n{pub.dump()}")
        listen.wait_line(r'"event":"stream_disabled".*"local":false', 20, "out")
        listen.stop(15, sig=2)
        for name, extra, code in (("wrong_pin", ["--token", token, "--pin", WRONG_PIN], 4),
                                  ("wrong_token", ["--token", WRONG_TOKEN, "--pin", PIN], 4)):
            p = Proc(name, [a.roomcast, "publish", tone, *common, *extra, "--duration", 3], env=env)
            runs.append(p)
            rc = p.wait(40)
            if rc != code or not any(l.startswith("roomcast: error: ") for l in p.err):
                raise Failure(f"{name}: exit {rc}, want {code} and an error line\n{p.dump()}")
        # TURN credentials, from the environment and from a file: the TURN server (nothing
        # listens there) gives no relay candidate, which is logged; host candidates carry media.
        cred_file = os.path.join(work, "turn-credential")
        with open(cred_file, "w") as f:
            f.write(f"{TURN_USER}\n{FILE_TURN_CREDENTIAL}\n")
        for name, extra, turn_env in (
                ("turn_env", [], {"ROOMCAST_ICE_USERNAME": TURN_USER, "ROOMCAST_ICE_CREDENTIAL": TURN_CREDENTIAL}),
                ("turn_file", ["--ice-credential-file", cred_file], {})):
            p = Proc(name, [a.roomcast, "publish", tone, *common, "--token", token, "--pin", PIN, "--json", "--stats",
                            "--ice-server", "turn:10.77.0.1:3478", "--ice-server", "stun:10.77.0.1:3479",
                            *extra, "--duration", 2], env=dict(env, **turn_env))
            runs.append(p)
            if p.wait(40) != 0:
                raise Failure(f"{name}: publish with an unreachable TURN server failed\n{p.dump()}")
            if not any("no relay candidate from TURN server 'turn:10.77.0.1:3478'" in l for l in p.err):
                raise Failure(f"{name}: no warning about the TURN server that gave no relay candidate\n{p.dump()}")
        server.stop(15)
    finally:
        server.terminate()
    leak_check()

    # The test can fail: requests carrying the credentials really were logged (masked).
    logged = [l for p in runs[:2] for l in p.err if "janus -> " in l]
    if not any('"token":"***"' in l for l in logged) or not any('"pin":"***"' in l for l in logged):
        raise Failure("the debug log shows no masked token/pin in a request; was ROOMCAST_LOG=debug honoured?\n"
                      + "\n".join(logged[:5]))
    if not json_lines(runs[0].out):
        raise Failure("listen --json printed no JSON")
    # The server prints a valid token by design (that is how one gets one); nothing else.
    outputs = [(p.name, tag, l) for p in runs for tag, lines in (("out", p.out), ("err", p.err)) for l in lines]
    outputs += [("server", tag, l) for tag, lines in (("out", server.out), ("err", server.err)) for l in lines
                if not l.startswith("roomcast server: token ")]
    secrets = {"token secret": TOKEN_SECRET, "token": token, "token signature": signature, "PIN": PIN,
               "wrong PIN": WRONG_PIN, "wrong token": WRONG_TOKEN, "wrong token signature": "bogusTok-M3n5Zq",
               "TURN credential": TURN_CREDENTIAL, "TURN credential from a file": FILE_TURN_CREDENTIAL}
    leaks = [f"{what} in {name} {tag}: {line[:200]}" for name, tag, line in outputs
             for what, value in secrets.items() if value in line]
    if leaks:
        raise Failure("credentials printed:\n" + "\n".join(leaks[:20]))
    log(f"PASS: {len(outputs)} lines of output from {len(runs)} runs and the server, no credential in any")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    a = ap.parse_args()
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        log("FAILED: run this under tests/e2e/netns.sh (private network namespace)")
        return 1
    need([a.roomcast, "/usr/bin/janus", "ffmpeg"])
    become_subreaper()
    work = tempfile.mkdtemp(prefix="roomcast-e2e-secrets-")
    try:
        return guarded(run, a, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
