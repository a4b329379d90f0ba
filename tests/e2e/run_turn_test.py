#!/usr/bin/python3
# E2E: media through a real TURN server (coturn). roomcast runs in a nested network namespace
# whose only link leads to coturn's address (nftables there lets through only signaling to
# Janus and TURN); Janus, coturn and an aiortc listener are in the outer one. Cases:
#   relay_udp   --ice-transport-policy relay --ice-server turn:H:P: the listener hears the tone,
#               --stats shows a relay pair over UDP, nft counts the TURN packets, coturn logs
#               the allocation
#   relay_tcp   the same with ?transport=tcp while all UDP from the inner namespace is dropped
#   wrong_credential   a bad TURN credential: a clear error naming the server, bounded, and
#               the credential never printed
#   no_turn     no ICE server: Janus's candidates are unreachable, the join fails (bounded)
#   stun_all    --ice-server stun:H:P and turn:H:P with the policy all: coturn answers our STUN
#               binding requests, and the relay carries the media (no host pair works from here)
#   listen_relay   the receiving side: `roomcast listen` with the relay policy records an aiortc
#               publisher's tone through TURN (the answerer's relay-only candidates)
#   python_relay   relay_udp from the Python module (IceServer, IceTransportPolicy.RELAY): the
#               listener hears it and publish_stats() names the relay pair
#   run_turn_test.py --roomcast BIN --case CASE [--python-dir DIR]   (under netns.sh)
import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (SignalingRelay, recorded_tone, HERE, PY, Failure, Proc, json_lines, leak_check, log, private_tmpdir,  # noqa: E402
                      report_checks, run_named_cases, start_roomcast_server)

ROOM = 1234
TONE_HZ = 441.0
SECONDS = 5
OUTER, INNER = "10.78.0.1", "10.78.0.2"  # coturn (and Janus's WebSocket) / roomcast
TURN_PORT = 3478
USER, CREDENTIAL = "rc-user", "turn-secret-K8v2Qw"
WRONG_CREDENTIAL = "turn-WRONG-p4Ls9x"


def sh(*argv):
    subprocess.run([str(a) for a in argv], check=True, timeout=15)


class InnerNamespace:
    """A network namespace nested in the test's: one veth link to OUTER, no default route, so
    Janus's 10.77.0.x candidates are unreachable from it. Held by a `cat` on a pipe."""

    def __init__(self):
        # It says when it is in its namespace (its PID exists before unshare(2) has run).
        self.holder = subprocess.Popen(["unshare", "--net", "sh", "-c", "echo in; exec cat"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)
        if self.holder.stdout.readline().strip() != "in":
            raise Failure("unshare --net did not start a namespace")
        self.netns = f"/proc/{self.holder.pid}/ns/net"
        sh("ip", "link", "add", "tn0", "type", "veth", "peer", "name", "tn1", "netns", self.holder.pid)
        sh("ip", "addr", "add", f"{OUTER}/24", "dev", "tn0")
        sh("ip", "link", "set", "tn0", "up")
        for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", f"{INNER}/24", "dev", "tn1"],
                    ["ip", "link", "set", "tn1", "up"]):
            sh("nsenter", f"--net={self.netns}", *cmd)

    def prefix(self):
        return ["nsenter", f"--net={self.netns}"]

    def close(self):
        self.holder.stdin.close()
        self.holder.wait(10)




def firewall(block_udp):
    """What the inner namespace may reach: Janus's WebSocket and coturn (counted; bare STUN
    Binding requests, message type 0x0001 right after the UDP header (RFC 8489 §5), apart: ICE
    checks through the relay travel inside TURN messages); with
    block_udp, no UDP at all (TURN over TCP must carry everything)."""
    udp = "" if block_udp else f"udp dport {TURN_PORT} counter name turn_udp accept"
    rules = f"""
table inet rcturn {{
  counter turn_udp {{}}
  counter turn_tcp {{}}
  counter stun_binding {{}}
  counter turn_udp_out {{}}
  chain output {{
    type filter hook output priority 0; policy accept;
    oifname "tn0" udp sport {TURN_PORT} counter name turn_udp_out
  }}
  chain input {{
    type filter hook input priority 0; policy accept;
    iifname "tn0" tcp dport 8188 accept
    iifname "tn0" udp dport {TURN_PORT} @th,64,16 0x0001 counter name stun_binding
    iifname "tn0" tcp dport {TURN_PORT} counter name turn_tcp accept
    iifname "tn0" {udp}
    iifname "tn0" counter drop
  }}
}}"""
    rules = rules.replace('    iifname "tn0" \n', "")
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True, timeout=15)


