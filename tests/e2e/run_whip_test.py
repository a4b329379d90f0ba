#!/usr/bin/python3
# E2E: WHIP publishing (RFC 9725) against a server we did not write: Debian's simple-whip-server
# (Meetecho's, unpacked by scripts/install-deps.sh into tests/e2e/simple-whip-server, its Node
# modules from npm) in front of the Janus that `roomcast server` runs. A `roomcast listen` in
# the Janus room is the other side. Cases:
#   tone            `roomcast publish tone.wav --whip URL` (token from ROOMCAST_TOKEN): the
#                   listener records 441 Hz; leaving DELETEs the resource: the WHIP server frees
#                   the endpoint and the listener sees the publisher leave
#   video           a file with picture and sound, ended by Ctrl-C (exit 130): the listener's
#                   WebM holds the pictures; the resource is DELETEd on the way out
#   wrong_token     a one-line error naming HTTP 403, the URL and the token; exit 4; nothing left
#   wrong_endpoint  a one-line error naming HTTP 404 and the URL; exit 4
#   mute            the Python module (SignalingProtocol.WHIP) turns the microphone off for 2 s
#                   and on again: the listener hears the gap, and nothing but OPTIONS, POST and
#                   DELETE reached the server (WHIP has no renegotiation)
#   corners         a small server of ours in front of simple-whip-server: 503 + Retry-After 1
#                   first, then 307 to the real endpoint (which needs the token: it must follow
#                   the redirect with body and token); the relative Location is resolved
#                   against the URL after the redirect (the DELETE reaches simple-whip-server);
#                   simple-whip-server's Link header, asked for by OPTIONS before gathering,
#                   names a STUN server (coturn) that our first gathering asks (nft counts)
#   chromium_control  headless Chromium publishes a 523 Hz sine through the same endpoint with its
#                   own RTCPeerConnection (browser_whip_publisher.mjs): the listener records
#                   523 Hz, and its DELETE frees the endpoint; the WHIP server works in this run
#                   without roomcast on the publishing side
#   ice_restart     the publisher's UDP ports dropped (nftables) until its ICE consent expires:
#                   it restarts ICE by PATCH (new credentials, If-Match "*"; simple-whip-server
#                   restarts Janus's side), the path comes back ("ICE restarted"), the listener
#                   never sees the publisher leave, and the audio flows again
#   run_whip_test.py --roomcast BIN --case CASE [--python-dir DIR]   (under netns.sh)
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, CaseChecks, Failure, Proc, drop_udp_ports, end_case, json_lines,  # noqa: E402
                      leak_check, log, private_tmpdir, run_named_cases, start_roomcast_server, udp_ports_of)

ROOM = 1234
TONE_HZ = 441.0
SECONDS = 5
WHIP_PORT = 7080
ENDPOINT = "rc-e2e"
TOKEN = "whip-token-T4qZ8m"
WRONG_TOKEN = "whip-WRONG-k2Vb7n"
PACKAGE = os.path.join(HERE, "simple-whip-server", "usr", "share", "simple-whip-server", "src")
BASE = f"http://127.0.0.1:{WHIP_PORT}/whip"


def start_whip_server(work, janus_url, ice_servers=()):
    """Debian's server.js and whip-janus.js, copied beside a config.js of ours (the package's is a
    symlink to /etc), run by node with the modules from tests/e2e/node_modules; ready once it
    is connected to Janus and listening."""
    d = os.path.join(work, "whip-server")
    os.makedirs(d, exist_ok=True)
    for f in ("server.js", "whip-janus.js"):
        shutil.copy(os.path.join(PACKAGE, f), d)
    with open(os.path.join(d, "config.js"), "w") as f:
        f.write("module.exports = " + json.dumps({"janus": {"address": janus_url}, "port": WHIP_PORT,
                                                   "rest": "/whip", "allowTrickle": True,
                                                   "strictETags": False, "iceServers": list(ice_servers)}) + ";\n")
    with open(os.path.join(d, "package.json"), "w") as f:
        f.write('{"type": "commonjs"}\n')  # tests/e2e's package.json says "module"; these are CommonJS
    env = dict(os.environ, NODE_PATH=os.path.join(HERE, "node_modules"), DEBUG="whip:*,janus:*,-janus:vdebug")
    server = Proc("whip-server", ["node", os.path.join(d, "server.js")], env=env, cwd=d)
    try:
        server.wait_line(r"WHIP server prototype started", 20, "out")
    except Failure:
        server.terminate()
        raise
    return server


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()


