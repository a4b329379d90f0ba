#!/usr/bin/python3
# E2E of the player's controls: `roomcast publish` with stdin (espeak-ng speech piped in),
# --loop, --gain, a playlist and --start, all publishing at once into one room, recorded
# per participant by `roomcast listen --record-dir`; every recording is aligned with its
# reference (FFT cross-correlation) and compared. Run under netns.sh:
#   run_player_test.py --roomcast BIN
import argparse
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import PY, Failure, Proc, become_subreaper, guarded, log, need, run_scenario  # noqa: E402
from run_listen_test import (FRAME, RATE, ROOM, EXIT_INTERRUPTED, EventProc, Run, align,  # noqa: E402
                             heard_span, is_event, levels_db, ncc, read_wav)

BITRATE = "128000"  # music-grade Opus, so waveform correlation measures the player, not the codec
SPEECH = "The quick brown fox jumps over the lazy dog. Roomcast reads this from a pipe."


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *map(str, args)],
                   check=True, timeout=60)


def decoded(path):
    """A file decoded by the ffmpeg CLI to 48 kHz mono float (the reference)."""
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i", path, "-ac", "1",
                          "-ar", str(RATE), "-f", "f32le", "-"], check=True, timeout=60, capture_output=True).stdout
    return np.frombuffer(raw, "<f4").astype(np.float64)


def decoded_raw(path, fmt, rate, channels):
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", fmt, "-ar", str(rate),
                          "-ac", str(channels), "-i", path, "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"],
                         check=True, timeout=60, capture_output=True).stdout
    return np.frombuffer(raw, "<f4").astype(np.float64)


def active_span(x, rel_db=-40.0):
    """First and last sample whose 5 ms envelope is within rel_db of the signal's peak envelope."""
    n = 240
    env = np.sqrt(np.convolve(x * x, np.ones(n) / n, mode="same"))
    idx = np.flatnonzero(env > env.max() * 10 ** (rel_db / 20))
    return (int(idx[0]), int(idx[-1]) + 1) if len(idx) else None


class Player:
    """The run: one server, one `roomcast listen --record-dir`, the publishers all at once."""

    def __init__(self, run):
        self.run = run
        self.per = run.path("per")
        os.mkdir(self.per)
        run.start_server()
        self.listener, _ = run.listen("listener", "--record-dir", self.per)
        self.ids = {}
        self.started = {}

    def publish(self, name, inputs, *extra, stdin_cmd=None, tty=False):
        """Starts `roomcast publish INPUTS...` (stdin_cmd: a shell pipeline feeding it; tty: on a
        terminal, made by script(1), without --json); played(name) waits for the rest."""
        argv = [self.run.a.roomcast, "publish", *inputs, "--server", self.run.url, "--room", ROOM, "--name", name,
                "--bitrate", BITRATE, *extra] + ([] if tty else ["--json"])
        quoted = " ".join(f"'{a}'" for a in map(str, argv))
        if stdin_cmd:
            argv = ["sh", "-c", stdin_cmd + " | " + quoted]
        elif tty:
            argv = ["script", "-qefc", quoted, "/dev/null"]
        t0 = time.monotonic()
        self.started[name] = (self.run.add(EventProc(f"publish {name}", argv, env=self.run.sut_env)), t0)

    def played(self, name, timeout=40):
        """Waits for the listener to see `name` and its stream go live, then for its clean exit at
        the end of the input and the listener seeing it leave; its Proc."""
        proc, t0 = self.started[name]
        _, joined = self.listener.wait_event(f"participant_joined of {name}", is_event("participant_joined", name=name),
                                             20, since=t0)
        pid = str(joined["id"])
        self.ids[name] = pid
        self.listener.wait_event(f"stream_enabled of {name}",
                                 is_event("stream_enabled", kind="audio", local=False, participant_id=pid), 15)
        rc = proc.wait(timeout)
        self.run.check(rc == 0, f"{name}: roomcast publish played its input and left cleanly (exit {rc})")
        self.listener.wait_event(f"participant_left of {name}", is_event("participant_left", id=pid), 10)
        return proc

    def finish(self):
        """SIGINT ends the listener (exit 130, WAVs finished); the recordings by name."""
        self.listener.p.send_signal(signal.SIGINT)
        rc = self.listener.wait(20)
        self.run.check(rc == EXIT_INTERRUPTED, f"listener left on SIGINT and exited 130 (got {rc})")
        return {name: read_wav(self.run, os.path.join(self.per, f"{name}-{pid}.wav"), f"{name}'s recording")
                for name, pid in self.ids.items()}


