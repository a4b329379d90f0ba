#!/usr/bin/env python3
"""`roomcast load --video`: three publishers in one process send a file's picture (one shared
encode) with its sound; headless Chromium watches one of them and reads the frame numbers
painted in the picture; the load report counts every publisher's video frames."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (BROWSER, HERE, Failure, Proc, check_dirs_gone, in_work_dir,  # noqa: E402
                      janus_config_dirs_of_descendants, report_checks, json_lines, leak_check, log, need, private_tmpdir,
                      start_roomcast_server)
from run_video_test import FPS, make_video  # noqa: E402

ROOM = 1234
PUBLISHERS = 3
STAY_S = 6


def run(a, tmp):
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", *BROWSER])
    media = os.path.join(tmp, "numbered.mp4")
    make_video(media, 4, "480x270")  # shorter than the run: the file loops
    sut_tmp, env = private_tmpdir(tmp)
    server, url = start_roomcast_server(a.roomcast, env, ROOM)
    server_dirs = janus_config_dirs_of_descendants()
    viewer = Proc("viewer", ["node", os.path.join(HERE, "browser_listener.mjs"), "--video", "--url", url,
                             "--room", ROOM, "--seconds", STAY_S + 3, "--timeout", 30])
    viewer.wait_line(r"ready:", 45, "err")
    load = Proc("load", [a.roomcast, "load", media, "--participants", PUBLISHERS, "--video", "--server", url,
                         "--room", ROOM, "--duration", STAY_S, "--json"], env=env)
    if load.wait(STAY_S + 60) != 0:
        raise Failure(f"load failed\n{load.dump()}")
    if viewer.wait(STAY_S + 60) != 0:
        raise Failure(f"viewer failed\n{viewer.dump()}")
    records = json_lines(load.out)
    summary = next((r for r in records if r.get("type") == "summary"), {})
    per = [r.get("video_frames_sent", 0) for r in records if r.get("type") == "participant"]
    r = json.loads(viewer.out[-1])
    numbers = [n for n, _ in r.get("frames") or []]
    log(f"load: video frames sent per publisher {per}, summary {summary.get('video_frames_sent')}; "
        f"viewer: {len(numbers)} frames, codec {r.get('mimeType')}, {r.get('frameWidth')}x{r.get('frameHeight')}")
    if server.stop(15) != 0:
        raise Failure(f"server exited badly\n{server.dump()}")
    leak_check()
    check_dirs_gone(server_dirs, "the server")

    results = []
    results.append((len(per) == PUBLISHERS and all(n >= 0.8 * FPS * STAY_S for n in per),
                    f"each of the {PUBLISHERS} publishers sent at least {0.8 * FPS * STAY_S:.0f} video frames: {per}"))
    results.append((summary.get("video_frames_sent") == sum(per),
                    f"the summary's video_frames_sent ({summary.get('video_frames_sent')}) is their sum ({sum(per)})"))
    results.append(((r.get("mimeType") or "").lower() == "video/vp8" and r.get("frameWidth") == 640,
                    f"Chromium decodes VP8 640 wide ({r.get('mimeType')}, {r.get('frameWidth')})"))
    # The file is 4 s (frames 0..119) and loops: numbers go up, then start again at 0.
    wraps = sum(1 for x, y in zip(numbers, numbers[1:]) if y < x - 60)
    backwards = sum(1 for x, y in zip(numbers, numbers[1:]) if x - 60 <= y < x)
    results.append((len(numbers) >= 0.8 * FPS * (STAY_S - 1) and backwards == 0 and wraps >= 1,
                    f"Chromium saw {len(numbers)} frames, the file looping {wraps} time(s), "
                    f"{backwards} steps backwards within a loop"))
    report_checks(results, "load --video checks failed (above)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    sys.exit(in_work_dir(run, ap.parse_args(), "roomcast-e2e-", netns=True))


if __name__ == "__main__":
    main()