def endpoint_state():
    _, text = http("GET", f"{BASE}/endpoints")
    return {e["id"]: e for e in json.loads(text)}.get(ENDPOINT, {})


def make_media(work):
    media = os.path.join(work, "media")
    os.makedirs(media, exist_ok=True)
    ff = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    tone = f"sine=frequency={TONE_HZ:g}:sample_rate=48000:duration=10"
    subprocess.run([*ff, "-f", "lavfi", "-i", tone, "-ac", "1", os.path.join(media, "tone.wav")],
                   check=True, timeout=60)
    subprocess.run([*ff, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=10", "-f", "lavfi", "-i", tone,
                    "-c:v", "mpeg4", "-q:v", "5", "-c:a", "aac", "-shortest", os.path.join(media, "av.mp4")],
                   check=True, timeout=60)
    return media


def dominant_of_wav(path):
    import numpy as np
    from aiortc_listener import dominant_hz
    with wave.open(path) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768.0
    loud = np.flatnonzero(np.abs(x) > 0.05)
    if len(loud) < 48000:
        return None, 0.0
    return dominant_hz(x[loud[0]:loud[-1]], 48000)[0], (loud[-1] - loud[0]) / 48000


def video_frames(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", path], capture_output=True, text=True, timeout=60)
    try:
        return int(out.stdout.strip().split(",")[0])
    except ValueError:
        return 0


def no_secret(checks, procs):
    leaks = [l for p in procs for l in p.out + p.err if TOKEN in l or WRONG_TOKEN in l]
    checks.check(not leaks, "no token in roomcast's output (debug log on)")


def publish_case(a, work):
    """tone and video: publish over WHIP, heard (and seen) by a Janus VideoRoom listener."""
    video = a.case == "video"
    media = make_media(work)
    _, env = private_tmpdir(work)
    checks, procs = CaseChecks(), []
    try:
        server, url = start_roomcast_server(a.roomcast, env, str(ROOM))
        procs.append(server)
        whip = start_whip_server(work, url)
        procs.append(whip)
        http("POST", f"{BASE}/create", {"id": ENDPOINT, "room": ROOM, "token": TOKEN})
        mix, per = os.path.join(work, "mix.wav"), os.path.join(work, "per")
        os.makedirs(per, exist_ok=True)
        listen = Proc("listen", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json", "--duration", 40,
                                 "--record", mix, *(["--record-dir", per] if video else [])], env=env)
        procs.append(listen)
        listen.wait_line(r'"event":"meeting_joined"', 20, "out")
        argv = [a.roomcast, "publish", os.path.join(media, "av.mp4" if video else "tone.wav"),
                "--whip", f"{BASE}/endpoint/{ENDPOINT}", "--json", "--stats"]
        pub = Proc("publish", argv + ([] if video else ["--duration", SECONDS]),
                   env=dict(env, ROOMCAST_TOKEN=TOKEN, ROOMCAST_LOG="debug"))
        procs.append(pub)
        joined = pub.wait_line(r'"event":"meeting_joined"', 20, "out")
        checks.check(True, f"publish joined over WHIP: {joined.string}")
        live = endpoint_state()
        checks.check(live.get("enabled") is True, f"the WHIP server has the endpoint in use while we publish (enabled: {live.get('enabled')})")
        came = listen.wait_line(r'"event":"participant_joined"', 15, "out")
        name = json.loads(came.string)["name"]
        checks.check(name == f"WHIP Publisher {ROOM}", f"the listener sees the WHIP publisher join ('{name}')")
        if video:
            pub.wait_line(r'"t":4\.\d+,"type":"stats"', 15, "out")  # 4 s of media
            listen.wait_line(r'"event":"stream_enabled".*"kind":"video".*"local":false', 15, "out")
            checks.leaves_on_ctrl_c(pub, "publish --whip")
        else:
            rc = pub.wait(SECONDS + 30)
            checks.check(rc == 0, f"publish --whip exits 0 at the end of --duration (got {rc})")
        left = listen.wait_line(r'"event":"participant_left"', 15, "out")
        checks.check(json.loads(left.string)["name"] == name, "the listener sees the publisher leave (DELETE)")
        after = endpoint_state()
        checks.check(after.get("enabled") is False and "resource" not in after,
                     f"the WHIP server freed the endpoint (enabled: {after.get('enabled')}, resource: {after.get('resource')})")
        deleted = [l for l in pub.err if re.search(rf"whip: DELETE {BASE}/resource/{ENDPOINT} -> 200$", l)]
        checks.check(len(deleted) == 1, "publish DELETEd its resource (200), while its media still flowed")
        listen.stop(15, sig=2)
        hz, heard = dominant_of_wav(mix)
        checks.figures.update(dominantHz=hz and round(hz, 3), heardSeconds=round(heard, 2))
        checks.check(hz is not None and abs(hz - TONE_HZ) <= 1.0, f"the listener heard {hz} Hz, want {TONE_HZ:g}")
        checks.check(heard >= (3.0 if video else SECONDS - 2.5), f"for {heard:.2f} s")
        if video:
            webms = [f for f in os.listdir(per) if f.endswith(".webm")]
            frames = video_frames(os.path.join(per, webms[0])) if len(webms) == 1 else 0
            checks.figures["videoFrames"] = frames
            checks.check(frames >= 30, f"the listener's WebM of the publisher holds {frames} pictures (>= 30) "
                                       f"({sorted(os.listdir(per))})")
        stats = [s for s in json_lines(pub.out) if s.get("type") == "stats"]
        sent = stats[-1]["sending"]["packets_sent"] if stats and stats[-1].get("sending") else 0
        checks.check(sent > 0, f"publish's --stats count {sent} packets sent")
        no_secret(checks, [pub])
        whip.stop(10)
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        end_case(reversed(procs))
    checks.done(a.case, *procs)
    leak_check()


