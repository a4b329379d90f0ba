#!/usr/bin/python3
# E2E: `roomcast publish` on bad input must fail fast with the exact error text and exit
# code, and leave no janus child or /tmp/roomcast-janus-* directory. Run under netns.sh:
#   run_bad_input_test.py --roomcast BIN --case NAME   (or --case all)
import argparse
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, Failure, Proc, in_work_dir, janus_dirs,  # noqa: E402
                      leak_check, log, need, private_tmpdir, start_roomcast_server)

# =========================================================================================
# EXPECTED ERRORS. Per case: (exit code, match, text).
# Every error is printed by the CLI as one stderr line "roomcast: error: <text>"; match is
#   "line"     the line is exactly PREFIX + text
#   "prefix"   the line starts with PREFIX + text (details may follow)
#   "contains" the line contains text, ignoring case
# {path} {url} {room} are substituted. Exit codes: 3 media, 4 server (roomcast --help).
# =========================================================================================
PREFIX = "roomcast: error: "
EXPECTED = {
    # media (texts fixed by the lead)
    "missing_file": (3, "line", "cannot open '{path}': no such file; check the path"),
    "not_media": (3, "prefix", "cannot read '{path}': not a media file FFmpeg recognises"),
    "video_only": (3, "prefix", "'{path}' has no audio stream"),
    # server
    "refused": (4, "line", "cannot connect to the Janus server at {url}: connection refused; check the URL "
                "(ws://HOST:PORT of Janus's WebSocket transport) and that Janus is running there"),
    "not_janus": (4, "line", "{url} is not a Janus WebSocket server (the server did not accept the WebSocket "
                  "handshake); check the URL: it must point at Janus's WebSocket transport, e.g. ws://HOST:8188"),
    "unknown_room": (4, "line", "cannot join meeting {room} on {url}: no such meeting (Janus error 426: No such "
                     "room ({room})); check the meeting id, or let roomcast create it (the embedded server does)"),
    "wrong_token": (4, "line", "the Janus server at {url} refused the token (error 403: Unauthorized request "
                    "(wrong or missing secret/token)); pass a valid token with --token or ROOMCAST_TOKEN"),
    "missing_token": (4, "line", "the Janus server at {url} requires a token (error 403: Unauthorized request "
                      "(wrong or missing secret/token)); pass one with --token or ROOMCAST_TOKEN"),
    "wrong_pin": (4, "line", "cannot join meeting {room} on {url}: the PIN was refused (Janus error 433: "
                  "Unauthorized (wrong pin)); check --pin"),
    "missing_pin": (4, "line", "cannot join meeting {room} on {url}: the meeting needs a PIN (Janus error 429: "
                    "Missing mandatory element (pin)); pass it with --pin"),
    # --video-copy: what cannot be sent as it is, refused before anything connects
    "copy_high_profile": (3, "line", "cannot send the video of '{path}' as it is (video copy): its video is H.264 "
                          "High profile; browsers are offered constrained baseline (42e01f), which has no B-frames "
                          "or CABAC; re-encode it (e.g. ffmpeg -i IN -c:v libx264 -profile:v baseline -bf 0 -c:a "
                          "copy OUT.mp4) or drop --video-copy to let roomcast encode it"),
    "copy_codec_mismatch": (2, "line", "--video-codec h264: the video of '{path}' is VP8 but the meeting sends H.264 "
                            "(VideoSettings::codec, --video-codec): copied video goes out in its own codec; send VP8 "
                            "(--video-codec vp8) or drop --video-copy to re-encode it"),
    "copy_no_video": (3, "line", "--video-copy: '{path}' has no video stream; give a file with video or drop "
                      "--video-copy"),
    # network: a host whose only interface is loopback (embedded server, nested namespace)
    "no_interface": (5, "line", "ICE: this host has no network interface but loopback, and WebRTC media never "
                     "uses loopback (Janus skips it too); run on a host with a LAN interface, or inside a "
                     "network namespace with a veth pair (see README, tests/e2e/netns.sh)"),
}
# Option values refused before anything connects: exit 2, exactly this stderr line, and no
# connection reaches the server URL (a listening "trap" socket; {trap} is its port).
CONFIG = {
    "bitrate_zero": (["--bitrate", "0"],
                     "--bitrate is 0 bps, outside what Opus encodes; set 6000 to 510000 bps (32000 is the default)"),
    "bitrate_huge": (["--bitrate", "999999999999"], "--bitrate is 999999999999 bps, outside what Opus encodes; "
                     "set 6000 to 510000 bps (32000 is the default)"),
    "bitrate_tiny": (["--bitrate", "500"],
                     "--bitrate is 500 bps, outside what Opus encodes; set 6000 to 510000 bps (32000 is the default)"),
    "complexity_high": (["--complexity", "11"], "--complexity is 11; Opus complexity runs from 0 (cheapest) to 10 "
                        "(best): set a value in that range"),
    "channels_six": (["--channels", "6"], "--channels is 6; send 1 channel (mono, the default) or 2 (stereo, "
                     "for music)"),
    "fec_unknown": (["--fec", "sometimes"], "--fec is 'sometimes'; use adaptive (the default), on or off"),
    "lead_in_long": (["--lead-in", "60"], "--lead-in is 60000 ms; the silence sent before the track must be 0 "
                     "to 5000 ms (300 is the default)"),
    "room_not_numeric": (["--room", "abc"], "--room is 'abc', not a number; Janus VideoRoom meetings have numeric "
                         "ids, e.g. 1234"),
    "room_too_big": (["--room", "99999999999999999999"], "--room is '99999999999999999999', outside Janus's room "
                     "ids; use 1 to 9223372036854775807"),
    "name_empty": (["--name", ""], "--name is empty; give the participant a display name others will see"),
    "server_not_ws": (["--server", "http://127.0.0.1:{trap}"], "--server 'http://127.0.0.1:{trap}' must start "
                      "with ws:// or wss:// (Janus's WebSocket transport), e.g. ws://10.0.0.5:8188"),
    "require_tls_ws": (["--require-tls"], "--server 'ws://127.0.0.1:{trap}' is unencrypted (ws://), but TLS is "
                       "required; use the wss:// URL of the server"),
    "ca_missing": (["--server", "wss://127.0.0.1:{trap}", "--ca", "/nonexistent/ca.pem"],
                   "--ca '/nonexistent/ca.pem': no such file; check the path"),
}
ROOM = 1234
TOKEN_SECRET = "e2e-token-secret"
PIN = "1111"
PUBLISH_TIMEOUT_S = 40  # a refusal must come well before this


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout):
    deadline = time.monotonic() + timeout
    delay = 0.005
    while time.monotonic() < deadline:
        if proc.p.poll() is not None:
            raise Failure(f"{proc.name} exited before listening on {port}\n{proc.dump()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
    raise Failure(f"{proc.name} did not listen on 127.0.0.1:{port} within {timeout} s")


def run_case(a, case, media):
    code, match, text = EXPECTED[case]
    before = janus_dirs()
    sut_tmp, sut_env = private_tmpdir(os.path.join(media, case))
    helpers = []
    path = {"missing_file": os.path.join(media, "no_such_dir", "tone.mp4"),
            "not_media": os.path.join(media, "not_media.txt"),
            "video_only": os.path.join(media, "video_only.mp4"),
            "copy_high_profile": os.path.join(media, "high.mp4"),
            "copy_codec_mismatch": os.path.join(media, "vp8.webm")}.get(case, os.path.join(media, "tone.wav"))
    room, extra = ROOM, []
    if case.startswith("copy_"):
        extra = ["--video-copy", *(["--video-codec", "h264"] if case == "copy_codec_mismatch" else [])]
        video = {"copy_high_profile": ["-c:v", "libx264", "-profile:v", "high", "-c:a", "aac"],
                 "copy_codec_mismatch": ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"]}.get(case)
        if video:
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1",
                            "-f", "lavfi", "-i", "sine=frequency=441:duration=1", *video, path], check=True, timeout=60)
    try:
        if case == "no_interface":
            url = None  # the embedded server, in a namespace that has only lo
        elif case == "refused" or case.startswith("copy_"):
            url = f"ws://127.0.0.1:{free_port()}"  # nothing listens there (a refusal must come first)
        elif case == "not_janus":
            port = free_port()
            web = Proc("http.server", [PY, "-m", "http.server", "--bind", "127.0.0.1", port], cwd=media)
            helpers.append(web)
            wait_port(port, web, 10)
            url = f"ws://127.0.0.1:{port}"
        else:
            # An external server: the embedded one would create an unknown room itself.
            server_extra = []
            if case in ("wrong_token", "missing_token"):
                server_extra = ["--token-secret", TOKEN_SECRET]
            if case in ("wrong_pin", "missing_pin"):
                server_extra = ["--pin", PIN]
            server, url = start_roomcast_server(a.roomcast, sut_env, ROOM, *server_extra)
            helpers.append(server)
            if case == "unknown_room":
                room = 999999
            elif case == "wrong_token":
                extra = ["--token", f"{int(time.time()) + 3600},janus,janus.plugin.videoroom:AAAAbogusAAAA="]
            elif case == "wrong_pin":
                extra = ["--pin", "2222"]
        want = text.format(path=path, url=url, room=room)
        if url is None:
            only_lo = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
            cmd = [*only_lo, a.roomcast, "publish", path, "--room", room, "--duration", 3]
        else:
            cmd = [a.roomcast, "publish", path, "--server", url, "--room", room, "--duration", 3, *extra]
        pub = Proc("publish", cmd, env=sut_env)
        rc = pub.wait(PUBLISH_TIMEOUT_S)
        lines = [l for l in pub.err if l.strip()]
        if match == "line":
            hit = any(l == PREFIX + want for l in lines)
        elif match == "prefix":
            hit = any(l.startswith(PREFIX + want) for l in lines)
        else:
            hit = any(want.lower() in l.lower() for l in lines)
        problems = []
        if rc != code:
            problems.append(f"exit code {rc}, want {code}")
        if not hit:
            problems.append(f"no stderr line {match} {PREFIX + want if match != 'contains' else want!r}")
        for h in helpers:
            h.stop(15)
    finally:
        for h in helpers:
            h.terminate()
    leak_check()
    left = janus_dirs(sut_tmp)
    if left:
        problems.append(f"left behind: {', '.join(sorted(left))}")
    strays = janus_dirs() - before  # ours go to sut_tmp: these may be another job's
    if strays:
        log(f"note: new dirs in /tmp (not from this test's TMPDIR): {', '.join(sorted(strays))}")
    if problems:
        raise Failure(f"{case}: " + "; ".join(problems) + "\n" + pub.dump(10))
    log(f"PASS {case}: exit {rc}, stderr: {lines[-1] if lines else ''}")