def compare(run, what, rec, ref, min_corr):
    """Aligns ref in rec; correlation over the overlap; returns (lag, overlap rec, overlap ref)."""
    lag = align(rec, ref)
    a, b = max(lag, 0), min(lag + len(ref), len(rec))
    r, s = rec[a:b], ref[a - lag:b - lag]
    c = ncc(r, s)
    fig = run.figures.setdefault(what, {})
    fig.update(correlation=round(c, 4), lagSeconds=round(lag / RATE, 4), overlapSeconds=round(len(r) / RATE, 3))
    run.check(c >= min_corr, f"{what}: correlation with the reference {c:.4f} >= {min_corr} "
              f"over {len(r) / RATE:.2f} s")
    return lag, r, s


def dropout_frames(rec, ref):
    """20 ms frames where the reference sounds but the recording is > 20 dB below it."""
    lr, ls = levels_db(rec), levels_db(ref)
    sounding = ls > -50
    bad = np.flatnonzero(sounding & (lr < ls - 20))
    if len(bad):
        log(f"dropout frames {bad[:10].tolist()} of {len(lr)}: recorded {lr[bad[:10]].round(1).tolist()} dB, "
            f"source {ls[bad[:10]].round(1).tolist()} dB")
    return len(bad), int(np.sum(sounding))


def case_speech(run, player, rec):
    """(a) espeak-ng speech piped into `roomcast publish -`: duration within 2 %, correlation."""
    ref = decoded(run.path("speech.wav"))
    lag, r, s = compare(run, "speech", rec, ref, 0.9)
    ref_span, rec_span = active_span(ref), active_span(rec)
    if not ref_span or not rec_span:
        run.check(False, "speech: both the reference and the recording hold sound")
        return
    ref_s, rec_s = (ref_span[1] - ref_span[0]) / RATE, (rec_span[1] - rec_span[0]) / RATE
    err = (rec_s - ref_s) / ref_s
    run.figures["speech"].update(referenceSeconds=round(ref_s, 3), recordedSeconds=round(rec_s, 3),
                                 durationError=round(err, 5))
    run.check(abs(err) <= 0.02, f"speech: heard for {rec_s:.3f} s vs espeak-ng's {ref_s:.3f} s "
              f"(error {100 * err:+.2f}%, within 2%)")


def case_raw(run, rec, ref):
    """Headerless f32le PCM, 22.05 kHz stereo, piped into `roomcast publish - --raw`: the chirp
    at its own pitch and length (a wrong format, rate or channel count would not correlate)."""
    compare(run, "raw", rec, ref, 0.95)
    span = active_span(rec)
    heard = (span[1] - span[0]) / RATE if span else 0
    run.figures["raw"]["heardSeconds"] = round(heard, 3)
    run.check(abs(heard - 2.0) <= 0.06, f"raw: heard for {heard:.3f} s (the 2 s piped in, +-60 ms)")