# The Python bot: publishes over WHIP, the microphone off from 2 s to 4 s, leaves at 6 s.
PY_MUTE_BOT = r"""
import os, sys, time, roomcast
url, tone = sys.argv[1:3]
config = roomcast.MeetingConfig(protocol=roomcast.SignalingProtocol.WHIP, server_url=url, token=os.environ["WHIP_TOKEN"],
                                custom_microphone_audio_track=roomcast.FileAudioTrack(tone))
meeting = roomcast.init_meeting(config)
meeting.join()
start = time.monotonic()
for at, act in ((2.0, meeting.disable_mic), (4.0, meeting.enable_mic), (6.0, meeting.leave)):
    time.sleep(max(0.0, start + at - time.monotonic()))
    act()
    print(f"{act.__name__} at {time.monotonic() - start:.2f}", flush=True)
meeting.close()
"""


def silences(path, frame=960):
    """Lengths in seconds of the quiet runs between the first and last loud 20 ms frame."""
    import numpy as np
    with wave.open(path) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768.0
    n = len(x) // frame
    loud = [np.sqrt(np.mean(x[i * frame:(i + 1) * frame] ** 2)) > 0.01 for i in range(n)]
    idx = [i for i, v in enumerate(loud) if v]
    runs, start = [], None
    for i in range(idx[0], idx[-1] + 1) if idx else []:
        if not loud[i] and start is None:
            start = i
        elif loud[i] and start is not None:
            runs.append((i - start) * frame / 48000)
            start = None
    return runs