def nft_packets(name):
    out = subprocess.run(["nft", "-j", "list", "counter", "inet", "rcturn", name], capture_output=True,
                         text=True, timeout=15, check=True).stdout
    for item in json.loads(out)["nftables"]:
        if "counter" in item:
            return item["counter"]["packets"]
    return 0


def start_coturn(work):
    argv = ["turnserver", "-n", f"--listening-ip={OUTER}", f"--listening-port={TURN_PORT}", "--relay-ip=10.77.0.2",
            "--min-port=49160", "--max-port=49260", "--lt-cred-mech", f"--user={USER}:{CREDENTIAL}",
            "--realm=roomcast.test", "--no-tls", "--no-dtls", "--no-cli", "--log-file=stdout", "--simple-log",
            f"--userdb={work}/turndb", f"--pidfile={work}/turnserver.pid", "--no-software-attribute", "-v"]
    coturn = Proc("coturn", argv)
    try:
        # -v: it says when its listeners are open (UDP after TCP) and logs each allocation.
        coturn.wait_line(rf"UDP listener opened on\s*:\s*{re.escape(OUTER)}:{TURN_PORT}", 15)
    except Failure:
        coturn.terminate()
        raise
    return coturn


# The Python bot: publishes the file through TURN, prints its candidate pair as JSON.
PY_BOT = r"""
import json, os, sys, roomcast
url, tone, turn = sys.argv[1:4]
server = roomcast.IceServer(turn, username=os.environ["TURN_USER"], credential=os.environ["TURN_CREDENTIAL"])
config = roomcast.MeetingConfig(meeting_id="1234", server_url=url, custom_microphone_audio_track=roomcast.FileAudioTrack(tone),
                                ice_servers=[server], ice_transport_policy=roomcast.IceTransportPolicy.RELAY)
print(json.dumps({"repr": repr(config.ice_servers[0])}), flush=True)
meeting = roomcast.init_meeting(config)
meeting.join()
pairs = set()
while not meeting.run_until_left(0.5):
    pairs.add(meeting.publish_stats().selected_candidate_pair)
    if meeting.publish_stats().position_seconds >= 5:
        meeting.leave()
print(json.dumps({"pairs": sorted(p for p in pairs if p)}), flush=True)
meeting.close()
"""


