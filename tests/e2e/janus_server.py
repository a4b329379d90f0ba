#!/usr/bin/python3
# Stand-in for `roomcast server` (same config as src/server/embedded_janus.cpp, same ready line),
# so the e2e harness runs before/without the C++ CLI. Also `--create-room` against a running Janus.
import argparse
import asyncio
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from janus_client import JanusClient, JanusError, make_signed_token  # noqa: E402

LIB = "/usr/lib/x86_64-linux-gnu/janus"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(d, port, token_secret, room, pin, admin_port=None, admin_secret=None, wss=None):
    for sub, so in (("plugins", "libjanus_videoroom.so"), ("transports", "libjanus_websockets.so")):
        os.mkdir(os.path.join(d, sub))
        os.symlink(os.path.join(LIB, sub, so), os.path.join(d, sub, so))
    for sub in ("loggers", "events"):
        os.mkdir(os.path.join(d, sub))
    auth = f'\n  token_auth = true\n  token_auth_secret = "{token_secret}"' if token_secret else ""
    if admin_secret:
        auth += f'\n  admin_secret = "{admin_secret}"'
    admin = (f'admin_ws = true admin_ws_port = {admin_port} admin_ws_ip = "127.0.0.1" admin_wss = false'
             if admin_secret else "admin_ws = false admin_wss = false")
    with open(os.path.join(d, "janus.jcfg"), "w") as f:
        f.write(f"""general: {{
  configs_folder = "{d}"
  plugins_folder = "{d}/plugins"
  transports_folder = "{d}/transports"
  events_folder = "{d}/events"
  loggers_folder = "{d}/loggers"
  session_timeout = 60
  reclaim_session_timeout = 10
  event_loops = 2
  debug_level = 4{auth}
}}
nat: {{ full_trickle = false ignore_mdns = true nice_debug = false }}
media: {{ ipv6 = false rtp_port_range = "20000-29999" }}
""")
    # wss: (port, cert PEM, key PEM): secure WebSockets beside ws, with that certificate.
    secure = f'wss = true wss_port = {wss[0]} wss_ip = "127.0.0.1"' if wss else "wss = false"
    certificates = f'certificates: {{ cert_pem = "{wss[1]}" cert_key = "{wss[2]}" }}\n' if wss else ""
    with open(os.path.join(d, "janus.transport.websockets.jcfg"), "w") as f:
        f.write(f"""general: {{ json = "plain" ws = true ws_port = {port} ws_ip = "127.0.0.1" {secure} }}
admin: {{ {admin} }}
{certificates}""")
    # A static room, exactly like server::EmbeddedJanus writes for `roomcast server --room`.
    pin_line = f'\n  pin = "{pin}"' if pin else ""
    with open(os.path.join(d, "janus.plugin.videoroom.jcfg"), "w") as f:
        f.write(f"""general: {{
}}
room-{room}: {{
  description = "roomcast {room}"
  publishers = 100
  audiocodec = "opus"
  videocodec = "vp8,h264"
  opus_fec = true
  audiolevel_ext = true{pin_line}
}}
""")


def _child_setup():
    # Janus dies with us (PR_SET_PDEATHSIG) and must not inherit our blocked signals.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD})


def wait_port(port, proc, deadline):
    delay = 0.005
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
    return False


async def create_room(url, room, token_secret=None, pin=None, publishers=16, description=None):
    token = make_signed_token(token_secret, time.time() + 3600) if token_secret else None
    c = JanusClient(token=token)
    await c.connect(url)
    try:
        await c.create_session()
        h = await c.attach()
        body = {"request": "create", "room": room, "publishers": publishers, "audiocodec": "opus",
                "videocodec": "vp8,h264", "description": description or f"roomcast e2e {room}"}
        if pin:
            body["pin"] = pin
        try:
            await c.message(h, body)
        except JanusError as e:
            if e.code != 427:  # room already exists
                raise
    finally:
        await c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--room", type=int, default=1234)
    ap.add_argument("--token-secret", default="")
    ap.add_argument("--pin", default="")
    ap.add_argument("--create-room", metavar="URL", help="only create --room on a running Janus")
    ap.add_argument("--wss-cert", default="", help="also serve wss:// with this certificate (PEM; needs "
                    "--wss-key); its URL is printed as 'janus_server: wss URL' before the ready line")
    ap.add_argument("--wss-key", default="")
    ap.add_argument("--admin-secret", default="", help="enable the admin API (WebSocket, own port) with this "
                    "secret; its URL is printed as 'janus_server: admin URL' before the ready line")
    a = ap.parse_args()
    if a.create_room:
        asyncio.run(create_room(a.create_room, a.room, a.token_secret or None, a.pin or None))
        return 0

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    d = tempfile.mkdtemp(prefix="roomcast-janus-")
    proc = None
    try:
        port = free_port()
        admin_port = free_port() if a.admin_secret else None
        while admin_port == port:
            admin_port = free_port()
        wss_port = free_port() if a.wss_cert else None
        while wss_port is not None and wss_port in (port, admin_port):
            wss_port = free_port()
        wss = (wss_port, os.path.abspath(a.wss_cert), os.path.abspath(a.wss_key)) if a.wss_cert else None
        write_config(d, port, a.token_secret, a.room, a.pin, admin_port, a.admin_secret, wss)
        log = open(os.path.join(d, "janus.log"), "wb")
        proc = subprocess.Popen(["/usr/bin/janus", "-F", d, "-C", os.path.join(d, "janus.jcfg"), "-o"],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=_child_setup)
        if not wait_port(port, proc, time.monotonic() + 15):
            tail = open(os.path.join(d, "janus.log"), errors="replace").read().splitlines()[-20:]
            print("janus_server: janus did not start:\n" + "\n".join(tail), file=sys.stderr)
            return 1
        url = f"ws://127.0.0.1:{port}"
        if admin_port and not wait_port(admin_port, proc, time.monotonic() + 5):
            print("janus_server: the admin API did not open its port", file=sys.stderr)
            return 1
        if admin_port:
            print(f"janus_server: admin ws://127.0.0.1:{admin_port}", flush=True)
        if wss_port:
            if not wait_port(wss_port, proc, time.monotonic() + 5):
                print("janus_server: janus did not open its wss port", file=sys.stderr)
                return 1
            print(f"janus_server: wss wss://127.0.0.1:{wss_port}", flush=True)
        print(f"roomcast server: {url} room {a.room}", flush=True)
        # Block, then wait for: our stop signal, or janus dying (SIGCHLD).
        sigs = {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD}
        signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
        while proc.poll() is None:
            if signal.sigwaitinfo(sigs).si_signo != signal.SIGCHLD:
                return 0
        print(f"janus_server: janus exited with {proc.returncode}", file=sys.stderr)
        return 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