def room_with_endpoint(a, work, env, procs, *listen_args):
    """`roomcast server`, simple-whip-server with our endpoint, and a `roomcast listen --json
    LISTEN_ARGS` in the room (joined): (server, whip, listen), each added to `procs`."""
    server, url = start_roomcast_server(a.roomcast, env, str(ROOM))
    procs.append(server)
    whip = start_whip_server(work, url)
    procs.append(whip)
    http("POST", f"{BASE}/create", {"id": ENDPOINT, "room": ROOM, "token": TOKEN})
    listen = Proc("listen", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json", *listen_args], env=env)
    procs.append(listen)
    listen.wait_line(r'"event":"meeting_joined"', 20, "out")
    return server, whip, listen


def mute_case(a, work):
    media = make_media(work)
    _, env = private_tmpdir(work)
    checks, procs = CaseChecks(), []
    try:
        mix = os.path.join(work, "mix.wav")
        server, whip, listen = room_with_endpoint(a, work, env, procs, "--duration", 40, "--record", mix)
        bot = Proc("bot", [PY, "-c", PY_MUTE_BOT, f"{BASE}/endpoint/{ENDPOINT}", os.path.join(media, "tone.wav")],
                   env=dict(env, PYTHONPATH=a.python_dir, WHIP_TOKEN=TOKEN, ROOMCAST_LOG="debug"))
        procs.append(bot)
        rc = bot.wait(40)
        if rc != 0:
            raise Failure(f"the Python bot failed (exit {rc})\n{bot.dump()}")
        checks.check(any(l.startswith("enable_mic at ") for l in bot.out), "enable_mic() returned")
        listen.wait_line(r'"event":"participant_left"', 15, "out")
        requests = [l.split("whip: ", 1)[1].split(" ")[0] for l in bot.err if re.search(r"whip: \w+ \S+$", l)]
        checks.check(requests == ["OPTIONS", "POST", "DELETE"],
                     f"the server got OPTIONS, POST and DELETE only, no renegotiation ({requests})")
        listen.stop(15, sig=2)
        gaps = silences(mix)
        checks.figures["silences"] = [round(g, 2) for g in gaps]
        long_gaps = [g for g in gaps if g >= 0.5]
        checks.check(len(long_gaps) == 1 and 1.5 <= long_gaps[0] <= 2.6,
                     f"the listener heard one silence of about 2 s, while the microphone was off ({gaps})")
        hz, heard = dominant_of_wav(mix)
        checks.check(hz is not None and abs(hz - TONE_HZ) <= 1.0, f"and the tone around it ({hz} Hz)")
        no_secret(checks, [bot])
        whip.stop(10)
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        end_case(reversed(procs))
    checks.done(a.case, *procs)
    leak_check()


class FrontServer:
    """Ours, named as ours: answers the first POST with 503 + Retry-After: 1, the next with a 307
    to simple-whip-server's endpoint; records what it was sent."""

    def __init__(self, port, target):
        import http.server
        import threading
        front = self
        self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_OPTIONS(self):
                front.seen.append(("OPTIONS", None, self.headers.get("Authorization") == f"Bearer {TOKEN}", None))
                self.send_response(307)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                front.seen.append((self.command, self.headers.get("Content-Type"),
                                   self.headers.get("Authorization") == f"Bearer {TOKEN}", body.startswith(b"v=0")))
                if len([s for s in front.seen if s[0] == "POST"]) == 1:
                    self.send_response(503)
                    self.send_header("Retry-After", "1")
                else:
                    self.send_response(307)
                    self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


STUN_ADDRESS, STUN_PORT = "10.77.0.1", 3478


def stun_counter():
    """nftables counts STUN Binding requests (type 0x0001 right after the UDP header, RFC 8489 §5)
    to the STUN server's port."""
    rules = f"""
table inet rcwhip {{
  counter stun_binding {{}}
  chain input {{
    type filter hook input priority 0; policy accept;
    udp dport {STUN_PORT} @th,64,16 0x0001 counter name stun_binding
  }}
}}"""
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True, timeout=15)


def stun_bindings():
    out = subprocess.run(["nft", "-j", "list", "counter", "inet", "rcwhip", "stun_binding"], capture_output=True,
                         text=True, timeout=15, check=True).stdout
    return next((i["counter"]["packets"] for i in json.loads(out)["nftables"] if "counter" in i), 0)