def listen_through_turn(a, work, procs, inner, inner_url, turn_url, env, server, coturn, url):
    mix = os.path.join(work, "mix.wav")
    listen = Proc("listen", [*inner.prefix(), a.roomcast, "listen", "--server", inner_url, "--room", ROOM, "--record",
                             mix, "--duration", 30, "--stats", "--json", "--ice-server", turn_url,
                             "--ice-transport-policy", "relay"], env=env)
    procs.append(listen)
    listen.wait_line(r'"event":"meeting_joined"', 20, "out")
    publisher = Proc("publisher", [PY, os.path.join(HERE, "aiortc_publisher.py"), f"tone:{TONE_HZ:g}", "--server", url,
                                   "--room", ROOM, "--duration", SECONDS])
    procs.append(publisher)
    if publisher.wait(SECONDS + 40) != 0:
        raise Failure(f"the aiortc publisher failed\n{publisher.dump()}")
    listen.wait_line(r'"event":"stream_disabled".*"local":false', 20, "out")
    rc = listen.stop(15, sig=2)  # Ctrl-C: it leaves, the recording is closed
    if not any('"event":"meeting_left"' in l and '"error":false' in l for l in listen.out):
        raise Failure(f"listen did not leave cleanly on Ctrl-C (exit {rc})\n{listen.dump()}")
    pairs = [s["receiving_candidate_pair"] for s in json_lines(listen.out)
             if s.get("type") == "stats" and s.get("receiving_candidate_pair")]
    counted = nft_packets("turn_udp_out")  # what coturn relayed to roomcast
    server.stop(15)
    coturn.stop(10)
    hz, heard_s = recorded_tone(mix)
    report_checks([
        (hz is not None and abs(hz - TONE_HZ) <= 1.0, f"the recording's tone is {hz} Hz, want {TONE_HZ}"),
        (heard_s >= SECONDS - 2.5, f"it lasts {heard_s:.2f} s of {SECONDS}"),
        (pairs and all(p.startswith("relay/udp -> ") and p.endswith("(TURN over udp)") for p in pairs),
         f"the stats' receiving candidate pair is a relay: {sorted(set(pairs))}"),
        (counted >= 40 * SECONDS, f"nft counted {counted} TURN/udp packets from coturn to roomcast's namespace "
                                  f"(>= {40 * SECONDS})"),
    ], "listen_relay: the received media did not go through TURN as it should")