def case_loop(run, rec, src):
    """(b) a 2 s file with --loop 5: 10 s, continuous, correlation >= 0.99 with the source
    repeated, overall and 100 ms either side of each of the 4 seams."""
    ref = np.tile(src, 5)
    lag, r, s = compare(run, "loop", rec, ref, 0.99)
    fig = run.figures["loop"]
    span = active_span(rec)
    heard = (span[1] - span[0]) / RATE if span else 0
    fig["heardSeconds"] = round(heard, 3)
    run.check(abs(heard - 10.0) <= 0.2, f"loop: heard for {heard:.3f} s (5 x 2 s, +-0.2 s)")
    seams = []
    for k in range(1, 5):
        at = lag + k * len(src)
        w = int(0.1 * RATE)
        if at - w < 0 or at + w > len(rec):
            run.check(False, f"loop: seam {k} inside the recording")
            continue
        seams.append(round(ncc(rec[at - w:at + w], ref[k * len(src) - w:k * len(src) + w]), 4))
    fig["seamCorrelations"] = seams
    run.check(len(seams) == 4 and min(seams) >= 0.99, f"loop: correlation across each seam {seams} >= 0.99")
    bad, total = dropout_frames(r, s)
    fig["dropoutFrames"] = bad
    run.check(bad == 0, f"loop: {bad}/{total} frames more than 20 dB below the source (none: continuous)")
    return r, s