def start_stun(work):
    argv = ["turnserver", "-n", f"--listening-ip={STUN_ADDRESS}", f"--listening-port={STUN_PORT}", "--stun-only",
            "--no-tls", "--no-dtls", "--no-cli", "--log-file=stdout", "--simple-log", f"--userdb={work}/turndb",
            f"--pidfile={work}/turnserver.pid", "--no-software-attribute", "-v"]
    stun = Proc("coturn", argv)
    try:
        stun.wait_line(rf"UDP listener opened on\s*:\s*{re.escape(STUN_ADDRESS)}:{STUN_PORT}", 15)
    except Failure:
        stun.terminate()
        raise
    return stun


def corners_case(a, work):
    media = make_media(work)
    _, env = private_tmpdir(work)
    checks, procs, front = CaseChecks(), [], None
    try:
        stun_counter()
        procs.append(start_stun(work))
        server, url = start_roomcast_server(a.roomcast, env, str(ROOM))
        procs.append(server)
        whip = start_whip_server(work, url, ice_servers=[{"uri": f"stun:{STUN_ADDRESS}:{STUN_PORT}"}])
        procs.append(whip)
        http("POST", f"{BASE}/create", {"id": ENDPOINT, "room": ROOM, "token": TOKEN})
        front = FrontServer(WHIP_PORT + 1, f"{BASE}/endpoint/{ENDPOINT}")
        pub = Proc("publish", [a.roomcast, "publish", os.path.join(media, "tone.wav"), "--whip",
                               f"http://127.0.0.1:{WHIP_PORT + 1}/ingest", "--duration", 3],
                   env=dict(env, ROOMCAST_TOKEN=TOKEN, ROOMCAST_LOG="debug"))
        procs.append(pub)
        rc = pub.wait(40)
        checks.check(rc == 0, f"publish through the 503 and the 307 exits 0 (got {rc})")
        posts = [s for s in front.seen if s[0] == "POST"]
        checks.check([s[0] for s in front.seen] == ["OPTIONS", "POST", "POST"],
                     f"our server got OPTIONS, then two POSTs ({[s[0] for s in front.seen]})")
        checks.check(all(s[1] == "application/sdp" and s[2] and s[3] for s in posts),
                     "each POST with Content-Type application/sdp, the Bearer token and the offer")
        checks.check(any("is unavailable (503); trying again in 1 s" in l for l in pub.err),
                     "the 503 was tried again after its Retry-After")
        checks.check(any(l.endswith(f"whip: POST {BASE}/endpoint/{ENDPOINT} -> 201") for l in pub.err),
                     "the 307 was followed to simple-whip-server, which took the token (201)")
        checks.check(any(l.endswith(f"whip: DELETE {BASE}/resource/{ENDPOINT} -> 200") for l in pub.err),
                     "the relative Location was resolved against the redirected URL: DELETE reached it (200)")
        offered = [i for i, l in enumerate(pub.err) if "the server offers 1 ICE server(s)" in l]
        first_post = next((i for i, l in enumerate(pub.err) if "whip: POST " in l), len(pub.err))
        checks.check(offered and offered[0] < first_post,
                     "the STUN server of the Link header (OPTIONS, followed through the 307) came before the offer")
        bindings = stun_bindings()
        checks.figures["stunBindings"] = bindings
        checks.check(bindings >= 1, f"our first gathering asked that STUN server: nft counted {bindings} Binding "
                                    "request(s) (>= 1)")
        checks.check(endpoint_state().get("enabled") is False, "the endpoint is free again")
        no_secret(checks, [pub])
        whip.stop(10)
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        if front:
            front.close()
        end_case(reversed(procs), nft_table="rcwhip")
    checks.done(a.case, *procs)
    leak_check()


