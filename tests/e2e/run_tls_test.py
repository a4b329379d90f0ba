#!/usr/bin/python3
# E2E: signaling over wss:// to a Janus with a self-signed certificate. With --ca CERT a
# listener and a publisher join and the listener receives the publisher's audio; without
# --ca (or with another certificate) publish is refused naming the certificate and --ca;
# --require-tls refuses ws://. Run under netns.sh:
#   run_tls_test.py --roomcast BIN
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, Failure, Proc, in_work_dir, janus_dirs,  # noqa: E402
                      json_lines, leak_check, log, need, private_tmpdir)

ROOM = 1234
PREFIX = "roomcast: error: "
UNTRUSTED = ("cannot connect to the Janus server at {url}: its TLS certificate is not trusted (",
             "); if the server uses a self-signed certificate, pass that certificate or its CA with --ca FILE "
             "(MeetingConfig::ca_file)")
WRONG_CA = ("cannot connect to the Janus server at {url}: its TLS certificate is not trusted, not even with the "
            "CA file given (", "); check that --ca FILE (MeetingConfig::ca_file) holds the server's certificate "
            "or the CA that signed it, and that the certificate names the host in the URL")
REQUIRE_TLS = "--server '{url}' is unencrypted (ws://), but TLS is required; use the wss:// URL of the server"


def self_signed(d, name):
    cert, key = os.path.join(d, f"{name}.pem"), os.path.join(d, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, timeout=30, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def refusal(a, env, media, name, args, code, want):
    """publish with `args` must exit `code` with one stderr line matching `want` (text, or (head, tail))."""
    pub = Proc(name, [a.roomcast, "publish", os.path.join(media, "tone.wav"), "--room", ROOM, "--duration", 3,
                      *args], env=env)
    rc = pub.wait(40)
    lines = [l for l in pub.err if l.strip()]
    if isinstance(want, tuple):
        hit = [l for l in lines if l.startswith(PREFIX + want[0]) and l.endswith(want[1])]
    else:
        hit = [l for l in lines if l == PREFIX + want]
    if rc != code or not hit:
        raise Failure(f"{name}: exit {rc} (want {code}), want one stderr line {want!r}\n{pub.dump(10)}")
    log(f"PASS {name}: exit {rc}: {hit[0]}")


def run(a, work):
    media = os.path.join(work, "media")
    os.mkdir(media)
    subprocess.run([os.path.join(HERE, "make_media.sh"), media], check=True, timeout=60,
                   stdout=subprocess.DEVNULL)
    cert, key = self_signed(work, "janus-e2e")
    other, _ = self_signed(work, "someone-else")
    sut_tmp, env = private_tmpdir(work)
    server = Proc("janus", [PY, os.path.join(HERE, "janus_server.py"), "--room", ROOM, "--wss-cert", cert,
                            "--wss-key", key], env=env)
    try:
        wss = server.wait_line(r"^janus_server: wss (wss://\S+)", 20, "out").group(1)
        ws = server.wait_line(r"^roomcast server: (ws://\S+) room", 20, "out").group(1)

        refusal(a, env, media, "no_ca", ["--server", wss], 4, (UNTRUSTED[0].format(url=wss), UNTRUSTED[1]))
        refusal(a, env, media, "wrong_ca", ["--server", wss, "--ca", other], 4,
                (WRONG_CA[0].format(url=wss), WRONG_CA[1]))
        refusal(a, env, media, "require_tls", ["--server", ws, "--require-tls"], 2, REQUIRE_TLS.format(url=ws))

        # The listener is in the room first; the publisher's 4 s reach it over media negotiated
        # through wss.
        listen = Proc("listen", [a.roomcast, "listen", "--server", wss, "--ca", cert, "--require-tls", "--room", ROOM,
                                 "--json", "--duration", 30], env=env)
        listen.wait_line(r'"event":"meeting_joined"', 20, "out")
        pub = Proc("publish", [a.roomcast, "publish", os.path.join(media, "tone.wav"), "--server", wss, "--ca",
                               cert, "--require-tls", "--room", ROOM, "--duration", 4, "--json"], env=env)
        rc = pub.wait(40)
        joined = [e for e in json_lines(pub.out) if e.get("event") == "meeting_joined"]
        summary = [e for e in json_lines(pub.out) if e.get("event") == "summary"]
        if rc != 0 or not joined or joined[0].get("server") != wss or not summary:
            raise Failure(f"publish over wss: exit {rc}, joined {joined}, summary {summary}\n{pub.dump()}")
        if summary[0]["packets_sent"] < 150:
            raise Failure(f"publish over wss sent only {summary[0]['packets_sent']} packets\n{pub.dump()}")
        ended = listen.wait_line(r'"event":"stream_disabled".*"local":false', 20, "out")
        listen.stop(15, sig=2)  # Ctrl-C: leaves, exits 130
        heard = [e for e in json_lines(listen.out) if e.get("event") == "stream_disabled" and not e.get("local")]
        stats = heard[0].get("stats", {}) if heard else {}
        if stats.get("packets_received", 0) < 150:
            raise Failure(f"the wss listener received {stats} (want >= 150 packets)\n{listen.dump()}")
        log(f"PASS wss with --ca: publisher joined at {wss} and sent {summary[0]['packets_sent']} packets; "
            f"the listener received {stats['packets_received']} ({ended.group(0)[:40]}...)")
        server.stop(15)
    finally:
        server.terminate()
    leak_check()
    if janus_dirs(sut_tmp):
        raise Failure(f"left behind: {janus_dirs(sut_tmp)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    a = ap.parse_args()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", "openssl"])
    return in_work_dir(run, a, "roomcast-e2e-tls-", netns=True)


if __name__ == "__main__":
    sys.exit(main())
