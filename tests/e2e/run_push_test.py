#!/usr/bin/python3
# PushAudioTrack end to end, inside netns.sh against `roomcast server`: push_track_e2e.cpp (the
# public API) plays a voice agent's session while headless Chromium listens and an aiortc
# subscriber records every RTP packet with its arrival time (CLOCK_MONOTONIC, the program's
# clock too). Each packet is decoded with libopus and classified by its tone.
# Asserts:
#   live:    441 Hz pushed in real time in irregular 5-80 ms chunks at 22.05/24/44.1 kHz:
#            Chromium hears 441 Hz with < 1 % concealed; on the wire the tone is continuous (no
#            silent frame inside it, 0 underruns) and as long as what was pushed (+-1 frame);
#            the first push after join() is on the wire within 40 ms (no lead-in before it);
#   pause:   2 s with nothing pushed is silence of that length on the wire (+-40 ms), the
#            meeting stays up, RTP timestamps keep counting (every step 960 samples);
#   clear(): while 5 s are queued: the first silent packet arrives within 60 ms of the call
#            and no 660 Hz packet after it; queued_duration() is 0 right after;
#   wait_for_playout(): returns after the meeting sent the push's 75 packets (never before the
#            last), and within 40 ms after the last 550 Hz packet arrived (up to 30 ms before it
#            on a busy machine: the recorder stamps arrivals late, after its own asyncio loop);
#   marker:  the first packet of each talkspurt carries the RTP marker bit;
#   end():   the meeting ends with "end of stream".
# --dtx (MeetingConfig::opus_dtx): the same session, aiortc only (Chromium counts its comfort
# noise in DTX gaps as concealment): the 2 s pause carries at most 20 packets instead of 100,
# the RTP timestamps still advance by the pause's length, and speech after a gap is marked.
#   run_push_test.py --roomcast BIN --program push_track_e2e
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import HERE, PY, Failure, OpusStream, Proc, in_work_dir, json_lines, need, run_scenario  # noqa: E402
from run_engine_test import ROOM, Run, realtime_prefix  # noqa: E402

NAME = "pusher"
TONES = (441.0, 550.0, 660.0)
LIVE_SECONDS = 10.0


def classify(packets):
    """[(arrival, tone Hz or 0 for silence, marker, rtp ts, pcm)] in arrival order."""
    dec = OpusStream()
    out = []
    try:
        for seq, ts, _, payload, arrival, marker in sorted(packets, key=lambda p: p[4]):
            pcm = dec.decode(bytes.fromhex(payload))
            if pcm is None:
                raise Failure("libopus could not decode a recorded packet")
            # A packet's first 6.5 ms decode the end of the frame before (the encoder's
            # lookahead): judge it by its second half, which is its own audio only.
            rms = float(np.sqrt(np.mean(pcm[len(pcm) // 2:] ** 2)))
            tone = 0.0
            if rms > 1000:  # the tones are at -12 dBFS (rms ~5800); silence decodes to ~0
                spec = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm)), 48000))
                tone = min(TONES, key=lambda f: -spec[int(f)])
            out.append((arrival, tone, marker, ts, pcm))
    finally:
        dec.close()
    return out


def dominant_hz(pcm):
    spec = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    return float(np.argmax(spec[1:]) + 1) * 48000 / len(pcm)


