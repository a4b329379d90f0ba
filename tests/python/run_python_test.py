#!/usr/bin/python3
# The Python module end to end, inside tests/e2e/netns.sh (real Janus, real peers):
#   example: examples/python/file_to_meeting.py (FileAudioTrack; --python-track: the seed's
#            CustomAudioTrack decoding in Python) against `roomcast server`: Chromium hears
#            441 +- 1 Hz, the seed handlers fire in order, the meeting ends at end of file.
#   push:    a PushAudioTrack fed from a Python thread in real time: aiortc hears 441 +- 1 Hz,
#            wait_for_playout() returns when the pushing is done, clear() empties the queue,
#            end() ends the meeting;
#   custom:  a CustomAudioTrack returning odd-sized numpy chunks: aiortc hears 441 +- 1 Hz for
#            the whole track; another Python thread kept running while join() and
#            run_until_left() blocked (the GIL is released).
#   sink:    an aiortc publisher's 440 Hz tone reaches a Python stream sink and the asyncio
#            iterator of the mixed audio at 440 +- 1 Hz.
#   errors:  a handler raising arrives as on_error naming it; recv() raising arrives as on_error
#            and ends the meeting with an error; roomcast.Error carries the kind.
#   video_sink: `roomcast publish` of a 4 s numbered video (run_video_test.make_video, sent at
#            640x360): a Python sink on its video stream gets numpy I420 planes of 360x640 and
#            180x320 (uint8) carrying >= 90 % of the frame numbers in order; capture_image()
#            gives a PNG that PyAV decodes to 640x360 showing one of the numbers the sink saw.
#   messages: three Python meetings in one room: 200 numbered messages each way between alice
#            (a pubsub handler, on the callback thread) and bob (`async for` over
#            pubsub.messages), all in order with the sender's id and name; bytes by send_data
#            arrive intact; send_only=[carol] does not reach bob; a raising handler arrives as
#            on_error naming its topic; after unsubscribe alice gets nothing more (dropped, counted);
#            carol, subscribed to nothing, receives none (stats say 0); publish on a meeting not
#            joined, or with data_enabled=False, raises roomcast.Error saying why.
import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from e2e_util import (PY, Failure, Proc, become_subreaper, guarded_then_clean, janus_dirs, json_lines,  # noqa: E402
                      log, need, private_tmpdir, start_roomcast_server)
from run_video_test import FPS, make_video  # noqa: E402

E2E = os.path.join(HERE, "..", "e2e")
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "python", "file_to_meeting.py")
AGENT = os.path.join(HERE, "py_agent.py")
ROOM = 1234


@contextlib.contextmanager
def room_server(a, env):
    """`roomcast server` for ROOM: yields its URL; stops it after (kills it on a failure)."""
    server, url = start_roomcast_server(a.roomcast, env, ROOM)
    try:
        yield url
        server.stop(15)
    finally:
        server.terminate()


def judge(problems, *procs):
    """Failure naming every problem, with the processes' last output, if there are any."""
    if problems:
        raise Failure("; ".join(problems) + "\n" + "\n".join(p.dump() for p in procs))


def make_tone(path, seconds):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=441:sample_rate=44100:duration={seconds}", "-ac", "2", "-c:a", "aac",
                    path], check=True, timeout=60)


def listener_result(listener):
    rc = listener.wait(60)
    results = json_lines(listener.out)
    if rc != 0 or not results:
        raise Failure(f"listener exited {rc} without a result\n{listener.dump()}")
    return results[-1]


def check_tone(problems, figures, hz, seconds):
    heard = figures.get("dominantHz", 0)
    if abs(heard - hz) > 1:
        problems.append(f"listener heard {heard:.2f} Hz, want {hz} +- 1")
    if figures.get("heardSeconds", 0) < seconds - 1.5:
        problems.append(f"listener heard {figures.get('heardSeconds')} s of a {seconds} s track")


