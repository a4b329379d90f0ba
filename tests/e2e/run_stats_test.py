#!/usr/bin/python3
# RTCP statistics (`--stats`, Meeting::stats()) against independent observers, inside netns.sh.
#   agree: a Chromium publisher and `roomcast publish --stats --record-dir` (which sends a tone
#       and receives Chromium's) in one room; then a Chromium listener of roomcast's stream.
#       Compared, like with like:
#       - round-trip time: roomcast's sending rtt_ms and Chromium's remote-inbound-rtp
#         roundTripTime are the same measurement (RFC 3550 §6.4.1, A - LSR - DLSR from Janus's
#         receiver reports to each publisher) over the same veth to the same Janus. They agree
#         within 5 ms (medians): on an idle path both are well under a millisecond; what differs
#         is when each process's network thread reads the packet on this shared 2-core host.
#       - jitter of Chromium's stream: roomcast's receiving jitter_ms (RFC 3550 A.8 on arrival
#         from Janus) and Chromium's remote-inbound-rtp jitter (Janus's own A.8 figure for the
#         same packets arriving from Chromium): the same stream one forwarding hop apart, so
#         they agree within 1.5 ms + 50 % of the larger (Janus's forwarding and each
#         receiver's wake-ups add some jitter of their own, ours taken on an event loop that also
#         runs the media tick; the estimator itself is noisy, 1/16 gain). Measured here: 0.6..3.0
#         ms, differing by up to 1.7 ms, roomcast's the larger; a jitter of 0, or one in RTP
#         units instead of ms (x48), fails.
#       - jitter of roomcast's stream: roomcast's sending jitter_ms (Janus's receiver report
#         about our packets arriving at Janus) and the Chromium listener's inbound-rtp jitter
#         (the same packets after Janus's hop; Chromium's figure is one snapshot at the end of
#         its 8 s and comes in whole milliseconds, ours the median of the same seconds): same
#         tolerance, ours > 0 (measured 0.7..1.5 ms vs Chromium's 0..2).
#       Mutations caught: DLSR ignored (RTT 822 ms), jitter at an 8 kHz clock (x6: 7.95 vs 1.09 ms).
#       And the `--stats` lines themselves: one per second (1 s +- 0.3 s apart), every field
#       present, packets_sent growing 50 a second (median 45..55), receiver reports arriving.
#   loss5: nftables drops 5 % of the UDP into Janus (numgen random mod 100 < 5) for 16 s
#       while `roomcast publish --stats` sends and `roomcast listen --stats` receives it. The
#       same packets are lost for both: Janus's receiver reports (publisher's packets_lost)
#       and the listener's own count (receiving packets_lost) agree within 3 packets + 1 %,
#       and both lie within 5 +- 2.5 % of the packets sent in the window (sent + lost: a packet
#       dropped in the output hook fails its send and is not counted sent) (3 sigma of a
#       binomial over ~800 packets); the listener's per-second fraction_lost averages
#       5 +- 2.5 % over the window and is 0 once the drop stops. The listener's receiver
#       reports reach Janus on the right stream: its admin API shows, for the subscriber
#       handle, `lost-by-remote` equal to the listener's own cumulative count (within 2, a
#       report in flight). (Janus runs under janus_server.py here, for its admin API; RTT on
#       this path is below Janus's 1 ms resolution, so its `rtt` cannot be checked.)
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (HERE, PY, CaseChecks, Failure, Proc, json_lines, leak_check,  # noqa: E402
                      end_case, private_tmpdir, run_named_cases, start_roomcast_server)
from run_multistream_test import ADMIN_SECRET, Admin  # noqa: E402

ROOM = 1234


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *map(str, args)], check=True)


def nft(*rules):
    for rule in rules:
        subprocess.run(["nft", *rule.split()], check=True)


def stats_lines(proc):
    return [e for e in json_lines(proc.out) if e.get("type") == "stats"]