def case_voice_agent(run):
    dtx = run.a.dtx
    run.start_server()
    browser = None if dtx else run.chromium([NAME], seconds=15)
    rec = run.proc(Proc, "aiortc", [PY, os.path.join(HERE, "aiortc_rtp_recorder.py"), "--url", run.url, "--room", ROOM,
                                    "--feed-names", NAME, "--seconds", 60, "--timeout", 60])
    rec.wait_line(r"ready:", 30, "err")
    go = os.path.join(run.work, "go")
    prog = run.proc(Proc, "push_track_e2e", [*realtime_prefix(), run.a.program, "--server", run.url, "--room", ROOM,
                                             "--name", NAME, "--live-seconds", LIVE_SECONDS, "--dtx", int(dtx),
                                             "--go-file", go])
    # The session starts once the recorder hears the lead-in (it subscribes on our announcement).
    rec.wait_line(r"receiving: " + NAME, 30, "err")
    open(go, "w").close()
    rc = prog.wait(90)
    steps = {e["step"]: e for e in json_lines(prog.out) if "step" in e}
    run.check(rc == 0 and "summary" in steps, f"push_track_e2e exited 0 with a summary (got {rc})\n{prog.dump()}")
    if "summary" not in steps:
        return
    summary = steps["summary"]
    run.figures["program"] = summary
    if browser:
        run.chromium_checks(browser, [NAME], 60)
    rrc = rec.wait(40)
    run.check(rrc == 0, f"aiortc recorder exited 0 (got {rrc})\n{rec.dump() if rrc else ''}")
    if rrc != 0:
        return
    frames = classify(json_lines(rec.out)[-1]["feeds"][NAME]["packets"])
    fig = run.figures.setdefault("wire", {})

    def tone_runs(hz, since, until=float("inf")):
        return [f for f in frames if f[1] == hz and since <= f[0] < until]

    # live: continuous, in tune, as long as pushed.
    run.check(steps.get("go", {}).get("ok"), "the recorder heard us before the session started")
    live = tone_runs(441.0, steps["live_start"]["t"], steps["resume"]["t"])
    run.check(len(live) > 0, "the live tone reached the wire")
    if not live:
        return
    inside = [f for f in frames if live[0][0] <= f[0] <= live[-1][0]]
    gaps = sum(1 for f in inside if f[1] != 441.0)
    hz = dominant_hz(np.concatenate([f[4] for f in live]))
    fig["live"] = {"frames": len(live), "silentInside": gaps, "hz": round(hz, 2),
                   "pushToFirstPacketMs": round(1000 * (live[0][0] - steps["live_start"]["t"]), 1)}
    run.check(gaps == 0 and summary["underruns"] == 0,
              f"live: no silent frame inside the tone on the wire ({gaps}) and 0 underruns ({summary['underruns']})")
    run.check(abs(len(live) * 0.02 - LIVE_SECONDS) <= 0.021,
              f"live: {len(live)} frames of tone = {LIVE_SECONDS} s pushed (+-1 frame)")
    run.check(abs(hz - 441) <= 1, f"live: the wire's tone is {hz:.2f} Hz, within 1 Hz of 441 (no pitch shift)")
    run.check(steps["live_end"]["played_out"], "live: wait_for_playout() returned true")
    first_ms = fig["live"]["pushToFirstPacketMs"]
    run.check(first_ms <= 40, f"live: the first push after join() is on the wire {first_ms} ms later "
              "(<= one 20 ms frame and the hops: no lead-in ahead of audio pushed while live)")

    # pause: silence of the pause's length, then the tone again.
    resumed = tone_runs(441.0, steps["resume"]["t"])
    pause = steps["resume"]["t"] - steps["live_end"]["t"]
    if resumed:
        silent = resumed[0][0] - live[-1][0] - 0.02
        fig["pause"] = {"pausedS": round(pause, 3), "silenceOnWireS": round(silent, 3)}
        run.check(abs(silent - pause) <= 0.04, f"pause: {silent:.3f} s of silence on the wire for {pause:.3f} s "
                  "with nothing pushed (+-40 ms)")
        between = [f for f in frames if live[-1][0] < f[0] < resumed[0][0]]
        fig["pause"]["packets"] = len(between)
        if dtx:
            # libopus sends ~10 frames of silence before DTX starts, then one every 400 ms.
            run.check(all(f[1] == 0 for f in between) and len(between) <= 20,
                      f"pause with DTX: {len(between)} packets in {pause:.1f} s (<= 20, not {int(pause / 0.02)})")
            ts_span = (resumed[0][3] - live[-1][3]) & 0xFFFFFFFF
            arrival_span = resumed[0][0] - live[-1][0]
            run.check(abs(ts_span / 48000 - arrival_span) <= 0.03,
                      f"pause with DTX: RTP time advanced {ts_span / 48000:.3f} s across a {arrival_span:.3f} s gap")
        else:
            run.check(all(f[1] == 0 for f in between) and len(between) >= 0.9 * pause / 0.02,
                      f"pause: the meeting stayed up, sending {len(between)} silent frames")
    else:
        run.check(False, "pause: the tone came back after the pause")
    run.check(steps["resume"]["joined"], "pause: still joined after 2 s without audio")

    # clear(): silence from the next frame on.
    cleared = steps["cleared"]
    t_clear = cleared["clear_at"]
    after = [f for f in frames if f[0] > t_clear]
    first_silent = next((f for f in after if f[1] == 0), None)
    late_660 = [f for f in after if f[1] == 660.0 and f[0] > t_clear + 0.025]
    before = tone_runs(660.0, steps["clear_pushed"]["t"], t_clear)
    stop_ms = 1000 * (first_silent[0] - t_clear) if first_silent else None
    fig["clear"] = {"queuedBeforeMs": cleared["queued_before_ms"], "queuedAfterMs": cleared["queued_after_ms"],
                    "toneFramesBefore": len(before), "silenceAfterMs": stop_ms and round(stop_ms, 1),
                    "toneFramesAfter": len(late_660)}
    run.check(len(before) >= 45, f"clear: the 660 Hz tone played before the clear ({len(before)} frames)")
    run.check(stop_ms is not None and stop_ms <= 60 and not late_660,
              f"clear: silence on the wire {stop_ms} ms after clear() (<= 60) and no 660 Hz after it ({len(late_660)})")
    run.check(cleared["queued_after_ms"] == 0 and cleared["queued_before_ms"] >= 3500,
              f"clear: queued_duration() {cleared['queued_before_ms']} ms before, {cleared['queued_after_ms']} after")

    # wait_for_playout(): never before the last sample left, within 40 ms after.
    played = steps["played_out"]
    tone550 = tone_runs(550.0, t_clear)
    if tone550:
        delta_ms = 1000 * (played["t"] - tone550[-1][0])
        fig["playout"] = {"frames": len(tone550), "returnAfterLastPacketMs": round(delta_ms, 1),
                          "waitedS": round(played["waited_s"], 3)}
        # The recorder stamps arrivals after Janus and its own asyncio loop (a few ms on a busy
        # machine): "never before" is judged in the sender, by its packet count, as well.
        run.check(played["ok"] and -30 <= delta_ms <= 40,
                  f"wait_for_playout(): returned {delta_ms:.1f} ms after the last 550 Hz packet arrived (-30..40)")
        run.check(played["packets_during_wait"] >= 75,
                  f"wait_for_playout(): {played['packets_during_wait']} packets went out between the 1.5 s push and "
                  "the return (>= its 75 frames: not before the last one)")
        run.check(abs(len(tone550) * 0.02 - 1.5) <= 0.021, f"playout: {len(tone550)} frames of 550 Hz = 1.5 s")
    else:
        run.check(False, "wait_for_playout: the 550 Hz tone reached the wire")

    # Marker bit at each talkspurt start; RTP time counts every frame, silence included.
    starts = [i for i in range(1, len(frames)) if frames[i][1] != 0 and
              (frames[i - 1][1] == 0 or (frames[i][3] - frames[i - 1][3]) & 0xFFFFFFFF != 960)]
    unmarked = [round(frames[i][0], 3) for i in starts if not frames[i][2]]
    steps_ts = {(frames[i][3] - frames[i - 1][3]) & 0xFFFFFFFF for i in range(1, len(frames))}
    fig["talkspurts"] = {"starts": [round(frames[i][0], 3) for i in starts], "unmarked": unmarked,
                         "marked": [round(f[0], 3) for f in frames if f[2]], "tsSteps": sorted(steps_ts)}
    run.check(len(starts) >= 3 and not unmarked,
              f"marker: all {len(starts)} talkspurt starts carry the marker bit (unmarked at {unmarked})")
    if dtx:
        run.check(all(s % 960 == 0 for s in steps_ts), f"RTP timestamps step whole frames ({sorted(steps_ts)[:8]})")
    else:
        run.check(steps_ts == {960}, f"RTP timestamps step 960 between all packets ({sorted(steps_ts)})")
    run.check(summary["left"] == "end of stream", f"end(): the meeting ended with 'end of stream' ({summary['left']!r})")


def run_case(a, work):
    need([a.roomcast, a.program, "/usr/bin/janus", PY])
    if not a.dtx:
        need(["/usr/bin/chromium", "node", os.path.join(HERE, "node_modules", "playwright-core")])
    run_scenario(Run(a, work), case_voice_agent, timed=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--program", required=True, help="path of push_track_e2e")
    ap.add_argument("--listener", default="chromium", help="(names the browser in ctest's argument list)")
    ap.add_argument("--dtx", action="store_true", help="MeetingConfig::opus_dtx on; aiortc listens alone")
    a = ap.parse_args()
    a.case = "push_voice_agent_dtx" if a.dtx else "push_voice_agent"
    return in_work_dir(run_case, a, "roomcast-e2e-", netns=True)


if __name__ == "__main__":
    sys.exit(main())