def example(a, work, env):
    media = os.path.join(work, "tone.mp4")
    seconds = 4
    make_tone(media, seconds)
    for variant in ([], ["--python-track"]):
        with room_server(a, env) as url:
            listener = Proc("chromium", ["node", os.path.join(E2E, "browser_listener.mjs"), "--url", url, "--room",
                                         ROOM, "--seconds", seconds + 4, "--timeout", 30], env=env)
            listener.wait_line(r"ready:", 45, "err")
            seed_env = dict(env, ROOMCAST_SERVER=url, ROOMCAST_MEETING_ID=str(ROOM), ROOMCAST_NAME="seed example")
            seed = Proc("file_to_meeting.py", [PY, EXAMPLE, media, *variant], env=seed_env)
            rc = seed.wait(40)
            figures = listener_result(listener)
            order = [line.split(":")[0] for line in seed.out if line.startswith("on_")]
            want = ["on_meeting_joined", "on_stream_enabled", "on_stream_disabled", "on_meeting_left"]
            problems = []
            if rc != 0:
                problems.append(f"exit code {rc}")
            if [o for o in order if o != "on_participant_joined"] != want:
                problems.append(f"handler calls {order}, want {want}")
            if not any(line == "on_meeting_left: end of stream" for line in seed.out):
                problems.append("the meeting did not end at end of stream")
            check_tone(problems, figures, 441, seconds)
            log(f"example {variant}: handlers {order}; Chromium {figures.get('dominantHz')} Hz, "
                f"heard {figures.get('heardSeconds')} s, concealed {figures.get('concealedRatio')}")
            judge(problems, seed, listener)


def agent_heard_by_aiortc(url, env, mode, seconds):
    """`py_agent.py MODE` sending for `seconds` once aiortc listens: (agent, listener, the agent's
    exit code, the listener's figures, the agent's last JSON line or {})."""
    listener = Proc("aiortc", [PY, os.path.join(E2E, "aiortc_listener.py"), "--url", url, "--room", ROOM,
                               "--seconds", seconds + 4, "--timeout", 30], env=env)
    listener.wait_line(r"ready:", 45, "err")
    agent = Proc(f"py_agent {mode}", [PY, AGENT, mode, "--url", url, "--room", ROOM, "--seconds", seconds], env=env)
    rc = agent.wait(60)
    return agent, listener, rc, listener_result(listener), (json_lines(agent.out) or [{}])[-1]


def agent_left_at_end(rc, result, when=""):
    """The problems of a py_agent run's end: it must exit 0 with its result, its meeting left
    with on_meeting_left('end of stream') (`when`: what the text adds about the moment)."""
    if rc != 0 or not result:
        return [f"py_agent exited {rc}"]
    if ["on_meeting_left", "end of stream", False] not in result["calls"]:
        return [f"handler calls {result['calls']}: no on_meeting_left('end of stream'){when}"]
    return []


def custom(a, work, env):
    seconds = 5
    with room_server(a, env) as url:
        agent, listener, rc, figures, result = agent_heard_by_aiortc(url, env, "custom", seconds)
        problems = agent_left_at_end(rc, result)
        if rc == 0 and result:
            # Meeting.stats(): Janus's receiver reports about our stream, with a round-trip time.
            if not (result.get("publishing") and result.get("receiver_reports", 0) >= 2
                    and result.get("rtt_ms") is not None and 0 <= result["rtt_ms"] < 100):
                problems.append(f"stats(): publishing {result.get('publishing')}, receiver_reports "
                                f"{result.get('receiver_reports')}, rtt_ms {result.get('rtt_ms')}: want >= 2 reports "
                                f"and an RTT under 100 ms")
            if abs(result["frames_sent"] - seconds * 50) > 2:
                problems.append(f"{result['frames_sent']} frames sent, want {seconds * 50} +- 2")
            # 10 ms ticks: a thread starved by a held GIL would count next to none.
            want_ticks = result["blocked_seconds"] * 100 * 0.5
            if result["ticks"] < want_ticks:
                problems.append(f"another thread ticked {result['ticks']} times in {result['blocked_seconds']:.1f} s "
                                f"of join()/run_until_left(), want >= {want_ticks:.0f}: the GIL is held")
        check_tone(problems, figures, 441, seconds)
        log(f"custom: {json.dumps(result)}; aiortc {figures.get('dominantHz')} Hz heard "
            f"{figures.get('heardSeconds')} s")
        judge(problems, agent, listener)


