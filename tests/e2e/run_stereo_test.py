#!/usr/bin/python3
# Stereo music mode end to end, inside netns.sh against `roomcast server`: one stereo file
# (441 Hz on the left, 660 Hz on the right) published twice at once, `--channels 2` as
# "stereo" and by default as "mono". Headless Chromium follows both, asking for stereo in its
# answer (as a page that wants stereo does) and measuring each channel; an aiortc subscriber
# records every RTP packet, decoded here with libopus in stereo.
# Asserts:
#   stereo: every packet on the wire is Opus stereo (TOC s bit); decoded, the left side is
#           441 Hz and the right 660 Hz, each with the other's tone >= 30 dB down; Chromium
#           plays two channels, left 441 Hz and right 660 Hz, < 1 % concealed;
#   mono:   every packet is Opus mono and carries both tones mixed (within 3 dB of each other),
#           so a default publish of a stereo file still loses nothing but the separation.
#   run_stereo_test.py --roomcast BIN
import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import HERE, PY, Failure, OpusStream, Proc, in_work_dir, json_lines, need, run_scenario  # noqa: E402
from run_engine_test import ROOM, Run  # noqa: E402

SECONDS = 6


def make_file(path):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc=0.5*sin(2*PI*441*t)|0.5*sin(2*PI*660*t):s=44100:d={SECONDS}", "-c:a", "flac",
                    path], check=True, timeout=60)


def tone_db(x, hz):
    """Power of x at hz (Hann-windowed DFT), dB."""
    w = np.hanning(len(x))
    k = np.exp(-2j * np.pi * hz * np.arange(len(x)) / 48000)
    return 20 * np.log10(abs(np.sum(x * w * k)) + 1e-9)


def dominant_hz(x):
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 10 * len(x)))
    return float(np.argmax(spec[10:]) + 10) * 48000 / (10 * len(x))


def decode(packets, channels):
    dec = OpusStream(channels)
    try:
        pcm = [dec.decode(bytes.fromhex(p[3])) for p in sorted(packets, key=lambda p: p[4])]
    finally:
        dec.close()
    if any(x is None for x in pcm):
        raise Failure("libopus could not decode a recorded packet")
    return np.concatenate(pcm).reshape(-1, channels)


