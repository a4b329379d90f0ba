#!/usr/bin/env python3
"""roomcast publish of an MP4 with video -> Janus -> headless Chromium watches the picture.

Scenarios: plain (the viewer waits in the room); --late-viewer S (it subscribes S seconds in,
with a keyframe interval longer than the test: only our answer to Janus's PLI can show it a
picture within a second); --loss P (P % of the publisher's UDP into Janus dropped, run with
retransmissions (RTX when Janus keeps it) and at the same time without, in a second room:
NACKs answered as RFC 4588 retransmissions, and the picture stands still less with them).

The test file carries its frame number in every frame (a band of 16 black or white blocks,
bit i from the left) over moving content, with a 441 Hz tone: Chromium reads the number
back from every frame it presents (requestVideoFrameCallback), so the checks are about
which frames arrived, in which order, at which size, and whether the picture froze."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, Failure, Proc, become_subreaper, check_dirs_gone, guarded,  # noqa: E402
                      janus_config_dirs_of_descendants, report_checks, json_lines, leak_check, log, need,
                      private_tmpdir, start_roomcast_server)

ROOM = 1234
FPS = 30
# The frame number in the top quarter (bit i of N in block i, LSB left), moving diagonal
# stripes below it (so the encoder has real work and motion), a 441 Hz tone.
PATTERN = ("geq=lum='if(lt(Y,H/4),16+219*mod(floor(N/pow(2,floor(X*16/W))),2),"
           "16+mod(X+Y+4*N,200))':cb=128:cr=128")


# What --copy files hold: video roomcast can send as it is (publish --video-copy).
COPYABLE = {"vp8": ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", "-c:a", "libopus"],
            "h264": ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-bf", "0", "-c:a", "aac"]}


def make_video(path, seconds, size, copyable=None):
    """The numbered picture and a 441 Hz tone; `copyable` (vp8, h264): encoded so that roomcast
    can send it without re-encoding (WebM/libvpx, or MP4/libx264 constrained baseline, no B-frames)."""
    codec = COPYABLE[copyable] if copyable else ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"]
    subprocess.run(["ffmpeg", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"color=c=black:size={size}:rate={FPS}:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=441:sample_rate=48000:duration={seconds}",
                    "-vf", PATTERN + ",format=yuv420p", "-g", "60", *codec, "-shortest", path],
                   check=True, timeout=120)


def check(results, ok, what):
    results.append((bool(ok), what))


def picture_checks(r, who, total, size=(640, 360), codec="vp8", from_start=True):
    """What a viewer's result `r` (browser_listener.mjs --video, aiortc_listener.py --video) must
    show of a numbered file of `total` frames: its size and codec, >= 95 % of the frame numbers
    in order up to the last (from the first 15 % on when `from_start`); Chromium's also no
    freeze and a first picture within 2 s (1 s when it came late: only a PLI answer does that)."""
    res = []
    width, height = size
    frames = r.get("frames") or []
    numbers = [n for n, _ in frames]
    check(res, f"{width}x{height}" in (r.get("sizes") or []) and r.get("frameWidth") == width
          and r.get("frameHeight") == height,
          f"{who} shows {width}x{height} (sizes {r.get('sizes')}, stats {r.get('frameWidth')}x{r.get('frameHeight')})")
    want_mime = "video/h264" if codec == "h264" else "video/vp8"
    check(res, (r.get("mimeType") or "").lower() == want_mime, f"{who}: codec {r.get('mimeType')} is {want_mime}")
    if numbers:
        first, last = numbers[0], numbers[-1]
        distinct = len(set(numbers))
        span = last - first + 1
        check(res, last >= total - 10, f"{who}: the last frame seen ({last}) is within 10 of the file's last ({total - 1})")
        if from_start:
            check(res, first <= 0.15 * total, f"{who}: the first frame seen ({first}) is within the file's first 15%")
        check(res, distinct >= 0.95 * span, f"{who}: {distinct} distinct frame numbers >= 95% of the {span} in {first}..{last}")
        backwards = sum(1 for x, y in zip(numbers, numbers[1:]) if y < x)
        check(res, backwards == 0, f"{who}: frame numbers in order ({backwards} steps backwards)")
    else:
        check(res, False, f"{who} presented frames")
    if r.get("peer") == "chromium":
        check(res, r.get("freezeCount") == 0, f"{who}: no freeze (freezeCount {r.get('freezeCount')}, "
              f"{r.get('totalFreezesDuration')} s frozen)")
        first_ms = r.get("firstFrameMs")
        limit = 2000 if from_start else 1000
        check(res, first_ms is not None and first_ms < limit, f"{who}: first frame {first_ms} ms after subscribing < {limit} ms")
    return res


def assertions(a, r, pub_out):
    res = picture_checks(r, a.viewer, a.duration * FPS, (a.width, a.height), a.codec, from_start=not a.late_viewer)
    if a.push:
        total = a.duration * FPS
        pushed = [list(map(int, m.groups())) for m in map(re.compile(
            r"pushed (\d+) frames \(replaced (\d+), stale (\d+), sent (\d+)").search, pub_out) if m]
        check(res, pushed and pushed[0][0] == total and pushed[0][3] >= 0.95 * total,
              f"the PushVideoTrack took all {total} pushes and sent >= 95% (pushed, replaced, stale, sent: {pushed})")
    elif a.python_dir:
        check(res, any(f"sent {a.duration * FPS} frames" in line for line in pub_out),
              f"the Python track handed out all {a.duration * FPS} frames")
    elif a.copy:
        sent_as = "sent as it is, H.264" if a.codec == "h264" else "sent as it is, VP8"
        check(res, any("with its video" in line and sent_as in line for line in pub_out),
              f"publish says it sends the file's video {sent_as}")
    else:
        sent_as = "H.264 640x360" if a.codec == "h264" else "VP8 640x360"
        check(res, any("with its video" in line and sent_as in line for line in pub_out),
              f"publish says it sends the file's video as {sent_as}")
    return res


def publish_and_watch(a, tmp, media, *variants):
    """One server; per variant (a list of extra publish options; one plain run by default) a
    room with one publisher and one viewer, all at once: [(viewer result, publisher's output
    lines, its last --stats line)] in the variants' order."""
    variants = variants or ((),)
    rooms = [ROOM + i for i in range(len(variants))]
    sut_tmp, env = private_tmpdir(tmp)
    server, url = start_roomcast_server(a.roomcast, env, ",".join(map(str, rooms)))
    server_dirs = janus_config_dirs_of_descendants()

    def viewer_argv(room):
        # Chromium: every decoded frame (--decoded). On a loaded 2-core machine its compositor
        # skips presenting some it decoded (261 of 293 once), which says nothing of our stream;
        # presentation stalls still show in getStats' freezes, checked too.
        argv = ["node", os.path.join(HERE, "browser_listener.mjs"), "--decoded"] if a.viewer == "chromium" else \
            [PY, os.path.join(HERE, "aiortc_listener.py")]
        return argv + ["--video", "--url", url, "--room", room, "--seconds", a.duration + 8, "--timeout", 30]

    viewers = {}
    if not a.late_viewer:
        for room in rooms:
            viewers[room] = Proc(f"viewer{room}", viewer_argv(room))
        for viewer in viewers.values():
            viewer.wait_line(r"ready:", 45, "err")
    publishers = {}
    for room, extra in zip(rooms, variants):
        if a.python_dir:
            # The same picture from a Python bot: roomcast.CustomVideoTrack with numpy frames.
            publishers[room] = Proc(f"publisher{room}", [PY, os.path.join(HERE, "py_video_publisher.py"), "--server",
                                                         url, "--room", room, "--duration", a.duration,
                                                         *(["--push"] if a.push else [])],
                                    env=dict(env, PYTHONPATH=a.python_dir))
        else:
            publishers[room] = Proc(f"publisher{room}", [a.roomcast, "publish", media, "--server", url, "--room", room,
                                                         "--stats", *extra], env=env)
    if a.late_viewer:
        # Joined and sending for late_viewer seconds (the stats lines count them) before the viewer.
        for room in rooms:
            publishers[room].wait_line(rf'"t":{a.late_viewer}(\.\d+)?,"type":"stats"', a.late_viewer + 30, "out")
            viewers[room] = Proc(f"viewer{room}", viewer_argv(room))
    outcomes = []
    for room in rooms:
        publisher, viewer = publishers[room], viewers[room]
        if publisher.wait(a.duration + 40) != 0:
            raise Failure(f"publisher failed\n{publisher.dump()}")
        if viewer.wait(a.duration + 60) != 0:
            raise Failure(f"viewer failed\n{viewer.dump()}")
        result = json.loads(viewer.out[-1])
        frames = result.get("frames") or []
        log(f"viewer {room}: " + json.dumps({k: v for k, v in result.items() if k != "frames"}))
        log(f"viewer {room} frames: {len(frames)}, first {frames[:5]}, last {frames[-5:]}")
        stats = [s for s in json_lines(publisher.out) if s.get("type") == "stats"]
        sending = stats[-1].get("sending") if stats else {}
        log(f"publisher {room}'s last stats: " + json.dumps(sending))
        outcomes.append((result, publisher.out, sending or {}))
    if server.stop(15) != 0:
        raise Failure(f"server exited badly\n{server.dump()}")
    leak_check()
    check_dirs_gone(server_dirs, "the server")
    return outcomes