def push(a, work, env):
    seconds = 4
    with room_server(a, env) as url:
        agent, listener, rc, figures, result = agent_heard_by_aiortc(url, env, "push", seconds)
        problems = agent_left_at_end(rc, result, " after end()")
        if rc == 0 and result:
            # Pushed in real time, 60 ms ahead: playout ends about when the last chunk was due.
            if not result["played"] or not seconds - 0.1 <= result["played_after_seconds"] <= seconds + 0.3:
                problems.append(f"wait_for_playout() returned {result['played']} after "
                                f"{result['played_after_seconds']:.3f} s for {seconds} s pushed in real time")
            if abs(result["queued_before"] - 2.0) > 0.03 or result["queued_after"] != 0:
                problems.append(f"queued_seconds {result['queued_before']} before clear(), {result['queued_after']} "
                                "after (want 2 and 0)")
            if result["underruns"] != 0:
                problems.append(f"{result['underruns']} underruns while pushing 60 ms ahead")
        check_tone(problems, figures, 441, seconds)
        log(f"push: {json.dumps(result)}; aiortc {figures.get('dominantHz')} Hz heard {figures.get('heardSeconds')} s")
        judge(problems, agent, listener)


def sink(a, work, env):
    seconds = 3
    with room_server(a, env) as url:
        agent = Proc("py_agent sink", [PY, AGENT, "sink", "--url", url, "--room", ROOM, "--seconds", seconds], env=env)
        agent.wait_line(r'"event": "joined"', 30, "out")
        publisher = Proc("aiortc publisher", [PY, os.path.join(E2E, "aiortc_publisher.py"), "tone:440", "--server",
                                              url, "--room", ROOM, "--name", "tone", "--duration", seconds + 3],
                         env=env)
        rc = agent.wait(60)
        publisher.terminate()
        result = (json_lines(agent.out) or [{}])[-1]
        problems = []
        if rc != 0 or "stream_hz" not in result:
            problems.append(f"py_agent exited {rc}")
        else:
            if result["participants"] != ["tone"]:
                problems.append(f"on_participant_joined for {result['participants']}, want ['tone']")
            for what in ("stream_hz", "mixed_hz"):
                if abs(result[what] - 440) > 1:
                    problems.append(f"{what} {result[what]:.2f}, want 440 +- 1")
            if result["mixed_frames"] < seconds * 50:
                problems.append(f"{result['mixed_frames']} loud mixed frames, want {seconds * 50}")
        log(f"sink: {json.dumps(result)}")
        judge(problems, agent, publisher)


def video_sink(a, work, env):
    seconds = 4
    media = os.path.join(work, "numbered.mp4")
    make_video(media, seconds, "480x270")
    with room_server(a, env) as url:
        agent = Proc("py_agent video_sink", [PY, AGENT, "video_sink", "--url", url, "--room", ROOM, "--seconds",
                                             seconds], env=env)
        agent.wait_line(r'"event": "joined"', 30, "out")
        publisher = Proc("publish", [a.roomcast, "publish", media, "--server", url, "--room", ROOM, "--name",
                                     "camera"], env=env)
        rc = agent.wait(60)
        prc = publisher.wait(30)
        result = (json_lines(agent.out) or [{}])[-1]
        numbers = result.get("numbers") or []
        total = seconds * FPS
        problems = []
        if rc != 0 or prc != 0 or "pictures" not in result:
            problems.append(f"py_agent exited {rc}, publish {prc}")
        want_shapes = [str(((360, 640), (180, 320), (180, 320), "uint8", 640, 360))]
        if result.get("shapes") != want_shapes:
            problems.append(f"the sink's planes (y, u, v, dtype, width, height) {result.get('shapes')}, want {want_shapes}")
        distinct = len(set(numbers))
        backwards = sum(1 for x, y in zip(numbers, numbers[1:]) if y < x)
        if distinct < 0.9 * total or backwards or not numbers or numbers[-1] < total - 10:
            problems.append(f"the sink saw {distinct} distinct frame numbers ({backwards} steps backwards, last "
                            f"{numbers[-1:]}), want >= 90 % of {total} in order up to the last")
        if not result.get("capture_image"):
            problems.append("roomcast.Participant has no capture_image()")
        elif result.get("png_signature") != "89504e470d0a1a0a" or result.get("png_size") != [640, 360]:
            problems.append(f"capture_image(): {result.get('png_bytes')} bytes, signature {result.get('png_signature')}, "
                            f"decoded size {result.get('png_size')}: want a 640x360 PNG")
        else:
            seen = result.get("sink_numbers_at_capture") or []
            if not seen or not min(seen) <= result.get("png_number", -1) <= max(seen) + 3:
                problems.append(f"capture_image() shows frame {result.get('png_number')}, the sink had just seen {seen}")
            if result.get("png_band_grey_share", 1) > 0.15:
                problems.append(f"capture_image()'s number band is {result.get('png_band_grey_share'):.2f} grey "
                                "(want black and white blocks)")
        log(f"video_sink: {json.dumps({k: v for k, v in result.items() if k != 'numbers'})}; "
            f"{len(numbers)} pictures, numbers {numbers[:3]}..{numbers[-3:]}")
        judge(problems, agent, publisher)