def case_stereo(run):
    path = os.path.join(run.work, "two_tones.flac")
    make_file(path)
    run.start_server()
    browser = run.proc(Proc, "chromium", ["node", os.path.join(HERE, "browser_listener.mjs"), "--url", run.url,
                                          "--room", ROOM, "--feed-names", "stereo,mono", "--seconds", SECONDS + 4,
                                          "--timeout", 40, "--stereo"])
    for _ in range(2):
        browser.wait_line(r"ready:", 45, "err")
    rec = run.proc(Proc, "aiortc", [PY, os.path.join(HERE, "aiortc_rtp_recorder.py"), "--url", run.url, "--room", ROOM,
                                    "--feed-names", "stereo,mono", "--seconds", SECONDS + 10, "--timeout", 40])
    rec.wait_line(r"ready:", 30, "err")
    pubs = {name: run.proc(Proc, f"publish {name}", [run.a.roomcast, "publish", path, "--server", run.url, "--room", ROOM,
                                                     "--name", name, "--json", *extra])
            for name, extra in (("stereo", ["--channels", "2"]), ("mono", []))}
    for name, p in pubs.items():
        rc = p.wait(SECONDS + 30)
        run.check(rc == 0, f"{name}: roomcast publish played the file and left cleanly (exit {rc})\n"
                  f"{p.dump() if rc else ''}")

    rrc = rec.wait(40)
    run.check(rrc == 0, f"aiortc recorder exited 0 (got {rrc})\n{rec.dump() if rrc else ''}")
    feeds = json_lines(rec.out)[-1]["feeds"] if rrc == 0 else {}
    wire = run.figures.setdefault("wire", {})
    for name, channels in (("stereo", 2), ("mono", 1)):
        packets = feeds.get(name, {}).get("packets", [])
        if len(packets) < 50 * (SECONDS - 1):
            run.check(False, f"{name}: the recorder got {len(packets)} packets (>= {50 * (SECONDS - 1)})")
            continue
        # RFC 6716 3.1: the TOC byte's s bit says stereo.
        toc = {bool(bytes.fromhex(p[3])[0] & 0x04) for p in packets}
        run.check(toc == {channels == 2}, f"{name}: every packet is Opus {'stereo' if channels == 2 else 'mono'} "
                  f"(TOC stereo bits seen: {sorted(toc)})")
        # A stereo decoder either way; 4 s from 0.5 s on (past the 0.3 s lead-in and warm-up).
        pcm = decode(packets, 2)[48000 // 2:48000 // 2 + 4 * 48000].astype(float)
        left, right = pcm[:, 0], pcm[:, 1]
        fig = {"packets": len(packets), "leftHz": round(dominant_hz(left), 2), "rightHz": round(dominant_hz(right), 2),
               "left441Over660Db": round(tone_db(left, 441) - tone_db(left, 660), 1),
               "right660Over441Db": round(tone_db(right, 660) - tone_db(right, 441), 1)}
        wire[name] = fig
        if channels == 2:
            run.check(abs(fig["leftHz"] - 441) <= 1 and abs(fig["rightHz"] - 660) <= 1,
                      f"stereo on the wire: left {fig['leftHz']} Hz, right {fig['rightHz']} Hz (441 / 660 +-1)")
            run.check(fig["left441Over660Db"] >= 30 and fig["right660Over441Db"] >= 30,
                      f"stereo on the wire: each side's own tone is >= 30 dB above the other's "
                      f"(left {fig['left441Over660Db']} dB, right {fig['right660Over441Db']} dB)")
        else:
            run.check(abs(fig["left441Over660Db"]) <= 3 and np.allclose(left, right),
                      f"mono on the wire: both tones mixed ({fig['left441Over660Db']} dB apart, <= 3), "
                      "the same on both sides")

    rc = browser.wait(60)
    run.check(rc == 0, f"Chromium listener exited 0 (got {rc})\n{browser.dump() if rc else ''}")
    results = {r.get("feedName"): r for r in json_lines(browser.out)} if rc == 0 else {}
    chrome = run.figures.setdefault("chromium", {})
    r = results.get("stereo")
    if r is None:
        run.check(False, "Chromium: a result for the stereo feed")
        return
    left, right = r.get("left") or {}, r.get("right") or {}
    chrome["stereo"] = {k: r.get(k) for k in ("channelsSeen", "left", "right", "concealedRatio", "packetsReceived")}
    run.check(r.get("channelsSeen") == 2, f"Chromium plays the stereo feed as {r.get('channelsSeen')} channels (2)")
    run.check(abs((left.get("hz") or 0) - 441) <= 1 and abs((right.get("hz") or 0) - 660) <= 1,
              f"Chromium hears left {left.get('hz')} Hz and right {right.get('hz')} Hz (441 / 660 +-1)")
    ratio = r.get("concealedRatio")
    run.check(ratio is not None and ratio < run.MAX_CONCEALED,
              f"Chromium: concealed {ratio} of the stereo feed (< {100 * run.MAX_CONCEALED:g} %)")


def run_case(a, work):
    need([a.roomcast, "/usr/bin/janus", PY, "ffmpeg", "/usr/bin/chromium", "node",
          os.path.join(HERE, "node_modules", "playwright-core")])
    run_scenario(Run(a, work), case_stereo, timed=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--listener", default="chromium", help="(names the browser in ctest's argument list)")
    a = ap.parse_args()
    a.case = "stereo"
    return in_work_dir(run_case, a, "roomcast-e2e-", netns=True)


if __name__ == "__main__":
    sys.exit(main())
