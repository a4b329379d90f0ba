#!/usr/bin/python3
# E2E: the networks a bot really has. roomcast publish of a 441 Hz tone and roomcast listen
# (recording) meet through `roomcast server` in the test's namespace, under nftables rules:
#   ice_tcp  every UDP packet dropped (counted); the server runs with --ice-tcp (Janus as an
#            ICE lite agent with passive TCP candidates): both sides meet on TCP pairs (the
#            listener, answering a lite server, must take the controlling role); nft counts the
#            TCP segments that carried the media; with --no-ice-tcp the same publish fails with
#            the ICE error.
#   ipv6     the namespace gets IPv6 addresses (fd77::1, fd77::2) and every IPv4 UDP packet is
#            dropped; the server runs with --ipv6; both sides reach it at ws://[::1]:PORT (a TCP
#            relay of ours: Janus's WebSocket listens on 127.0.0.1) and their media goes over
#            IPv6 host candidates (the log's selected pair shows [fd77::...]).
# Both: the recording is the tone for the whole duration.
#   run_network_test.py --roomcast BIN --case ice_tcp|ipv6   (under netns.sh)
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (Failure, Proc, SignalingRelay, guarded, json_lines, leak_check, log, need,  # noqa: E402
                      private_tmpdir, recorded_tone, report_checks, start_roomcast_server)

ROOM = 1234
TONE_HZ = 441.0
SECONDS = 6
TABLE = "rcnetwork"


def nft_packets(name):
    out = subprocess.run(["nft", "-j", "list", "counter", "inet", TABLE, name], capture_output=True, text=True,
                         timeout=15, check=True).stdout
    return next((item["counter"]["packets"] for item in json.loads(out)["nftables"] if "counter" in item), 0)


def block_udp(ws_port):
    rules = f"""
table inet {TABLE} {{
  counter udp_dropped {{}}
  counter media_tcp {{}}
  chain output {{
    type filter hook output priority 0; policy accept;
    tcp sport != {ws_port} tcp dport != {ws_port} counter name media_tcp
    meta l4proto udp counter name udp_dropped drop
  }}
}}"""
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True, timeout=15)


def ipv4_udp_dropped():
    rules = f"""
table inet {TABLE} {{
  counter udp4_dropped {{}}
  counter udp6 {{}}
  chain output {{
    type filter hook output priority 0; policy accept;
    meta nfproto ipv4 meta l4proto udp counter name udp4_dropped drop
    meta nfproto ipv6 meta l4proto udp counter name udp6
  }}
}}"""
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True, timeout=15)


def meet(a, env, url, tone, work, procs, log_env=None):
    """Listener first, then the publisher for SECONDS: (publish Proc, listen Proc, Hz, seconds heard)."""
    mix = os.path.join(work, "heard.wav")
    run_env = dict(env, **(log_env or {}))
    listen = Proc("listen", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--record", mix,
                             "--duration", SECONDS + 20, "--stats", "--json"], env=run_env)
    procs.append(listen)
    listen.wait_line(r'"event":"meeting_joined"', 20, "out")
    pub = Proc("publish", [a.roomcast, "publish", tone, "--server", url, "--room", ROOM, "--duration", SECONDS,
                           "--stats", "--json"], env=run_env)
    procs.append(pub)
    if pub.wait(SECONDS + 30) != 0:
        raise Failure(f"publish failed\n{pub.dump()}")
    listen.wait_line(r'"event":"stream_disabled".*"local":false', 20, "out")
    rc = listen.stop(15, sig=2)  # Ctrl-C: it leaves, the recording is closed
    if not any('"event":"meeting_left"' in l and '"error":false' in l for l in listen.out):
        raise Failure(f"listen did not leave cleanly on Ctrl-C (exit {rc})\n{listen.dump()}")
    hz, heard_s = recorded_tone(mix)
    return pub, listen, hz, heard_s


def heard_checks(hz, heard_s):
    return [(hz is not None and abs(hz - TONE_HZ) <= 1.0, f"the listener recorded {hz} Hz, want {TONE_HZ:g}"),
            (heard_s >= SECONDS - 2.5, f"for {heard_s:.2f} s of {SECONDS}")]