def errors(a, work, env):
    agent = Proc("py_agent errors", [PY, AGENT, "errors"], env=env)
    rc = agent.wait(60)
    result = (json_lines(agent.out) or [{}])[-1]
    problems = []
    if rc != 0 or "handler_errors" not in result:
        raise Failure(f"py_agent exited {rc}\n{agent.dump()}")
    if result.get("missing_file", [""])[0] != "ErrorKind.MEDIA" or "/nonexistent/roomcast.mp4" not in result["missing_file"][1]:
        problems.append(f"FileAudioTrack of a missing file: {result.get('missing_file')}, want ErrorKind.MEDIA naming it")
    if result.get("missing_media", [""])[0] != "ErrorKind.MEDIA" or "/nonexistent/roomcast.mp4" not in result["missing_media"][1]:
        problems.append(f"FileMedia of a missing file: {result.get('missing_media')}, want ErrorKind.MEDIA naming it")
    if result.get("webcam", [""])[0] != "ErrorKind.CONFIG":
        problems.append(f"webcam_enabled=True: {result.get('webcam')}, want ErrorKind.CONFIG")
    for key, want in (("channels", "MeetingConfig::audio_channels is 3; send 1 channel (mono, the default) or 2"),
                      ("push_channels", "Options::channels is 3; use 1 (mono) or 2 (stereo)")):
        if result.get(key, [""])[0] != "ErrorKind.CONFIG" or want not in result[key][1]:
            problems.append(f"{key}: {result.get(key)}, want ErrorKind.CONFIG saying '{want}'")
    if result.get("stereo_config") != 2:
        problems.append(f"MeetingConfig(audio_channels=2).audio_channels is {result.get('stereo_config')}")
    got = result["handler_errors"]
    if "Raising.on_meeting_joined raised ValueError: boom in a handler" not in got:
        problems.append("on_error never got 'Raising.on_meeting_joined raised ValueError: boom in a handler'")
    want = "audio track failed: audio track 'FailingTrack' failed: recv() raised RuntimeError: recv failed on purpose"
    if want not in got:
        problems.append(f"on_error never got {want!r}")
    if not got or not got[-1].startswith("left: ") or not got[-1].endswith("error=True"):
        problems.append("the meeting did not end with an error after recv() raised")
    if not result.get("left"):
        problems.append("run_until_left timed out")
    log(f"errors: {json.dumps(result)}")
    judge(problems, agent)