def case_gain(run, rec, src, loud):
    """(c) the same file with --gain -6: its level vs the 0 dB recording (the loop case)."""
    ref = np.tile(src, 2)
    _, r, s = compare(run, "gain", rec, ref, 0.99)
    lr, ll = loud
    # Same source stretch: the first 4 s of each (0 dB: the loop's first two plays).
    n = min(len(r), len(lr), 4 * RATE) - RATE // 5
    quiet_db = 10 * np.log10(np.mean(r[RATE // 10:n] ** 2))
    loud_db = 10 * np.log10(np.mean(lr[RATE // 10:n] ** 2))
    diff = quiet_db - loud_db
    run.figures["gain"].update(levelDifferenceDb=round(diff, 3))
    run.check(abs(diff + 6) <= 0.5, f"gain: --gain -6 measures {diff:+.2f} dB vs 0 dB (-6 +- 0.5)")


def case_playlist(run, rec, a_path, b_path):
    """(d) a.wav (440 Hz, 44.1 kHz) then b.flac (660 Hz, 48 kHz, read over http://): back to
    back, no gap."""
    ref = np.concatenate([decoded(a_path), decoded(b_path)])
    lag, r, s = compare(run, "playlist", rec, ref, 0.95)
    split = len(decoded(a_path))
    w = int(0.1 * RATE)
    at = lag + split
    c = ncc(rec[at - w:at + w], ref[split - w:split + w]) if w <= at <= len(rec) - w else 0.0
    # The gap check leaves out the first 20 ms (Opus's onset after the lead-in's silence
    # measures ~20 dB low) and the last 60 ms (the listener drops a participant's last ~50 ms
    # when it leaves; run_listen_test's sourceTailMissingSeconds).
    tail = int(0.06 * RATE)
    bad, total = dropout_frames(r[FRAME:-tail], s[FRAME:-tail])
    span = active_span(rec)
    heard = (span[1] - span[0]) / RATE if span else 0
    run.figures["playlist"].update(seamCorrelation=round(c, 4), dropoutFrames=bad, heardSeconds=round(heard, 3))
    run.check(c >= 0.95, f"playlist: correlation 100 ms either side of the file change {c:.4f} >= 0.95")
    run.check(bad == 0, f"playlist: {bad}/{total} frames more than 20 dB below the files (no gap)")
    run.check(abs(heard - len(ref) / RATE) <= 0.06,
              f"playlist: heard for {heard:.3f} s = the files' {len(ref) / RATE:.3f} s (+-60 ms)")


def case_progress_bar(run, text):
    """The playlist publisher ran on a terminal: a progress bar redrawn in place (carriage
    return, erase to the end of the line), naming the entry, position / length, and the level of the audio sent: the files
    are sines of amplitude 1/8, RMS -21 dBFS."""
    bars = re.findall(r"\[(\d)/2\] (\d+):(\d\d\.\d) / 0:01\.5 \[[#.]{20}\] (-?\d+) dBFS \|*", text)
    redraws = text.count("\x1b[K")  # after each redraw (the pipe reader turns "\r" into line ends)
    levels = sorted({int(b[3]) for b in bars})
    entries = sorted({b[0] for b in bars})
    run.figures["progressBar"] = {"bars": len(bars), "redraws": redraws, "levels": levels, "entries": entries}
    run.check(len(bars) >= 6 and redraws >= len(bars) and entries == ["1", "2"],
              f"progress bar: {len(bars)} bars over entries {entries} redrawn in place ({redraws} line erases)")
    run.check(bool(levels) and all(abs(v + 21) <= 1 for v in levels), f"progress bar: level {levels} dBFS = -21 +- 1")


def case_start(run, rec, src, start_s):
    """(e) --start: the recording's first sound is the source at start_s (within 20 ms), and
    from there on it is the source (correlation over the part played)."""
    lag = align(rec, src)
    span = active_span(rec)
    if not span:
        run.check(False, "start: the recording holds sound")
        return
    end = min(span[1], lag + len(src))
    played = rec[span[0]:end]
    c = ncc(played, src[span[0] - lag:end - lag])
    run.figures["start"] = {"correlation": round(c, 4), "lagSeconds": round(lag / RATE, 4)}
    run.check(c >= 0.95, f"start: correlation with the source over the {len(played) / RATE:.2f} s played "
              f"{c:.4f} >= 0.95")
    began = (span[0] - lag) / RATE  # source time of the first sound heard
    err_ms = (began - start_s) * 1000
    run.figures["start"].update(firstSoundAtSourceSeconds=round(began, 4), errorMs=round(err_ms, 2))
    run.check(abs(err_ms) <= 20, f"start: playback began at source {began:.4f} s; --start {start_s} "
              f"(error {err_ms:+.1f} ms, within 20 ms)")


def refusals(run):
    """Bad player flags and inputs: refused before connecting (the server URL is a closed
    port), one line naming what, exit 2 (flags) or 3 (media)."""
    missing = run.path("missing.ogg")
    cases = [
        (["-", "--raw", "s16le:999:1"], 2,
         "roomcast: error: --raw 's16le:999:1': sample rate '999' is not a whole number from 8000 to 192000; "
         "give FORMAT:RATE:CHANNELS, e.g. s16le:48000:2 (FORMAT s16le, s32le or f32le; RATE 8000 to 192000; "
         "CHANNELS 1 to 8)"),
        (["-", "--raw", "u8:8000:1"], 2, None),
        (["-"], 3, "roomcast: error: cannot read stdin: what was piped in is no media FFmpeg recognises (Invalid "
         "data found when processing input); pipe in a format FFmpeg reads from a pipe (WAV, MP3, OGG, FLAC, ADTS "
         "AAC, ...) or headerless PCM with its format given (--raw, FileAudioTrack::Options::raw)"),
        (["-", "--loop", "2"], 2,
         "roomcast: error: cannot loop stdin: a pipe cannot be rewound; save it to a file and play that"),
        ([run.path("a.wav"), "--gain", "30"], 2,
         "roomcast: error: --gain '30' is not a gain from -60 to +20 dB; give e.g. --gain -6"),
        ([run.path("a.wav"), "--start", "-1"], 2, None),
        ([run.path("a.wav"), "--loop=x2"], 2, None),
        ([run.path("a.wav"), missing], 3, f"roomcast: error: cannot open '{missing}': no such file; check the path"),
        ([run.path("a.wav"), "--start", "9"], 3,
         f"roomcast: error: start 9.00 s is past the end of '{run.path('a.wav')}' (1.50 s); "
         "give a start within the file"),
    ]
    for args, code, text in cases:
        p = subprocess.run([run.a.roomcast, "publish", *args, "--server", "ws://127.0.0.1:9"], capture_output=True,
                           text=True, timeout=20, stdin=subprocess.DEVNULL, env=run.sut_env)
        lines = p.stderr.strip().splitlines()
        ok = p.returncode == code and len(lines) == 1 and (text is None or lines[0] == text)
        run.check(ok, f"publish {' '.join(args[-2:])}: exit {p.returncode} (want {code}), one line: {lines}")


def scenario(run):
    # Sources. loop.wav: 437 + 1013 Hz, not a whole number of periods in 2 s, so the source
    # repeated has a seam a gap or an overlap would shift (any shift breaks the correlation).
    loop_wav, a_wav, b_flac, chirp = (run.path(n) for n in ("loop.wav", "a.wav", "b.flac", "chirp.wav"))
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.3*sin(2*PI*437*t)+0.2*sin(2*PI*1013*t):s=48000:d=2",
           "-c:a", "pcm_s16le", loop_wav)
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1.5", "-c:a", "pcm_s16le", a_wav)
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000:duration=1.5", "-c:a", "flac", b_flac)
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.4*sin(2*PI*(200*t+150*t*t)):s=48000:d=3", "-c:a", "pcm_s16le", chirp)

    refusals(run)
    # b.flac by URL (FFmpeg's http protocol), from a server inside the test's namespace.
    web = run.add(Proc("http.server", [PY, "-u", "-m", "http.server", "0", "--bind", "10.77.0.1",
                                       "--directory", run.tmp]))
    port = web.wait_line(r"Serving HTTP on \S+ port (\d+)", 15, "out").group(1)
    b_url = f"http://10.77.0.1:{port}/b.flac"
    player = Player(run)
    # All six at once, each recorded into its own file: one after another they took ~27 s, the
    # inputs' lengths added up; together the longest (the loop's 10 s) sets the pace. Six
    # Opus streams are a few % of a core, and each comparison is of one participant's file.
    player.publish("speech", ["-"], stdin_cmd=f"espeak-ng --stdout '{SPEECH}' | tee '{run.path('speech.wav')}'")
    raw = run.path("raw.f32")
    player.publish("raw", ["-"], "--raw", "f32le:22050:2", stdin_cmd=(
        "ffmpeg -hide_banner -loglevel error -nostdin -f lavfi -i "
        "'aevalsrc=0.3*sin(2*PI*(300*t+200*t*t))|0.3*sin(2*PI*(300*t+200*t*t)):s=22050:d=2' "
        f"-f f32le - | tee '{raw}'"))
    player.publish("loop", [loop_wav], "--loop", "5")
    player.publish("gain", [loop_wav], "--loop", "2", "--gain", "-6")
    player.publish("playlist", [a_wav, b_url], tty=True)
    player.publish("start", [chirp], "--start", "1.0")
    procs = {name: player.played(name) for name in ("speech", "raw", "loop", "gain", "playlist", "start")}
    playlist = procs["playlist"]
    recs = player.finish()

    src = decoded(loop_wav)
    case_speech(run, player, recs["speech"])
    case_raw(run, recs["raw"], decoded_raw(raw, "f32le", 22050, 2))
    loud = case_loop(run, recs["loop"], src)
    case_gain(run, recs["gain"], src, loud)
    case_playlist(run, recs["playlist"], a_wav, b_flac)
    case_progress_bar(run, "\n".join(playlist.out))
    case_start(run, recs["start"], decoded(chirp), 1.0)


def run_case(a):
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        raise Failure("run this under tests/e2e/netns.sh (a private network namespace for Janus)")
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", "espeak-ng", PY])
    a.case = "player"
    a.keep = a.keep
    run_scenario(Run(a), scenario)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True, help="path of the roomcast binary")
    ap.add_argument("--keep", metavar="DIR", help="copy the media and recordings to DIR")
    a = ap.parse_args()
    return guarded(run_case, a)


if __name__ == "__main__":
    sys.exit(main())