def wait_stats(proc, cond, timeout, what):
    """Waits until the latest stats line satisfies cond; returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = stats_lines(proc)
        if lines and cond(lines[-1]):
            return lines[-1]
        proc.wait_line(r'"type":"stats"', max(0.1, deadline - time.monotonic()), "out")
    raise Failure(f"{proc.name}: {what} not seen within {timeout} s\n{proc.dump()}")


def receiving_of(line, name):
    return next((r for r in line["receiving"] if r["name"] == name), None)


SENDING_FIELDS = ("packets_sent", "bytes_sent", "fraction_lost", "packets_lost", "jitter_ms", "rtt_ms",
                  "receiver_reports")
RECEIVING_FIELDS = ("participant_id", "name", "packets_received", "bytes_received", "packets_lost",
                    "fraction_lost", "jitter_ms", "rtt_ms")


def check_format(c, lines, who, sending, skip=None):
    """One line a second, fields present; packets_sent grows ~50/s (outside `skip`, a (t0, t1)
    window of loss: a packet nftables drops in the output hook fails its send, EPERM, and is
    not counted sent)."""
    c.check(len(lines) >= 5, f"{who}: {len(lines)} stats lines")
    gaps = [b["t"] - a["t"] for a, b in zip(lines, lines[1:])]
    c.check(all(0.7 <= g <= 1.3 for g in gaps), f"{who}: stats lines 1 s apart (gaps {min(gaps, default=0):.2f}.."
            f"{max(gaps, default=0):.2f} s)")
    if sending:
        c.check(all(l["sending"] and all(k in l["sending"] for k in SENDING_FIELDS) for l in lines),
                f"{who}: every line has sending {', '.join(SENDING_FIELDS)}")
        steady = lines[2:]
        rates = [(b["sending"]["packets_sent"] - a["sending"]["packets_sent"]) / (b["t"] - a["t"])
                 for a, b in zip(steady, steady[1:]) if not skip or b["t"] < skip[0] or a["t"] > skip[1]]
        c.figures.setdefault(who, {})["packets_per_s"] = [round(r, 1) for r in rates]
        c.check(rates and 45 <= statistics.median(rates) <= 55 and all(25 <= r <= 75 for r in rates),
                f"{who}: packets_sent grows 50 a second (median 45..55, each second 25..75: a starved host "
                f"sends late frames in bursts)")
        c.check(all(l["sending"]["bytes_sent"] >= l["sending"]["packets_sent"] for l in lines),
                f"{who}: bytes_sent >= packets_sent")
        reports = lines[-1]["sending"]["receiver_reports"]
        c.check(reports >= len(lines) // 2, f"{who}: {reports} receiver reports from Janus in {len(lines)} s")
    else:
        c.check(all(l["sending"] is None for l in lines), f"{who}: no sending part when only listening")
    for l in lines:
        for r in l["receiving"]:
            if not all(k in r for k in RECEIVING_FIELDS):
                c.check(False, f"{who}: receiving entry lacks fields: {r}")
                return


def agree(a, work):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.wav")
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=441:sample_rate=48000:duration=60", media)
    rec = os.path.join(work, "rec")
    os.makedirs(rec)
    c = CaseChecks(dump_lines=30)
    server, url = start_roomcast_server(a.roomcast, env, ROOM)
    procs = []
    try:
        chrome_pub = Proc("chromium-pub", ["node", os.path.join(HERE, "browser_publisher.mjs"), "--url", url,
                                           "--room", ROOM, "--name", "chromium-pub", "--hz", 660, "--timeout", 30],
                          env=env)
        procs.append(chrome_pub)
        chrome_pub.wait_line(r'"event":"publishing"', 45, "out")
        pub = Proc("publish", [a.roomcast, "publish", media, "--server", url, "--room", ROOM, "--name", "rc-pub",
                               "--json", "--stats", "--record-dir", rec], env=env)
        procs.append(pub)
        # Both directions established: Janus's reports about us carry an RTT, and Chromium's
        # stream arrives.
        wait_stats(pub, lambda l: l["sending"]["rtt_ms"] is not None and receiving_of(l, "chromium-pub")
                   and receiving_of(l, "chromium-pub")["packets_received"] > 100, 30, "RTT and Chromium's stream")
        start_t = stats_lines(pub)[-1]["t"]
        # Phase A: 10 s of both publishers; then Chromium leaves and reports its getStats().
        wait_stats(pub, lambda l: l["t"] >= start_t + 10, 20, "10 s of statistics")
        chrome_pub.p.send_signal(signal.SIGINT)
        done = json.loads(chrome_pub.wait_line(r'"event":"done"', 20, "out").string)
        chrome_pub.wait(20)
        window = [l for l in stats_lines(pub) if start_t <= l["t"] <= start_t + 10]
        remote = [s for s in done.get("remoteInbound", []) if s.get("roundTripTime") is not None]
        c.check(len(remote) >= 5, f"Chromium sampled remote-inbound-rtp {len(remote)} times")
        c.check(len(window) >= 8, f"roomcast printed {len(window)} stats lines in the 10 s window")
        if remote and window:
            chrome_rtt = statistics.median(1000 * s["roundTripTime"] for s in remote[-20:])
            rc_rtt = statistics.median(l["sending"]["rtt_ms"] for l in window if l["sending"]["rtt_ms"] is not None)
            chrome_jit = statistics.median(1000 * s["jitter"] for s in remote[-20:])
            rc_jit = statistics.median(receiving_of(l, "chromium-pub")["jitter_ms"] for l in window
                                       if receiving_of(l, "chromium-pub"))
            c.figures["rtt_ms"] = {"roomcast_publish": round(rc_rtt, 3), "chromium_publish": round(chrome_rtt, 3)}
            c.figures["jitter_of_chromium_stream_ms"] = {"roomcast_receiving": round(rc_jit, 3),
                                                         "janus_via_chromium": round(chrome_jit, 3)}
            c.check(0 <= rc_rtt < 50 and abs(rc_rtt - chrome_rtt) <= 5,
                    f"RTT to Janus: roomcast {rc_rtt:.3f} ms vs Chromium {chrome_rtt:.3f} ms (within 5 ms)")
            c.check(rc_jit > 0 and abs(rc_jit - chrome_jit) <= 1.5 + 0.5 * max(rc_jit, chrome_jit),
                    f"jitter of Chromium's stream: roomcast (after Janus) {rc_jit:.3f} ms vs Janus's (Chromium's "
                    f"remote-inbound-rtp) {chrome_jit:.3f} ms (within 1.5 ms + 50 %)")
            rc_lost = window[-1]["receiving"][0]["packets_lost"] if window[-1]["receiving"] else None
            c.check(rc_lost is not None and abs(rc_lost) <= 5, f"no loss on the clean path: roomcast counts {rc_lost}")

        # Phase B: a Chromium listener of roomcast's stream for 8 s.
        listener = Proc("chromium-listen", ["node", os.path.join(HERE, "browser_listener.mjs"), "--url", url,
                                            "--room", ROOM, "--seconds", 8, "--timeout", 20,
                                            "--feed-names", "rc-pub"], env=env)
        procs.append(listener)
        rc = listener.wait(60)
        heard = [json.loads(l) for l in listener.out if l.startswith("{")]
        c.check(rc == 0 and heard, f"Chromium listener measured roomcast's stream (exit {rc})")
        if heard:
            end_t = stats_lines(pub)[-1]["t"]
            window_b = [l for l in stats_lines(pub) if end_t - heard[-1]["seconds"] <= l["t"] <= end_t]
            rc_send_jit = statistics.median(l["sending"]["jitter_ms"] for l in window_b) if window_b else None
            chrome_jit = 1000 * heard[-1]["jitter"]
            c.figures["jitter_of_roomcast_stream_ms"] = {"janus_via_roomcast": rc_send_jit,
                                                         "chromium_listener": round(chrome_jit, 3)}
            c.check(rc_send_jit is not None and rc_send_jit > 0
                    and abs(rc_send_jit - chrome_jit) <= 1.5 + 0.5 * max(rc_send_jit, chrome_jit),
                    f"jitter of roomcast's stream: Janus's report to roomcast {rc_send_jit} ms vs Chromium listener "
                    f"{chrome_jit:.3f} ms (within 1.5 ms + 50 %)")
        c.leaves_on_ctrl_c(pub, "publish")
        lines = stats_lines(pub)
        check_format(c, lines, "publish", sending=True)
        c.done("agree", *procs)
    finally:
        for p in (*procs, server):
            p.terminate()
    leak_check()


def loss5(a, work):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.wav")
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=441:sample_rate=48000:duration=60", media)
    c = CaseChecks(dump_lines=30)
    server = Proc("server", [PY, os.path.join(HERE, "janus_server.py"), "--room", ROOM, "--admin-secret",
                             ADMIN_SECRET], env=env)
    procs = []
    try:
        admin = Admin(server.wait_line(r"^janus_server: admin (ws://\S+)", 20, "out").group(1))
        url = server.wait_line(r"^roomcast server: (ws://\S+) room", 20, "out").group(1)
        lst = Proc("listen", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json", "--stats"], env=env)
        procs.append(lst)
        lst.wait_line(r'"event":"meeting_joined"', 20, "out")
        pub = Proc("publish", [a.roomcast, "publish", media, "--server", url, "--room", ROOM, "--name", "rc-pub",
                               "--json", "--stats"], env=env)
        procs.append(pub)
        wait_stats(lst, lambda l: receiving_of(l, "rc-pub") and receiving_of(l, "rc-pub")["packets_received"] > 100,
                   30, "the publisher's stream")
        wait_stats(pub, lambda l: l["sending"]["receiver_reports"] >= 2, 10, "Janus's receiver reports")
        before_pub, before_lst = stats_lines(pub)[-1], stats_lines(lst)[-1]
        nft("add table inet rcstats", "add chain inet rcstats out { type filter hook output priority 0 ; }",
            "add rule inet rcstats out udp dport 20000-29999 numgen random mod 100 < 5 drop")
        try:
            added = time.monotonic()
            t_on, p_on = stats_lines(lst)[-1]["t"], stats_lines(pub)[-1]["t"]  # each its own clock
            wait_stats(lst, lambda l: l["t"] >= t_on + 16, 25, "16 s of loss")
            at_end_pub = stats_lines(pub)[-1]
        finally:
            subprocess.run(["nft", "delete", "table", "inet", "rcstats"], check=False)
        loss_s = time.monotonic() - added
        t_off, p_off = stats_lines(lst)[-1]["t"], stats_lines(pub)[-1]["t"]
        # Reports settle (the last lossy interval reported), then a few clean seconds.
        wait_stats(lst, lambda l: l["t"] >= t_off + 5, 12, "5 s after the loss")
        after_pub, after_lst = stats_lines(pub)[-1], stats_lines(lst)[-1]
        pub_lost = after_pub["sending"]["packets_lost"] - before_pub["sending"]["packets_lost"]
        # The dropped packets failed their send (EPERM from the output hook): not in packets_sent.
        sent = at_end_pub["sending"]["packets_sent"] - before_pub["sending"]["packets_sent"] + pub_lost
        r0, r1 = receiving_of(before_lst, "rc-pub"), receiving_of(after_lst, "rc-pub")
        lst_lost = r1["packets_lost"] - r0["packets_lost"]
        inside = [receiving_of(l, "rc-pub")["fraction_lost"] for l in stats_lines(lst)
                  if t_on + 2 <= l["t"] <= t_off and receiving_of(l, "rc-pub")]
        mean_fraction = statistics.mean(inside) if inside else None
        c.figures.update({"loss_seconds": round(loss_s, 1), "packets_sent_in_window": sent,
                          "janus_reported_lost": pub_lost, "listener_lost": lst_lost,
                          "janus_fraction": round(pub_lost / max(1, sent), 4),
                          "listener_fraction": round(lst_lost / max(1, sent), 4),
                          "listener_mean_fraction_lost": mean_fraction and round(mean_fraction, 4),
                          "listener_jitter_ms": r1["jitter_ms"], "publisher_rtt_ms": after_pub["sending"]["rtt_ms"]})
        c.check(0.025 <= pub_lost / max(1, sent) <= 0.075,
                f"Janus reports {pub_lost} of {sent} packets lost ({pub_lost / max(1, sent):.4f}, 5 +- 2.5 %)")
        c.check(0.025 <= lst_lost / max(1, sent) <= 0.075,
                f"roomcast listen counts {lst_lost} of {sent} lost ({lst_lost / max(1, sent):.4f}, 5 +- 2.5 %)")
        c.check(abs(pub_lost - lst_lost) <= 3 + 0.01 * sent,
                f"the same packets: Janus {pub_lost} vs roomcast listen {lst_lost} (3 + 1 % of {sent})")
        c.check(mean_fraction is not None and 0.025 <= mean_fraction <= 0.075,
                f"listen's per-second fraction_lost averages {mean_fraction} over {len(inside)} lines (5 +- 2.5 %)")
        c.check(receiving_of(after_lst, "rc-pub")["fraction_lost"] == 0, "fraction_lost back to 0 after the loss")
        # What Janus took from our receiver reports, on the subscriber handle's audio stream.
        janus_view = [m.get("rtcp", {}).get("main", {}) for info in admin.handles().values()
                      if info.get("plugin_specific", {}).get("type") == "subscriber"
                      for m in info.get("webrtc", {}).get("media", {}).values() if m.get("type") == "audio"]
        final_lost = receiving_of(stats_lines(lst)[-1], "rc-pub")["packets_lost"]
        by_remote = janus_view[0].get("lost-by-remote") if len(janus_view) == 1 else None
        c.figures["janus_lost_by_remote"] = by_remote
        c.figures["janus_jitter_remote_ms"] = janus_view[0].get("jitter-remote") if janus_view else None
        c.check(by_remote is not None and abs(by_remote - final_lost) <= 2,
                f"Janus read our receiver reports: lost-by-remote {by_remote} vs listen's {final_lost} (within 2)")
        for p in (pub, lst):
            c.leaves_on_ctrl_c(p, p.name)
        check_format(c, stats_lines(pub), "publish", sending=True, skip=(p_on - 1, p_off + 2))
        check_format(c, stats_lines(lst), "listen", sending=False)
        rates = [(receiving_of(b, "rc-pub")["packets_received"] - receiving_of(a, "rc-pub")["packets_received"])
                 / (b["t"] - a["t"]) for a, b in zip(stats_lines(lst), stats_lines(lst)[1:])
                 if receiving_of(a, "rc-pub") and receiving_of(b, "rc-pub") and a["t"] > t_off]
        c.figures["listen_packets_per_s_clean"] = [round(r, 1) for r in rates]
        c.check(rates and 45 <= statistics.median(rates) <= 55 and all(25 <= r <= 75 for r in rates),
                "listen: packets_received grows 50 a second once the loss stopped (median 45..55, each 25..75)")
        c.done("loss5", *procs)
    finally:
        end_case((*procs, server), "rcstats")
    leak_check()


CASES = {"agree": agree, "loss5": loss5}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", choices=[*CASES, "all"], default="all")
    ap.add_argument("--observer", default="chromium", help="names the browser for ctest's fixture")
    a = ap.parse_args()
    return run_named_cases(CASES, a, "rc-stats-", ("nft", "node", "ffmpeg", "janus"))


if __name__ == "__main__":
    sys.exit(main())