def run_config_case(a, case, media):
    args, text = CONFIG[case]
    sut_tmp, sut_env = private_tmpdir(os.path.join(media, case))
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen(8)
        trap.setblocking(False)
        port = trap.getsockname()[1]
        args = [x.format(trap=port) for x in args]
        server = [] if "--server" in args else ["--server", f"ws://127.0.0.1:{port}"]
        pub = Proc("publish", [a.roomcast, "publish", os.path.join(media, "tone.wav"), *server, *args,
                               "--duration", 3], env=sut_env)
        rc = pub.wait(PUBLISH_TIMEOUT_S)
        try:
            trap.accept()
            connected = True
        except BlockingIOError:
            connected = False
    want = PREFIX + text.format(trap=port)
    lines = [l for l in pub.err if l.strip()]
    problems = []
    if rc != 2:
        problems.append(f"exit code {rc}, want 2")
    if lines != [want]:
        problems.append(f"stderr is not the one line {want!r}")
    if pub.out:
        problems.append(f"printed on stdout: {pub.out[:3]}")
    if connected:
        problems.append("it connected to the server before refusing")
    if "terminate called" in "\n".join(pub.err):
        problems.append("an exception escaped (terminate called)")
    leak_check()
    if janus_dirs(sut_tmp):
        problems.append("it started the embedded server")
    if problems:
        raise Failure(f"{case}: " + "; ".join(problems) + "\n" + pub.dump(10))
    log(f"PASS {case}: exit {rc}, stderr: {lines[-1]}")


def run_cases(a, media):
    """Every case of a.case, each logged; Failure naming the ones that failed."""
    subprocess.run([os.path.join(HERE, "make_media.sh"), media], check=True, timeout=60)
    cases = {"all": [*EXPECTED, *CONFIG], "config": list(CONFIG),
             "copy": [c for c in EXPECTED if c.startswith("copy_")]}.get(a.case, [a.case])
    failed = []
    for case in cases:
        try:
            (run_config_case if case in CONFIG else run_case)(a, case, media)
        except Failure as e:
            log(f"FAIL {e}")
            failed.append(case)
    if failed:
        raise Failure(", ".join(failed))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True, help="path of the roomcast binary")
    ap.add_argument("--case", default="all", choices=["all", "config", "copy", *EXPECTED, *CONFIG],
                    help="one case; 'config' runs every option refusal (CONFIG), 'copy' every --video-copy one")
    a = ap.parse_args()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg"])
    return in_work_dir(run_cases, a, "roomcast-e2e-", netns=True)


if __name__ == "__main__":
    sys.exit(main())