def unseen_stretches(r, total):
    """The stretches of the file's frames (> 200 ms of them, Chromium's freeze limit at 30 fps)
    that a viewer never showed, from its first picture to the file's end: [seconds]. Unlike
    Chromium's own freeze figures this also counts a picture that stops for good (no frame
    after the stall, so Chromium counts no freeze)."""
    numbers = sorted({n for n, _ in r.get("frames") or [] if 0 <= n < total})
    if not numbers:
        return [total / FPS]
    gaps = [(b - a) / FPS for a, b in zip(numbers, numbers[1:] + [total])]
    return [g for g in gaps if g > 0.2]


def nft(*rules):
    for rule in rules:
        subprocess.run(["nft", *rule.split()], check=True)


def run(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh (Janus needs a non-loopback interface)")
    become_subreaper()
    viewer_needs = (["/usr/bin/chromium", "node", os.path.join(HERE, "node_modules", "playwright-core")]
                    if a.viewer == "chromium" else [PY])
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", *viewer_needs] + (["nft"] if a.loss else []))
    tmp = tempfile.mkdtemp(prefix="roomcast-e2e-")
    try:
        media = os.path.join(tmp, "numbered.mp4")
        if a.copy:
            # Sent as it is: made at the size the viewer must see, in the codec it must report.
            media = os.path.join(tmp, "numbered.webm" if a.codec == "vp8" else "numbered.mp4")
            make_video(media, a.duration, f"{a.width}x{a.height}", a.codec)
        else:
            make_video(media, a.duration, a.source_size)
        results = []
        if a.loss:
            # Into Janus's RTP ports only: the publishers' path (the viewers send Janus only RTCP).
            # RTP (version 2) with our RTX payload type is counted on the way out, before the loss:
            # the retransmissions on the wire really are RFC 4588 ones (the header is not encrypted).
            rtx_pt = 103 if a.codec == "h264" else 97
            nft("add table inet rcvideo", "add chain inet rcvideo out { type filter hook output priority 0 ; }",
                f"add rule inet rcvideo out udp dport 20000-29999 @th,64,2 2 @th,73,7 {rtx_pt} counter",
                f"add rule inet rcvideo out udp dport 20000-29999 numgen random mod 100 < {a.loss} drop")
            try:
                # Side by side on one server, each in its own room: with retransmissions (RTX, as
                # Janus keeps it in its answer) and with --no-video-nack.
                codec = ["--video-codec", a.codec] if a.codec != "vp8" else []
                (r, _, sending), (r_off, _, sending_off) = publish_and_watch(a, tmp, media, codec,
                                                                             [*codec, "--no-video-nack"])
                listed = subprocess.run(["nft", "list", "chain", "inet", "rcvideo", "out"], capture_output=True,
                                        text=True, check=True).stdout
            finally:
                subprocess.run(["nft", "delete", "table", "inet", "rcvideo"], check=False)
            counted = re.search(r"counter packets (\d+)", listed)
            rtx_on_wire = int(counted.group(1)) if counted else -1
            video, video_off = sending.get("video") or {}, sending_off.get("video") or {}
            unseen, unseen_off = unseen_stretches(r, a.duration * FPS), unseen_stretches(r_off, a.duration * FPS)
            resent = video.get("retransmissions", 0)
            check(results, video.get("nacks_received", 0) > 0 and resent > 0,
                  f"with {a.loss} % loss Janus NACKed ({video.get('nacks_received')}) and we resent {resent} packets")
            # The last stats line is up to 2 s old when the counter is read: a few more may follow it.
            check(results, resent > 0 and 0.9 * resent <= rtx_on_wire <= 1.2 * resent + 10,
                  f"the resent packets went as RTX (payload type {rtx_pt}): {rtx_on_wire} on the wire, "
                  f"{resent} in the last stats")
            # Janus unwraps RTX into the stream it relays: Chromium misses (almost) nothing for good
            # (below 0 when duplicates came: RFC 3550 §6.4.1 counts expected minus received).
            lost, lost_off = r.get("packetsLost"), r_off.get("packetsLost")
            check(results, lost is not None and lost_off is not None and lost <= max(2, lost_off / 10),
                  f"Chromium lost {lost} packets for good with RTX, {lost_off} without retransmissions")
            check(results, video_off.get("retransmissions", -1) == 0,
                  f"with --no-video-nack nothing was resent ({video_off.get('retransmissions')} retransmissions, "
                  f"{video_off.get('nacks_received')} NACKs came anyway)")
            check(results, len(unseen) < len(unseen_off) and sum(unseen) < sum(unseen_off),
                  f"Chromium's picture stood still less with retransmissions ({len(unseen)} times, "
                  f"{sum(unseen):.2f} s of the file unseen; its freezeCount {r.get('freezeCount')}, "
                  f"{r.get('totalFreezesDuration')} s) than without ({len(unseen_off)} times, {sum(unseen_off):.2f} s; "
                  f"freezeCount {r_off.get('freezeCount')}, {r_off.get('totalFreezesDuration')} s)")
            check(results, (r.get("framesDecoded") or 0) > (r_off.get("framesDecoded") or 0) * 0.9,
                  f"frames decoded with NACK {r.get('framesDecoded')}, without {r_off.get('framesDecoded')}")
            # Not a check: Janus ends our RTX stream and relays the recovered packets as plain media, so
            # this counts only Janus's own RTX answers to Chromium's NACKs (none: that leg is clean).
            log(f"Chromium's retransmittedPacketsReceived: with {r.get('retransmittedPacketsReceived')}, "
                f"without {r_off.get('retransmittedPacketsReceived')}")
        else:
            extra = ["--keyframe-interval", str(a.keyframe_interval)] if a.keyframe_interval else []
            if a.codec != "vp8":
                extra += ["--video-codec", a.codec]
            if a.copy:
                extra += ["--video-copy"]
            (r, out, sending), = publish_and_watch(a, tmp, media, extra)
            results = assertions(a, r, out)
            if a.copy:
                # Copied frames are never left out (the ones after need them): none late, and
                # only the file's own keyframes (one per 60 frames) reached Chromium: none made.
                video = sending.get("video") or {}
                total = a.duration * FPS
                check(results, video.get("frames_late", -1) == 0,
                      f"no copied frame left out ({video.get('frames_late')} late, {video.get('frames_sent')} sent by "
                      f"the last stats line, Chromium decoded {r.get('framesDecoded')})")
                check(results, 0 < (r.get("keyFramesDecoded") or 0) <= total // 60 + 1,
                      f"{r.get('keyFramesDecoded')} keyframes decoded: the file's own ({total // 60}), none made; "
                      f"{video.get('keyframe_requests')} requests, {video.get('keyframe_requests_unanswered')} had "
                      "to wait for the next")
            if a.late_viewer:
                video = sending.get("video") or {}
                check(results, video.get("keyframe_requests", 0) >= 1,
                      f"Janus asked for a keyframe when the viewer came ({video.get('keyframe_requests')} requests)")
        report_checks(results, "video checks failed (above)")
    finally:
        subprocess.run(["rm", "-rf", tmp])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("viewer", nargs="?", default="chromium", choices=["chromium", "aiortc"],
                    help="who watches: headless Chromium, or aiortc (a second, independent VP8 and H.264 decoder)")
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--source-size", default="480x270", help="the file's size (scaled to 640x360 by roomcast)")
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--python-dir", help="publish from py_video_publisher.py with this build's Python module")
    ap.add_argument("--push", action="store_true", help="with --python-dir: the bot pushes into a PushVideoTrack")
    ap.add_argument("--late-viewer", type=int, default=0, help="the viewer subscribes this many seconds in")
    ap.add_argument("--keyframe-interval", type=int, default=0, help="publish --keyframe-interval")
    ap.add_argument("--loss", type=int, default=0, help="percent of the publisher's packets dropped")
    ap.add_argument("--copy", action="store_true",
                    help="the file is already in --codec (WebM/VP8 or MP4/H.264 baseline): publish --video-copy")
    ap.add_argument("--codec", default="vp8", choices=["vp8", "h264"],
                    help="publish --video-codec; the viewer must report this codec")
    sys.exit(guarded(run, ap.parse_args()))


if __name__ == "__main__":
    main()