def run(a, work):
    media = os.path.join(work, "media")
    os.mkdir(media)
    subprocess.run([os.path.join(HERE, "make_media.sh"), media], check=True, timeout=60, stdout=subprocess.DEVNULL)
    _, env = private_tmpdir(work)
    inner = InnerNamespace()
    procs, closers = [], []
    try:
        firewall(block_udp=a.case == "relay_tcp")
        coturn = start_coturn(work)
        procs.append(coturn)
        server, url = start_roomcast_server(a.roomcast, env, ROOM)
        procs.append(server)
        relay = SignalingRelay((OUTER, 8188), int(url.rsplit(":", 1)[1]))
        closers.append(relay.close)
        inner_url = f"ws://{OUTER}:8188"
        turn_url = f"turn:{OUTER}:{TURN_PORT}" + ("?transport=tcp" if a.case == "relay_tcp" else "")
        ice = [] if a.case == "no_turn" else ["--ice-server", turn_url, "--ice-transport-policy", "relay"]
        if a.case == "stun_all":
            ice = ["--ice-server", f"stun:{OUTER}:{TURN_PORT}", "--ice-server", turn_url]
        pub_env = dict(env, ROOMCAST_ICE_USERNAME=USER,
                       ROOMCAST_ICE_CREDENTIAL=WRONG_CREDENTIAL if a.case == "wrong_credential" else CREDENTIAL)
        argv = [*inner.prefix(), a.roomcast, "publish", os.path.join(media, "tone.wav"), "--server", inner_url,
                "--room", ROOM, "--duration", SECONDS, "--stats", "--json", *ice]
        if a.case in ("wrong_credential", "no_turn"):
            pub = Proc("publish", argv, env=dict(pub_env, ROOMCAST_LOG="debug"))
            procs.append(pub)
            rc = pub.wait(40)
            text = "\n".join(pub.err)
            checks = [(rc != 0, f"publish exits non-zero ({rc})")]
            if a.case == "wrong_credential":
                checks += [(f"no relay candidate from TURN server '{turn_url}'" in text,
                            "the error names the TURN server and says no relay candidate came from it"),
                           (any(l.startswith("roomcast: error: ") and turn_url in l for l in pub.err),
                            "the one-line error names the TURN server")]
            else:
                checks.append((any(l.startswith("roomcast: error: ICE failed") and "give a TURN server" in l
                                   for l in pub.err),
                               "an error line: ICE failed (Janus's candidates are unreachable without TURN)"))
            leaks = [l for l in pub.out + pub.err if WRONG_CREDENTIAL in l or CREDENTIAL in l]
            checks.append((not leaks, "no TURN credential in roomcast's output (debug log on)"))
            log("publish stderr:\n" + "\n".join(pub.err[-6:]))
            server.stop(15)
            coturn.stop(10)
            report_checks(checks, f"{a.case}: roomcast did not fail as it should")
            return

        if a.case == "listen_relay":
            return listen_through_turn(a, work, procs, inner, inner_url, turn_url, pub_env, server, coturn, url)
        listener = Proc("listener", [PY, os.path.join(HERE, "aiortc_listener.py"), "--url", url, "--room", ROOM,
                                     "--seconds", SECONDS + 6, "--timeout", 30])
        procs.append(listener)
        listener.wait_line(r"ready:", 45, "err")
        if a.case == "python_relay":
            argv = [*inner.prefix(), PY, "-c", PY_BOT, inner_url, os.path.join(media, "tone.wav"), turn_url]
            pub_env = dict(env, PYTHONPATH=a.python_dir, TURN_USER=USER, TURN_CREDENTIAL=CREDENTIAL)
        pub = Proc("publish", argv, env=pub_env)
        procs.append(pub)
        rc = pub.wait(SECONDS + 40)
        if rc != 0:
            raise Failure(f"publish through TURN exited with {rc}\n{pub.dump()}")
        if listener.wait(SECONDS + 60) != 0:
            raise Failure(f"listener failed\n{listener.dump()}")
        heard = json.loads(listener.out[-1])
        log("listener result: " + json.dumps(heard))
        pairs = [s["sending"]["candidate_pair"] for s in json_lines(pub.out)
                 if s.get("type") == "stats" and s.get("sending") and s["sending"].get("candidate_pair")]
        if a.case == "python_relay":
            lines = json_lines(pub.out)
            pairs = [p for line in lines for p in line.get("pairs", [])]
            shown = [line["repr"] for line in lines if "repr" in line]
            if not shown or CREDENTIAL in shown[0] or "credential=..." not in shown[0]:
                raise Failure(f"repr(IceServer) must hide the credential: {shown}")
        transport = "tcp" if a.case == "relay_tcp" else "udp"
        counted = nft_packets(f"turn_{transport}")
        server.stop(15)
        coturn.stop(10)
        allocations = [l for l in coturn.out if re.search(r"ALLOCATE processed, success", l)]
        if a.case == "stun_all":
            bindings = nft_packets("stun_binding")
            report_checks([(bindings >= 1, f"nft counted {bindings} bare STUN Binding request(s) to coturn (>= 1)")],
                          "roomcast did not ask the STUN server")
        hz = heard.get("dominantHz")
        checks = [
            (hz is not None and abs(hz - TONE_HZ) <= 1.0, f"the listener heard {hz} Hz, want {TONE_HZ}"),
            ((heard.get("seconds") or 0) >= SECONDS - 2.5, f"for {heard.get('seconds')} s of {SECONDS}"),
            (pairs and all(p.startswith("relay/udp -> ") and p.endswith(f"(TURN over {transport})") for p in pairs),
             f"the stats' candidate pair is a relay over TURN/{transport}: {sorted(set(pairs))}"),
            (counted >= 40 * SECONDS, f"nft counted {counted} TURN/{transport} packets from roomcast's namespace "
                                      f"(>= {40 * SECONDS})"),
            (allocations, f"coturn logged {len(allocations)} successful allocation(s)"),
        ]
        report_checks(checks, f"{a.case}: media did not go through TURN as it should")
    finally:
        for p in reversed(procs):
            p.terminate()
        for close in closers:
            close()
        inner.close()
        subprocess.run(["nft", "delete", "table", "inet", "rcturn"], capture_output=True, timeout=15)
    leak_check()


CASES = ["relay_udp", "relay_tcp", "wrong_credential", "no_turn", "stun_all", "listen_relay", "python_relay"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", required=True, choices=CASES)
    ap.add_argument("--python-dir", help="python_relay: the build's Python module folder")
    a = ap.parse_args()
    return run_named_cases({a.case: run}, a, "roomcast-e2e-turn-",
                           tools=[a.roomcast, "janus", "turnserver", "ffmpeg", "nft", "nsenter", "unshare", PY])


if __name__ == "__main__":
    sys.exit(main())
