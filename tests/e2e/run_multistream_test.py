#!/usr/bin/python3
# E2E of the multistream subscription: `roomcast listen --record-dir --json` in a room of ten
# `roomcast publish` peers, each with its own tone; an eleventh joins midway and one leaves
# midway. From outside (the Janus admin API) the listener must hold exactly one subscriber
# handle with one PeerConnection carrying every publisher's stream, renegotiated in place;
# each per-participant WAV must hold that publisher's tone and no other. A second listener
# records nothing: it decodes nothing (frames_played 0) yet counts packets and names a
# speaker from the RTP audio-level extension. Run under netns.sh:
#   run_multistream_test.py --roomcast BIN [--publishers 10]
import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import aiohttp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import PY, Failure, Proc, become_subreaper, guarded, log, need, need_netns, run_scenario  # noqa: E402
from run_listen_test import (EXIT_INTERRUPTED, RATE, ROOM, EventProc, Publisher, Run, is_event,  # noqa: E402
                             levels_db, longest_heard_run, read_wav)

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN_SECRET = "e2e-admin"
# Tones 70-150 Hz apart and no one an octave of another, so each file's own tone stands out.
TONES = [310, 390, 470, 550, 630, 730, 830, 950, 1070, 1190, 1330]
AMPLITUDE = 0.3


class Admin:
    """Janus admin API over its own WebSocket (subprotocol janus-admin-protocol)."""

    def __init__(self, url):
        self.url = url

    def call(self, request):
        async def go():
            async with aiohttp.ClientSession() as s:
                async with s.ws_connect(self.url, protocols=("janus-admin-protocol",)) as ws:
                    tx = "".join(random.choices("abcdefghijklmnop", k=12))
                    await ws.send_json({**request, "transaction": tx, "admin_secret": ADMIN_SECRET})
                    while True:
                        reply = json.loads((await ws.receive(timeout=5)).data)
                        if reply.get("transaction") == tx:
                            return reply
        reply = asyncio.run(go())
        if reply.get("janus") != "success":
            raise Failure(f"admin API {request['janus']}: {reply}")
        return reply

    def handles(self):
        """{(session, handle): handle_info} of every handle Janus has."""
        out = {}
        for session in self.call({"janus": "list_sessions"})["sessions"]:
            try:
                handles = self.call({"janus": "list_handles", "session_id": session})["handles"]
            except Failure:
                continue  # the session went away meanwhile
            for handle in handles:
                try:
                    info = self.call({"janus": "handle_info", "session_id": session, "handle_id": handle})["info"]
                except Failure:
                    continue
                out[session, handle] = info
        return out


def subscription_view(admin, listener_id):
    """What Janus holds for the listener: its handles, the subscriber handles among them, and
    of each handle whether it has a PeerConnection; plus subscriber handles of anyone."""
    handles = admin.handles()
    sessions = {s for (s, h), info in handles.items()
                if str(info.get("plugin_specific", {}).get("id")) == str(listener_id)}
    mine = {k: v for k, v in handles.items() if k[0] in sessions}
    subs = {k: v for k, v in mine.items() if v.get("plugin_specific", {}).get("type") == "subscriber"}
    all_subs = [k for k, v in handles.items() if v.get("plugin_specific", {}).get("type") == "subscriber"]
    pcs = [k for k, v in mine.items() if "webrtc" in v]
    return {"sessions": sessions, "handles": mine, "subscribers": subs, "all_subscribers": all_subs, "pcs": pcs}


def active_feeds(info):
    """{feed id: (slot mid, ready)} of a subscriber handle's active audio slots."""
    return {str(s["feed_id"]): (s["mid"], s.get("ready")) for s in info.get("plugin_specific", {}).get("streams", [])
            if s.get("active") and s.get("type") == "audio" and "feed_id" in s}