def messages(a, work, env):
    count = 200
    with room_server(a, env) as url:
        agent = Proc("py_agent messages", [PY, AGENT, "messages", "--url", url, "--room", ROOM, "--count", count],
                     env=env)
        rc = agent.wait(60)
    result = (json_lines(agent.out) or [{}])[-1]
    if rc != 0 or "stats" not in result:
        raise Failure(f"py_agent exited {rc}\n{agent.dump()}")
    problems = []
    for key, who in (("alice_from_bob", "bob"), ("bob_from_alice", "alice")):
        got = result[key]
        want = [f"{who} {i}" for i in range(count)]
        if got["texts"] != want:
            wrong = next((f"#{i} {t!r}" for i, t in enumerate(got["texts"]) if i >= count or t != want[i]), "none")
            problems.append(f"{key}: {len(got['texts'])} messages, want {count} in order (first wrong: {wrong})")
        if not got["senders_ok"]:
            problems.append(f"{key}: not every message names {who}'s participant id and name, topic chat, text")
        if not got["timestamps_ok"]:
            problems.append(f"{key}: a timestamp is not the Unix time of now")
    if result["alice_handler_threads"] != [False]:
        problems.append(f"alice's handler ran on {result['alice_handler_threads']} (True: the main thread), "
                        "want one thread, the callback thread")
    if result["bob_bytes"] != [[True, True, "alice", "bin"]]:
        problems.append(f"send_data(bytes 0..255, to=[bob]): bob got {result['bob_bytes']}, want them once, binary")
    if result["bob_dropped"] != 0:
        problems.append(f"bob's async iterator dropped {result['bob_dropped']}")
    if not result["iterator_ended_on_leave"]:
        problems.append("bob's `async for` did not end when bob left")
    stats = result["stats"]
    if result["bob_for_carol"] or stats["bob"]["not_for_us"] < 1:
        problems.append(f"send_only=[carol]: bob got {result['bob_for_carol']}, counted {stats['bob']['not_for_us']} "
                        "not for him; want none, and 1 counted")
    want_error = "pubsub handler of 'boom' raised ValueError: boom on boom"
    if result["bob_errors"] != [want_error]:
        problems.append(f"bob's on_error got {result['bob_errors']}, want [{want_error!r}]")
    if result["alice_after_unsubscribe"] or stats["alice"]["dropped"] != 1:
        problems.append(f"after unsubscribe alice got {result['alice_after_unsubscribe']} and counted "
                        f"{stats['alice']['dropped']} dropped; want none delivered and 1 dropped")
    if stats["carol"]["received"] != 0:
        problems.append(f"carol, subscribed to nothing, received {stats['carol']['received']} messages")
    for who in ("alice", "bob"):
        if stats[who]["sent"] < count or stats[who]["received"] < count:
            problems.append(f"{who}'s stats().messages: {stats[who]}, want >= {count} sent and received")
    for key, kind, text in (("not_joined", "ErrorKind.TRANSPORT", "not joined yet: call join() first"),
                            ("data_disabled", "ErrorKind.TRANSPORT", "data_enabled")):
        got = result.get(key) or ["", ""]
        if got[0] != kind or text not in got[1]:
            problems.append(f"publish on a meeting {key}: {got}, want {kind} saying {text!r}")
    if result.get("data_enabled_default") is not False:
        problems.append("MeetingConfig().data_enabled is not False (messages are opt-in)")
    log(f"messages: {count} each way; probes through after {result['probe_seconds']:.1f} s, exchange "
        f"{result['exchange_seconds']:.2f} s; stats {json.dumps(stats)}; errors {result['not_joined']}")
    judge(problems, agent)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True, help="the roomcast CLI (for `roomcast server`)")
    ap.add_argument("--python-dir", required=True, help="the directory holding the roomcast package")
    ap.add_argument("--case", required=True, choices=["example", "custom", "sink", "errors", "push", "video_sink",
                                                       "messages"])
    a = ap.parse_args()
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        print("run this under tests/e2e/netns.sh", file=sys.stderr)
        return 2
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", PY])
    if a.case == "example":
        need(["/usr/bin/chromium", "node", os.path.join(E2E, "node_modules", "playwright-core")])
    become_subreaper()
    cases = {"example": example, "custom": custom, "sink": sink, "errors": errors, "push": push, "video_sink": video_sink,
             "messages": messages}
    with tempfile.TemporaryDirectory(prefix="roomcast-py-", ignore_cleanup_errors=True) as work:
        tmp, env = private_tmpdir(work)
        env["PYTHONPATH"] = os.path.abspath(a.python_dir)

        def nothing_left_behind():
            if janus_dirs(tmp):
                raise Failure(f"left behind: {sorted(janus_dirs(tmp))}")

        return guarded_then_clean(cases[a.case], a, work, env, after=nothing_left_behind)


if __name__ == "__main__":
    sys.exit(main())