def ice_tcp(a, env, tone, work, procs):
    server, url = start_roomcast_server(a.roomcast, env, ROOM, "--ice-tcp")
    procs.append(server)
    block_udp(int(url.rsplit(":", 1)[1]))
    pub, listen, hz, heard_s = meet(a, env, url, tone, work, procs)
    sent_pairs = {s["sending"]["candidate_pair"] for s in json_lines(pub.out)
                  if s.get("type") == "stats" and (s.get("sending") or {}).get("candidate_pair")}
    heard_pairs = {s["receiving_candidate_pair"] for s in json_lines(listen.out)
                   if s.get("type") == "stats" and s.get("receiving_candidate_pair")}
    udp, tcp = nft_packets("udp_dropped"), nft_packets("media_tcp")
    # The same network with ICE-TCP turned off: no pair works, and the error says so.
    no_tcp = Proc("publish-no-tcp", [a.roomcast, "publish", tone, "--server", url, "--room", ROOM, "--duration",
                                     2, "--no-ice-tcp"], env=env)
    procs.append(no_tcp)
    no_tcp_rc = no_tcp.wait(40)
    server.stop(15)
    log(f"pairs: publish {sorted(sent_pairs)}, listen {sorted(heard_pairs)}; nft: {udp} UDP dropped, "
        f"{tcp} TCP segments outside the WebSocket; heard {hz} Hz for {heard_s:.2f} s")
    report_checks(heard_checks(hz, heard_s) + [
        # prflx: the active end of a TCP pair is only known by its address once connected.
        (sent_pairs and all(re.fullmatch(r"\w+/tcp -> \w+/tcp", p) for p in sent_pairs),
         f"publish --stats: the candidate pair is TCP on both ends: {sorted(sent_pairs)}"),
        (heard_pairs and all(re.fullmatch(r"\w+/tcp -> \w+/tcp", p) for p in heard_pairs),
         f"listen --stats: the receiving pair is TCP on both ends: {sorted(heard_pairs)}"),
        (udp > 0, f"nft dropped {udp} UDP packets: ICE tried UDP first"),
        (tcp >= 50 * SECONDS, f"nft counted {tcp} TCP segments outside the WebSocket (>= {50 * SECONDS})"),
        (no_tcp_rc not in (0, None) and any(l.startswith("roomcast: error: ICE failed") for l in no_tcp.err),
         f"with --no-ice-tcp the join fails with the ICE error (exit {no_tcp_rc}): {no_tcp.err[-1:]}"),
    ], "ICE-TCP did not carry the media as it should")


def ipv6(a, env, tone, work, procs):
    for dev, addr in (("rc0", "fd77::1/64"), ("rc1", "fd77::2/64")):
        subprocess.run(["ip", "-6", "addr", "add", addr, "dev", dev, "nodad"], check=True, timeout=15)
    server, url = start_roomcast_server(a.roomcast, env, ROOM, "--ipv6")
    procs.append(server)
    relay = SignalingRelay(("::1", 0), int(url.rsplit(":", 1)[1]))
    try:
        ipv4_udp_dropped()
        v6_url = f"ws://[::1]:{relay.port}"
        pub, listen, hz, heard_s = meet(a, env, v6_url, tone, work, procs, {"ROOMCAST_LOG": "info"})
        udp6 = nft_packets("udp6")
        server.stop(15)
    finally:
        relay.close()
    pairs = [l for proc in (pub, listen) for l in proc.err if "ice: connected" in l]
    log(f"{relay.accepted} signaling connections over [::1]; {udp6} IPv6 UDP packets; pairs: {pairs}; "
        f"heard {hz} Hz for {heard_s:.2f} s")
    report_checks(heard_checks(hz, heard_s) + [
        (relay.accepted >= 2, f"publish and listen reached the server at {v6_url} ({relay.accepted} connections)"),
        (len(pairs) >= 2 and all("[fd77::" in l for l in pairs),
         f"every selected candidate pair is IPv6 ([fd77::...]): {pairs}"),
        (udp6 >= 50 * SECONDS, f"nft counted {udp6} IPv6 UDP packets (>= {50 * SECONDS})"),
    ], "IPv6 did not carry the signaling and media as it should")


CASES = {"ice_tcp": ice_tcp, "ipv6": ipv6}


def run(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh (Janus needs a non-loopback interface)")
    need([a.roomcast, "/usr/bin/janus", "nft", "ffmpeg", "/usr/bin/python3"])
    work = tempfile.mkdtemp(prefix="rc-network-")
    procs = []
    try:
        tone = os.path.join(work, "tone.wav")
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={TONE_HZ:g}:sample_rate=48000:"
                        f"duration={SECONDS + 4}", tone], check=True, timeout=60)
        _, env = private_tmpdir(work)
        CASES[a.case](a, env, tone, work, procs)
    finally:
        for p in reversed(procs):
            p.terminate()
        subprocess.run(["nft", "delete", "table", "inet", TABLE], capture_output=True, timeout=15)
        subprocess.run(["rm", "-rf", work])
    leak_check()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", choices=list(CASES), required=True)
    sys.exit(guarded(run, ap.parse_args()))


if __name__ == "__main__":
    main()