def wait_for_view(run, admin, listener_id, want_feeds, what, timeout=30):
    """Polls the admin API (deadline, short pauses) until the listener's one subscriber handle
    carries exactly want_feeds, all answered (ready), over a connected PeerConnection."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        view = subscription_view(admin, listener_id)
        last = view
        if len(view["subscribers"]) == 1:
            (key, info), = view["subscribers"].items()
            feeds = active_feeds(info)
            ice = info.get("webrtc", {}).get("ice", {}).get("state")
            if set(feeds) == set(want_feeds) and all(r for _, r in feeds.values()) and ice in ("connected", "ready"):
                return view, key, info
        time.sleep(0.2)
    summary = {f"{k[0]}/{k[1]}": {"type": v.get("plugin_specific", {}).get("type"),
                                  "feeds": active_feeds(v), "pc": "webrtc" in v} for k, v in (last or {}).get("handles", {}).items()}
    raise Failure(f"{what}: Janus does not show one subscriber handle carrying {sorted(want_feeds)} within "
                  f"{timeout} s; listener's handles: {summary}")


def check_view(run, view, key, what, n, listeners):
    run.check(len(view["sessions"]) == 1, f"{what}: the listener has one Janus session ({len(view['sessions'])})")
    run.check(len(view["subscribers"]) == 1 and len(view["all_subscribers"]) == listeners,
              f"{what}: the listener has exactly one subscriber handle ({len(view['subscribers'])}; "
              f"{len(view['all_subscribers'])} in Janus for {listeners} listeners)")
    run.check(view["pcs"] == [key], f"{what}: the listener's only PeerConnection is that handle's "
              f"(handles with a PeerConnection: {view['pcs']}, {len(view['handles'])} handles)")
    media = view["handles"][key].get("webrtc", {}).get("media", {})
    audio = [m for m in media.values() if m.get("type") == "audio"]
    run.check(len(audio) >= n, f"{what}: that PeerConnection has {len(audio)} audio m-lines (>= {n} streams)")


def case_room(run, n):
    a = run.a
    server = run.add(Proc("server", [PY, os.path.join(HERE, "janus_server.py"), "--room", ROOM,
                                     "--admin-secret", ADMIN_SECRET], env=run.sut_env))
    run.server = server
    admin = Admin(server.wait_line(r"^janus_server: admin (ws://\S+)", 20, "out").group(1))
    run.url = server.wait_line(r"^roomcast server: (ws://\S+) room", 20, "out").group(1)
    log(f"server ready at {run.url}")

    per = run.path("per")
    os.mkdir(per)
    # Every source, the late publisher's too, made at once before anyone joins: each is ~1 s of
    # a core (90 s of AAC), which one after another cost ~12 s of the test's wall time (and the
    # late one a second of CPU mid-test, beside ten publishers).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        srcs = list(pool.map(lambda i: run.tone_file("late.mp4" if i == n else f"p{i}.mp4",
                                                     f"'{AMPLITUDE}*sin(2*PI*{TONES[i]}*t)'", 90), range(n + 1)))
    pubs = []
    for i in range(n):
        pubs.append(Publisher(run, "roomcast", f"p{i}", TONES[i], file=srcs[i]))
    for p in pubs:
        p.ready(60)
    lst, t_join = run.listen("listener", "--record-dir", per)
    quiet, _ = run.listen("quiet")
    ids = {}
    for who in (lst, quiet):
        ids[who.name] = str(who.wait_event("meeting_joined", is_event("meeting_joined"), 5)[1]["participant_id"])
        for p in pubs:
            run.joined_events(who, p, who.name)
    listener_id = ids["listener"]

    t0 = time.monotonic()
    view, key, info = wait_for_view(run, admin, listener_id, [p.id for p in pubs], f"{n} publishers")
    run.figures["allSubscribedAfterJoinSeconds"] = round(time.monotonic() - t_join, 3)
    check_view(run, view, key, f"{n} publishers", n, 2)
    slots = active_feeds(info)
    run.check(len({mid for mid, _ in slots.values()}) == n, f"{n} publishers: {n} distinct slots {sorted(slots.values())}")
    log(f"subscriber handle {key[1]} carries {len(slots)} feeds after {time.monotonic() - t0:.2f} s")
    qview, qkey, _ = wait_for_view(run, admin, ids["quiet"], [p.id for p in pubs], f"{n} publishers (quiet)")
    check_view(run, qview, qkey, f"{n} publishers (quiet listener)", n, 2)
    pub_ids = {p.id for p in pubs}
    quiet.wait_event("speaker_changed to a publisher (quiet listener: from audio levels)",
                     lambda e: e.get("event") == "speaker_changed" and str(e.get("participant_id")) in pub_ids, 10)
    run.check(True, "quiet listener: speaker_changed to a publisher without decoding (RTP audio-level extension)")
    lst.watch(7.0)

    # One joins midway: a renegotiation on the same handle.
    late = Publisher(run, "roomcast", f"p{n}", TONES[n], file=srcs[n]).ready(60)
    run.joined_events(lst, late, "listener")
    t_late = time.monotonic()
    view2, key2, info2 = wait_for_view(run, admin, listener_id, [p.id for p in pubs + [late]], "publisher joined")
    run.figures["joinRenegotiationSeconds"] = round(time.monotonic() - t_late, 3)
    run.check(key2 == key, f"publisher joined: still the same subscriber handle ({key2[1]} = {key[1]})")
    check_view(run, view2, key2, "publisher joined", n + 1, 2)
    lst.watch(7.0)

    # One leaves midway: Janus drops its slot, the listener reports the stream gone.
    gone = pubs[len(pubs) // 3]
    t_leave = gone.leave()
    t_dis, dis = lst.wait_event(f"stream_disabled of {gone.name}",
                                is_event("stream_disabled", kind="audio", participant_id=gone.id), 10, since=t_leave)
    lst.wait_event(f"participant_left of {gone.name}", is_event("participant_left", id=gone.id), 10, since=t_leave)
    run.figures["leaveReportedSeconds"] = round(t_dis - t_leave, 3)
    stats = dis.get("stats", {})
    run.check(stats.get("packets_received", 0) >= 500 and stats.get("frames_played", 0) >= 500,
              f"listener: {gone.name}'s stream_disabled reports {stats.get('packets_received')} packets received "
              f"and {stats.get('frames_played')} frames played (>= 500 each: ~14 s)")
    _, qdis = quiet.wait_event(f"stream_disabled of {gone.name} (quiet)",
                               is_event("stream_disabled", kind="audio", participant_id=gone.id), 10, since=t_leave)
    qstats = qdis.get("stats", {})
    run.figures["quietListenerStatsOfLeaver"] = qstats
    run.check(qstats.get("packets_received", 0) >= 500 and qstats.get("frames_played", 1) == 0,
              f"quiet listener: {gone.name}'s stream counted {qstats.get('packets_received')} packets (>= 500) "
              f"and decoded none (frames_played {qstats.get('frames_played')})")
    run.check(gone.proc.wait(15) == EXIT_INTERRUPTED, f"{gone.name} left on SIGINT")
    stay = [p for p in pubs if p is not gone] + [late]
    view3, key3, _ = wait_for_view(run, admin, listener_id, [p.id for p in stay], "publisher left")
    run.check(key3 == key, f"publisher left: still the same subscriber handle ({key3[1]} = {key[1]})")
    check_view(run, view3, key3, "publisher left", n, 2)
    lst.watch(4.0)

    for who in (lst, quiet):
        who.p.send_signal(signal.SIGINT)
        rc, _ = who.exit_time(15)
        run.check(rc == EXIT_INTERRUPTED, f"{who.name} exits {EXIT_INTERRUPTED} after SIGINT (got {rc})")
    # Nothing of the listeners left in Janus.
    deadline = time.monotonic() + 10
    while True:
        views = [subscription_view(admin, i) for i in ids.values()]
        if not views[0]["all_subscribers"] and not any(v["sessions"] for v in views):
            break
        if time.monotonic() > deadline:
            run.check(False, f"after the listeners left: no subscriber handle and no session of theirs in Janus "
                      f"({len(views[0]['all_subscribers'])} subscriber handles, sessions {[v['sessions'] for v in views]})")
            break
        time.sleep(0.2)
    for p in stay:
        p.leave()
    for p in stay:
        run.check(p.proc.wait(15) == EXIT_INTERRUPTED, f"{p.name} left on SIGINT")

    everyone = pubs + [late]
    files = run.per_participant_files(per, {p.id: p.name for p in everyone}, "listener")
    for p in everyone:
        x = read_wav(run, files[p.id], f"per-participant {p.name}")
        run.tone_checks(x, p.hz, f"per-participant {p.name}", span=longest_heard_run(levels_db(x)),
                        others=[q.hz for q in everyone if q is not p])


def run_case(a):
    need_netns()
    become_subreaper()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg", PY])
    a.case = "multistream"
    run = Run(a)
    run_scenario(run, lambda run: case_room(run, a.publishers))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True, help="path of the roomcast binary")
    ap.add_argument("--publishers", type=int, default=10, help="publishers in the room from the start (<= 10)")
    ap.add_argument("--keep", metavar="DIR", help="copy the media and recordings to DIR")
    a = ap.parse_args()
    if not 1 <= a.publishers < len(TONES):
        ap.error(f"--publishers must be 1..{len(TONES) - 1}")
    return guarded(run_case, a)


if __name__ == "__main__":
    sys.exit(main())