def refused_case(a, work):
    """wrong_token and wrong_endpoint: a one-line error, exit 4, nothing left running."""
    media = make_media(work)
    _, env = private_tmpdir(work)
    checks, procs = CaseChecks(), []
    try:
        server, url = start_roomcast_server(a.roomcast, env, str(ROOM))
        procs.append(server)
        whip = start_whip_server(work, url)
        procs.append(whip)
        http("POST", f"{BASE}/create", {"id": ENDPOINT, "room": ROOM, "token": TOKEN})
        target = f"{BASE}/endpoint/{ENDPOINT if a.case == 'wrong_token' else 'no-such-endpoint'}"
        pub = Proc("publish", [a.roomcast, "publish", os.path.join(media, "tone.wav"), "--whip", target,
                               "--token", WRONG_TOKEN if a.case == "wrong_token" else TOKEN, "--duration", SECONDS],
                   env=dict(env, ROOMCAST_LOG="debug"))
        procs.append(pub)
        rc = pub.wait(30)
        errors = [l for l in pub.err if l.startswith("roomcast: error: ")]
        log("publish stderr:\n" + "\n".join(pub.err[-4:]))
        checks.check(rc == 4, f"publish exits 4 (a server error; got {rc})")
        checks.check(len(errors) == 1, f"one error line ({len(errors)})")
        line = errors[0] if errors else ""
        if a.case == "wrong_token":
            want = [f"refused our offer (HTTP 403 Forbidden: 'Unauthorized')", target,
                    "check the token: pass the one this endpoint expects with --token or ROOMCAST_TOKEN"]
        else:
            want = ["refused our offer (HTTP 404 Not Found: 'Invalid endpoint ID')", target,
                    "there is no WHIP endpoint at that URL; check it"]
        for text in want:
            checks.check(text in line, f"the error says '{text}'")
        checks.check(endpoint_state().get("enabled") is False, "the endpoint stays free")
        no_secret(checks, [pub])
        whip.stop(10)
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        end_case(reversed(procs))
    checks.done(a.case, *procs)
    leak_check()


CONTROL_HZ = 523.0


def chromium_control_case(a, work):
    """Chromium publishes over WHIP to the same server: the listener hears it; DELETE frees it."""
    _, env = private_tmpdir(work)
    checks, procs = CaseChecks(), []
    try:
        mix = os.path.join(work, "mix.wav")
        server, whip, listen = room_with_endpoint(a, work, env, procs, "--duration", 40, "--record", mix)
        browser = Proc("chromium-whip", ["node", os.path.join(HERE, "browser_whip_publisher.mjs"), "--endpoint",
                                         f"{BASE}/endpoint/{ENDPOINT}", "--token", TOKEN, "--hz", CONTROL_HZ,
                                         "--seconds", SECONDS], cwd=HERE)
        procs.append(browser)
        published = json.loads(browser.wait_line(r'"event":"publishing"', 45, "out").string)
        checks.check(published.get("status") == 201 and f"{BASE}/resource/" in published.get("location", ""),
                     f"Chromium's offer is answered 201 with a resource ({published})")
        checks.check(endpoint_state().get("enabled") is True, "the endpoint is in use while Chromium publishes")
        came = json.loads(listen.wait_line(r'"event":"participant_joined"', 15, "out").string)
        done = json.loads(browser.wait_line(r'"event":"done"', SECONDS + 30, "out").string)
        checks.check(done.get("deleted") == 200, f"Chromium's DELETE is answered 200 ({done.get('deleted')})")
        checks.check(browser.wait(15) == 0, "the Chromium publisher exits 0")
        left = json.loads(listen.wait_line(r'"event":"participant_left"', 15, "out").string)
        checks.check(left["id"] == came["id"], "the listener sees the WHIP publisher leave")
        checks.check(endpoint_state().get("enabled") is False, "the WHIP server freed the endpoint")
        listen.stop(15, sig=2)
        hz, heard = dominant_of_wav(mix)
        checks.figures.update(dominantHz=hz and round(hz, 3), heardSeconds=round(heard, 2))
        checks.check(hz is not None and abs(hz - CONTROL_HZ) <= 1.0, f"the listener heard {hz} Hz, want {CONTROL_HZ:g}")
        checks.check(heard >= SECONDS - 2.5, f"for {heard:.2f} s (of {SECONDS})")
        whip.stop(10)
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        end_case(reversed(procs))
    checks.done(a.case, *procs)
    leak_check()


RESTART_TABLE = "rcwhiprestart"


def receiving_packets(line):
    stats = json.loads(line)
    return sum(r.get("packets_received", 0) for r in stats.get("receiving") or [])


def ice_restart_case(a, work):
    """The WHIP publisher's media path dies; it comes back by an ICE restart (PATCH)."""
    media = make_media(work)
    _, env = private_tmpdir(work)
    checks, procs = CaseChecks(), []
    try:
        server, whip, listen = room_with_endpoint(a, work, env, procs, "--stats")
        pub = Proc("publish", [a.roomcast, "publish", os.path.join(media, "tone.wav"), "--loop", "--whip",
                               f"{BASE}/endpoint/{ENDPOINT}", "--json"], env=dict(env, ROOMCAST_TOKEN=TOKEN))
        procs.append(pub)
        pub.wait_line(r'"event":"meeting_joined"', 20, "out")
        came = json.loads(listen.wait_line(r'"event":"participant_joined"', 15, "out").string)
        listen.wait_line(r'"packets_received":[1-9]', 15, "out")
        ports = udp_ports_of(pub.p.pid)
        checks.check(bool(ports), f"the publisher's UDP ports are found ({ports})")
        drop_udp_ports(RESTART_TABLE, ports)
        lost = json.loads(pub.wait_line(r'"event":"reconnecting"', 45, "out").string)
        checks.check("media path lost" in lost.get("reason", ""), f"the dead path is noticed ({lost.get('reason')!r})")
        subprocess.run(["nft", "delete", "table", "inet", RESTART_TABLE], check=True)
        back = json.loads(pub.wait_line(r'"event":"reconnected"', 30, "out").string)
        checks.figures.update(how=back.get("how"), attempts=back.get("attempts"))
        checks.check(back.get("how") == "ICE restarted", f"back by an ICE restart ({back.get('how')!r})")
        checks.check(any("Performing ICE restart" in l for l in whip.out + whip.err),
                     "simple-whip-server performed the restart (our PATCH)")
        # The listener's stats lines, a second apart (those of the outage first): until a second
        # with 40+ packets (50/s flow), within 15 s.
        rate, previous, deadline = 0, None, time.monotonic() + 15
        while rate < 40 and time.monotonic() < deadline:
            current = receiving_packets(listen.wait_line(r'"type":"stats"', 10, "out").string)
            rate = current - previous if previous is not None else 0
            previous = current
        checks.figures["packetsPerSecondAfter"] = rate
        checks.check(rate >= 40, f"the listener receives the audio again ({rate} packets in a second)")
        seen = [json.loads(l) for l in listen.out if '"event":"participant_' in l]
        checks.check([e["event"] for e in seen if e.get("id") == came["id"]] == ["participant_joined"],
                     f"the listener never sees the publisher leave or join again ({[e['event'] for e in seen]})")
        checks.leaves_on_ctrl_c(pub, "publish --whip")
        checks.leaves_on_ctrl_c(listen, "listen")
        whip.stop(10)
        checks.check(server.stop(15) == 0, "the server exits 0 after SIGTERM")
    finally:
        end_case(reversed(procs), RESTART_TABLE)
    checks.done(a.case, *procs)
    leak_check()


CASES = {"tone": publish_case, "video": publish_case, "wrong_token": refused_case, "wrong_endpoint": refused_case,
         "mute": mute_case, "corners": corners_case, "chromium_control": chromium_control_case,
         "ice_restart": ice_restart_case}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", required=True, choices=list(CASES))
    ap.add_argument("--python-dir", help="mute: the build's Python module folder")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(PACKAGE, "server.js")) or not os.path.isdir(
            os.path.join(HERE, "node_modules", "express")):
        print(f"skip: simple-whip-server not unpacked in {PACKAGE} or its Node modules missing "
              "(scripts/install-deps.sh)", file=sys.stderr)
        return 77
    tools = [a.roomcast, "janus", "node", "ffmpeg", "ffprobe"] + (["turnserver", "nft"] if a.case == "corners" else []) + (["nft", "ss"] if a.case == "ice_restart" else [])
    return run_named_cases({a.case: CASES[a.case]}, a, "roomcast-e2e-whip-", tools=tools)


if __name__ == "__main__":
    sys.exit(main())
