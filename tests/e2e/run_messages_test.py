#!/usr/bin/python3
# E2E of meeting messages (pubsub over the data channels Janus VideoRoom relays), with
# `roomcast publish` / `roomcast listen` in a room of the embedded server. Run under netns.sh:
#   run_messages_test.py --roomcast BIN --case three|errors
# three: A and B (publish --send-stdin, --print-messages) exchange numbered messages; every one
#   arrives, in order, with its sender's id and name; a listener prints them all and sends its
#   own (listen-only: a data-only publication); C, which subscribed to nothing, receives none
#   (its stats say so).
# errors: what a user gets wrong is refused with the flag named, and a message above the
#   server's max-message-size is refused at send time while the meeting goes on.
# chromium: headless Chromium (browser_messages.mjs, the envelope spoken by a plain
#   RTCDataChannel) and roomcast publish exchange 1,000 numbered messages each way (all arrive,
#   in order, naming their sender) and a 60 KiB message each way (intact: SHA-256).
# loss5: 5 % of UDP dropped (nftables): reliable messages (roomcast's and Chromium's) all arrive
#   in order; 2,000 unreliable ones (publish --unreliable) lose some, and those that arrive are
#   intact, each once.
import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (BROWSER, HERE, CaseChecks, Failure, Proc, end_case, leak_check, log,  # noqa: E402
                      need, run_named_cases, start_roomcast_server)
from run_listen_test import EventProc, is_event  # noqa: E402

ROOM = "1234"
COUNT = 300  # numbered messages each way: enough for a reorder or a loss to show


def tone_file(work):
    path = os.path.join(work, "tone.wav")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
                        "-i", "sine=frequency=440:duration=120", "-ar", "48000", "-ac", "1", path], check=True)
    return path


def publisher(a, url, work, name, *extra, stdin=subprocess.DEVNULL):
    return EventProc(f"publish {name}", [a.roomcast, "publish", tone_file(work), "--server", url, "--room", ROOM,
                                         "--name", name, "--json", "--quiet", *extra], stdin=stdin)


def joined_id(proc):
    _, e = proc.wait_event("meeting_joined", is_event("meeting_joined"), 30)
    return str(e["participant_id"])


def messages_of(proc, topic):
    return [e for _, e in proc.events if e.get("event") == "message" and e.get("topic") == topic]


def case_three(a, work):
    c = CaseChecks()
    server = pa = pb = pc = listener = None
    try:
        server, url = start_roomcast_server(a.roomcast, None, ROOM)
        # Listen-only, it publishes a data-only stream with its first message (--send-stdin).
        listener = EventProc("listen", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json",
                                        "--send-stdin", "notes"], stdin=subprocess.PIPE)
        listener_id = joined_id(listener)
        pa = publisher(a, url, work, "alice", "--print-messages", "--send-stdin", "chat", stdin=subprocess.PIPE)
        pb = publisher(a, url, work, "bob", "--print-messages", "--send", "hello:from bob", "--send-stdin", "chat",
                       stdin=subprocess.PIPE)
        pc = publisher(a, url, work, "carol", "--stats")
        ids = {p: joined_id(p) for p in (pa, pb, pc)}
        # Each receives the other's data stream once it is announced: wait until both see it.
        for p in (pa, pb, listener):
            p.wait_event("carol's stream", lambda e: e.get("event") == "stream_enabled" and
                         not e.get("local") and e.get("name") == "carol", 30)
        for p in (pa, pb):
            other = "bob" if p is pa else "alice"
            p.wait_event(f"{other}'s stream", lambda e, o=other: e.get("event") == "stream_enabled" and
                         e.get("name") == o, 30)
        # Probes each way until one arrives everywhere: the data subscriptions are in place
        # (a message sent before the others subscribed to our data stream is not theirs to get).
        def probes(proc, who):
            return [m for m in messages_of(proc, "chat") if m.get("text", "").startswith(f"probe {who}")]

        deadline = time.monotonic() + 30
        while not (probes(pa, "bob") and probes(pb, "alice") and probes(listener, "alice") and
                   probes(listener, "bob")):
            if time.monotonic() > deadline:
                raise Failure("probe messages did not get through within 30 s: " + ", ".join(
                    f"{p.name} got {len(probes(p, who))} from {who}"
                    for p, who in ((pa, "bob"), (pb, "alice"), (listener, "alice"), (listener, "bob"))))
            for p, who in ((pa, "alice"), (pb, "bob")):
                p.p.stdin.write(f"probe {who}\n")
                p.p.stdin.flush()
            time.sleep(0.5)
        for i in range(COUNT):
            pa.p.stdin.write(f"alice {i}\n")
            pb.p.stdin.write(f"bob {i}\n")
        pa.p.stdin.flush()
        pb.p.stdin.flush()

        def numbered(proc, who):
            return [m for m in messages_of(proc, "chat") if m.get("text", "").startswith(who + " ")]

        for p, who in ((pa, "bob"), (pb, "alice"), (listener, "alice"), (listener, "bob")):
            try:
                p.wait_until(f"{COUNT} messages from {who}", lambda ev, p=p, who=who: len(numbered(p, who)) >= COUNT,
                             30)
            except Failure as e:
                log(str(e).splitlines()[0])
        for p, who in ((pa, "bob"), (pb, "alice"), (listener, "alice"), (listener, "bob")):
            got = numbered(p, who)
            texts = [m["text"] for m in got]
            c.check(texts == [f"{who} {i}" for i in range(COUNT)],
                    f"{p.name}: all {COUNT} of {who}'s messages, in order (got {len(texts)}; first wrong: "
                    f"{next((t for i, t in enumerate(texts) if t != f'{who} {i}'), None)!r})")
            sender = pa if who == "alice" else pb
            c.check(all(m.get("from") == ids[sender] and m.get("name") == who for m in got),
                    f"{p.name}: each of {who}'s messages names its sender ({ids[sender]}, {who})")
            c.check(all(m.get("size") == len(m.get("text", "").encode()) for m in got),
                    f"{p.name}: the sizes printed are the texts' sizes")
        # The listener was in the room before bob: it takes bob's data stream as bob appears,
        # before bob's --send goes out (a second after joining).
        # The listener speaks too: its first message publishes its data-only stream; alice takes
        # it as it appears, so probe until one arrives, then count.
        deadline = time.monotonic() + 30
        while not messages_of(pa, "notes"):
            if time.monotonic() > deadline:
                raise Failure("no message of the listen-only participant reached alice within 30 s\n" +
                              listener.dump())
            listener.p.stdin.write("probe\n")
            listener.p.stdin.flush()
            time.sleep(0.5)
        for i in range(100):
            listener.p.stdin.write(f"note {i}\n")
        listener.p.stdin.flush()
        notes = lambda: [m for m in messages_of(pa, "notes") if m.get("text", "").startswith("note ")]  # noqa: E731
        try:
            pa.wait_until("the listener's 100 notes", lambda ev: len(notes()) >= 100, 30)
        except Failure as e:
            log(str(e).splitlines()[0])
        got = notes()
        c.check([m["text"] for m in got] == [f"note {i}" for i in range(100)] and
                all(m.get("from") == listener_id and m.get("name") == "roomcast listener" for m in got),
                f"alice got the listen-only participant's 100 notes, in order, from it ({len(got)})")
        c.check(not any(e.get("event") == "stream_enabled" and e.get("name") == "roomcast listener"
                        for _, e in pa.events),
                "the listener's data-only publication shows no audio or video stream")
        hello = messages_of(listener, "hello")
        c.check(len(hello) == 1 and hello[0].get("text") == "from bob" and hello[0].get("from") == ids[pb],
                f"the listener got bob's --send hello:from bob once, from bob ({hello})")
        c.check(not any(e.get("event") == "message" for _, e in pc.events),
                "carol, subscribed to no topic, printed no message")
        stats = [e for _, e in pc.events if e.get("type") == "stats"]
        c.check(bool(stats) and stats[-1].get("messages", {}).get("messages_received") == 0,
                f"carol's stats count no message received ({stats[-1].get('messages') if stats else 'no stats'})")
        c.figures.update({"messages_each_way": COUNT, "alice_got": len(numbered(pa, "bob")),
                          "bob_got": len(numbered(pb, "alice"))})
        for p in (pa, pb, listener):
            p.p.stdin.close()
        for p, what in ((pa, "alice"), (pb, "bob"), (pc, "carol"), (listener, "listener")):
            c.leaves_on_ctrl_c(p, what)
        c.check(server.stop(15) == 0, "server exits 0")
    finally:
        end_case([pa, pb, pc, listener, server])
    c.done("three", *(p for p in (pa, pb, pc, listener) if p))


def case_errors(a, work):
    c = CaseChecks()

    def refused(argv, text, what):
        p = Proc(what, [a.roomcast, *argv])
        rc = p.wait(20)
        err = "\n".join(p.err)
        c.check(rc == 2 and text in err, f"{what}: exit 2 ({rc}) and says {text!r} ({err.strip()[:200]!r})")

    tone = tone_file(work)
    refused(["publish", tone, "--send", "no-colon"], "--send 'no-colon' is not TOPIC:TEXT", "--send without a topic")
    refused(["publish", tone, "--send", ":text"], "--send needs a topic", "--send with an empty topic")
    refused(["publish", tone, "--send-stdin", "*"], "--send-stdin needs a topic", "--send-stdin '*'")
    refused(["publish", tone, "--unreliable"], "--unreliable says how --send and --send-stdin messages go out",
            "--unreliable without messages")
    refused(["publish", "-", "--raw", "s16le:48000:1", "--send-stdin", "chat"], "reads audio from",
            "--send-stdin with publish -")
    refused(["publish", tone, "--whip", "http://127.0.0.1:9/whip", "--send", "chat:hi"], "need a Janus VideoRoom",
            "--send with --whip")
    # Too large for the server (Janus announces its max-message-size): an error line, the
    # meeting goes on and the next message goes out.
    server = pa = listener = None
    try:
        server, url = start_roomcast_server(a.roomcast, None, ROOM)
        listener = EventProc("listen", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json"])
        joined_id(listener)
        pa = publisher(a, url, work, "alice", "--send-stdin", "chat", stdin=subprocess.PIPE)
        joined_id(pa)
        pa.p.stdin.write("x" * (300 * 1024) + "\n")
        pa.p.stdin.flush()
        _, err = pa.wait_event("the too-large error", is_event("error"), 30)
        c.check("too large" in err.get("message", "") and "max-message-size" in err.get("message", ""),
                f"a 300 KiB message is refused as too large, naming max-message-size ({err.get('message')!r})")
        deadline = time.monotonic() + 30
        while not messages_of(listener, "chat") and time.monotonic() < deadline:
            pa.p.stdin.write("after\n")
            pa.p.stdin.flush()
            time.sleep(0.5)
        got = messages_of(listener, "chat")
        c.check(bool(got) and got[0].get("text") == "after",
                f"the meeting goes on: the next message arrives ({got[:1]})")
        c.check(not any(m.get("size", 0) > 1000 for m in got), "the refused message never arrived")
        pa.p.stdin.close()
        c.leaves_on_ctrl_c(pa, "alice")
        c.leaves_on_ctrl_c(listener, "listener")
        c.check(server.stop(15) == 0, "server exits 0")
    finally:
        end_case([pa, listener, server])
    c.done("errors", *(p for p in (pa, listener) if p))


# ---- with Chromium ------------------------------------------------------------------------------

BIG = 60 * 1024  # with its envelope under Janus's default max-message-size (64 KiB)
CHROMIUM_COUNT = 1000


def pattern(n):
    """messages_page.js's rcPattern: printable ASCII, quotes and backslashes included."""
    return "".join(chr(33 + (i * 7919 + i // 94) % 94) for i in range(n))


def pad(i, n):
    """messages_page.js's rcPad: characters derived from i, so a damaged message shows."""
    return (" " + "".join(chr(97 + (i + k * 7) % 26) for k in range(n))) if n else ""


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def chromium(url, name, follow, stdin=subprocess.PIPE):
    return EventProc("chromium", ["node", os.path.join(HERE, "browser_messages.mjs"), "--url", url, "--room", ROOM,
                                  "--name", name, "--follow", ",".join(follow), "--timeout", 20,
                                  "--max-seconds", 90], stdin=stdin)


def command(proc, **c):
    proc.p.stdin.write(json.dumps({"cmd": "send", **c}) + "\n")
    proc.p.stdin.flush()


def say(proc, *lines):
    proc.p.stdin.write("".join(line + "\n" for line in lines))
    proc.p.stdin.flush()


def numbered(proc, who, topic="chat"):
    return [m for m in messages_of(proc, topic) if m.get("text", "").startswith(who + " ")]


def probe_until_heard(pairs, deadline_s=30):
    """Probes from each sender until each receiver has one: (receiver, sender name, topic,
    send()) for each pair. The data subscriptions are in place then (nothing is kept for
    later arrivals)."""
    def heard(proc, who, topic):
        return [m for m in messages_of(proc, topic) if m.get("name") == who and m.get("text", "").startswith("probe")]

    deadline = time.monotonic() + deadline_s
    while not all(heard(r, who, topic) for r, who, topic, _ in pairs):
        if time.monotonic() > deadline:
            raise Failure(f"probe messages did not get through within {deadline_s} s: " + ", ".join(
                f"{r.name} got {len(heard(r, who, topic))} from {who}" for r, who, topic, _ in pairs))
        for r, who, topic, send in pairs:
            if not heard(r, who, topic):
                send()
        time.sleep(0.3)


def check_in_order(c, proc, who, count, sender_id, padded=0, topic="chat"):
    got = numbered(proc, who, topic)
    want = [f"{who} {i}{pad(i, padded)}" for i in range(count)]
    texts = [m["text"] for m in got]
    c.check(texts == want, f"{proc.name}: all {count} of {who}'s messages, in order (got {len(texts)}; first "
            f"wrong: {next((f'#{i} {t[:40]!r}' for i, t in enumerate(texts) if i >= count or t != want[i]), None)})")
    c.check(all(m.get("from") == sender_id and m.get("name") == who for m in got),
            f"{proc.name}: each of {who}'s messages names its sender ({sender_id}, {who})")
    c.check(all(m.get("size") == len(m.get("text", "").encode()) for m in got),
            f"{proc.name}: the sizes printed are the texts' sizes")
    return got


def case_chromium(a, work):
    c = CaseChecks()
    server = pa = browser = None
    try:
        server, url = start_roomcast_server(a.roomcast, None, ROOM)
        browser = chromium(url, "chromium", ["alice"])
        pa = publisher(a, url, work, "alice", "--print-messages", "--send-stdin", "chat", stdin=subprocess.PIPE)
        alice_id = joined_id(pa)
        _, pub = browser.wait_event("Chromium publishing", is_event("publishing"), 40)
        chromium_id = pub["id"]
        c.figures["chromiumMaxMessageSize"] = pub.get("maxMessageSize")
        browser.wait_event("Chromium following alice", is_event("following"), 30)
        # alice's stdin topic is chat: her probes are "probe" lines on chat; Chromium probes on
        # its own topic.
        probe_until_heard([
            (pa, "chromium", "probe", lambda: command(browser, topic="probe", texts=["probe"])),
            (browser, "alice", "chat", lambda: say(pa, "probe alice")),
        ])
        t0 = time.monotonic()
        command(browser, topic="chat", prefix="chromium", count=CHROMIUM_COUNT)
        command(browser, topic="chat", pattern=BIG)
        say(pa, *(f"alice {i}" for i in range(CHROMIUM_COUNT)), pattern(BIG))

        def big(proc):
            return [m for m in messages_of(proc, "chat") if m.get("size", 0) >= BIG]

        waits = {}
        for p, who in ((pa, "chromium"), (browser, "alice")):
            try:
                waits[who] = p.wait_until(f"{CHROMIUM_COUNT} messages and the 60 KiB one from {who}",
                                          lambda ev, p=p, who=who: len(numbered(p, who)) >= CHROMIUM_COUNT and
                                          big(p), 30) - t0
            except Failure as e:
                log(str(e).splitlines()[0])
        check_in_order(c, pa, "chromium", CHROMIUM_COUNT, chromium_id)
        check_in_order(c, browser, "alice", CHROMIUM_COUNT, alice_id)
        got = big(pa)
        c.check(len(got) == 1 and got[0].get("text") == pattern(BIG) and got[0].get("from") == chromium_id,
                f"alice got Chromium's {BIG}-byte message once, intact, from Chromium ({len(got)}; sizes "
                f"{[m.get('size') for m in got]})")
        got = big(browser)
        c.check(len(got) == 1 and got[0].get("size") == BIG and got[0].get("sha256") == sha256(pattern(BIG)) and
                got[0].get("from") == alice_id and got[0].get("name") == "alice",
                f"Chromium got alice's {BIG}-byte message once, intact (SHA-256), from alice ({len(got)}; sizes "
                f"{[m.get('size') for m in got]})")
        c.check(not any(is_event("error")(e) for _, e in pa.events + browser.events), "no error events")
        c.figures.update({"messagesEachWay": CHROMIUM_COUNT, "bigBytes": BIG,
                          "secondsToAlice": round(waits.get("chromium", -1), 2),
                          "secondsToChromium": round(waits.get("alice", -1), 2)})
        pa.p.stdin.close()
        c.leaves_on_ctrl_c(pa, "alice")
        browser.p.send_signal(signal.SIGTERM)
        c.check(browser.wait(15) == 0, "Chromium leaves and exits 0")
        c.check(server.stop(15) == 0, "server exits 0")
    finally:
        end_case([pa, browser, server])
    leak_check()  # Chromium and its helpers gone with node
    c.done("chromium", *(p for p in (pa, browser) if p))


LOSS_TABLE = "rcmsgloss"
UNRELIABLE_COUNT = 2000
UNRELIABLE_PAD = 40
LOSS_COUNT = 1000
RELIABLE_PAD = 150  # ~250 packets each: a few lost on every leg, so retransmissions are certain


def case_loss5(a, work):
    c = CaseChecks()
    server = rel = unrel = browser = listener = None
    try:
        server, url = start_roomcast_server(a.roomcast, None, ROOM)
        listener = EventProc("listen", [a.roomcast, "listen", "--server", url, "--room", ROOM, "--json"])
        joined_id(listener)
        browser = chromium(url, "chromium", ["rel", "unrel"])
        rel = publisher(a, url, work, "rel", "--send-stdin", "chat", stdin=subprocess.PIPE)
        unrel = publisher(a, url, work, "unrel", "--unreliable", "--send-stdin", "state", stdin=subprocess.PIPE)
        ids = {"rel": joined_id(rel), "unrel": joined_id(unrel)}
        _, pub = browser.wait_event("Chromium publishing", is_event("publishing"), 40)
        ids["chromium"] = pub["id"]
        for who in ("rel", "unrel"):
            browser.wait_event(f"Chromium following {who}", lambda e, w=who: is_event("following")(e) and
                               e.get("name") == w, 30)
        # Probes on a clean path (the rel and unrel publishers send on one topic each: theirs
        # are "probe" lines on chat and state).
        probe_until_heard([(r, who, topic, lambda p=p: say(p, "probe"))
                           for r in (browser, listener) for who, topic, p in (("rel", "chat", rel),
                                                                              ("unrel", "state", unrel))] +
                          [(listener, "chromium", "probe", lambda: command(browser, topic="probe", texts=["probe"]))])
        # 5 % of every UDP packet in the namespace, both directions: publishers -> Janus (where
        # roomcast's unreliable messages are lost for good), Janus -> subscribers and the SACKs
        # (reliable: recovered by retransmission). Output hook: every packet leaves a process
        # of this namespace once.
        subprocess.run(["nft", "-f", "-"], check=True, timeout=10, text=True, input=f"""
            table inet {LOSS_TABLE} {{
                counter dropped {{ }}
                chain out {{
                    type filter hook output priority 0;
                    meta l4proto udp numgen random mod 100 < 5 counter name dropped drop;
                }}
            }}""")
        t0 = time.monotonic()
        command(browser, topic="chat", prefix="chromium", count=LOSS_COUNT, pad=RELIABLE_PAD)
        say(rel, *(f"rel {i}{pad(i, RELIABLE_PAD)}" for i in range(LOSS_COUNT)))
        say(unrel, *(f"unrel {i}{pad(i, UNRELIABLE_PAD)}" for i in range(UNRELIABLE_COUNT)))
        waits = {}
        for p, who in ((listener, "rel"), (listener, "chromium"), (browser, "rel")):
            try:
                waits[f"{who}->{p.name}"] = round(p.wait_until(
                    f"{LOSS_COUNT} messages from {who}", lambda ev, p=p, who=who: len(numbered(p, who)) >= LOSS_COUNT,
                    30) - t0, 2)
            except Failure as e:
                log(str(e).splitlines()[0])
        # The unreliable ones: one channel, sent in order, never retransmitted and relayed by Janus
        # in order: once an "end of unrel" marker sent after them is in, the rest are in or lost.
        def ends(proc):
            return [m for m in messages_of(proc, "state") if m.get("text") == "end of unrel"]

        deadline = time.monotonic() + 15
        while not (ends(browser) and ends(listener)) and time.monotonic() < deadline:
            say(unrel, "end of unrel")
            time.sleep(0.3)
        c.check(bool(ends(browser) and ends(listener)), "an 'end of unrel' marker reached Chromium and the listener")
        out = subprocess.run(["nft", "-j", "list", "counter", "inet", LOSS_TABLE, "dropped"], capture_output=True,
                             text=True, timeout=10).stdout
        dropped = next((i["counter"]["packets"] for i in json.loads(out or '{"nftables":[]}')["nftables"]
                        if "counter" in i), None)
        subprocess.run(["nft", "delete", "table", "inet", LOSS_TABLE], check=True, timeout=10)
        c.figures["udpPacketsDropped"] = dropped
        c.check(bool(dropped), f"nftables dropped UDP packets ({dropped})")

        check_in_order(c, listener, "rel", LOSS_COUNT, ids["rel"], RELIABLE_PAD)
        check_in_order(c, listener, "chromium", LOSS_COUNT, ids["chromium"], RELIABLE_PAD)
        check_in_order(c, browser, "rel", LOSS_COUNT, ids["rel"], RELIABLE_PAD)
        sets = {}
        for p in (listener, browser):
            got = numbered(p, "unrel", "state")
            idx = []
            intact = True
            for m in got:
                parts = m["text"].split(" ", 2)
                i = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else -1
                intact &= 0 <= i < UNRELIABLE_COUNT and m["text"] == f"unrel {i}{pad(i, UNRELIABLE_PAD)}" and \
                    m.get("from") == ids["unrel"] and m.get("name") == "unrel"
                idx.append(i)
            sets[p.name] = set(idx)
            lost = UNRELIABLE_COUNT - len(set(idx))
            c.figures[f"unreliableTo{p.name.capitalize()}"] = {
                "arrived": len(got), "lost": lost, "outOfOrder": sum(1 for x, y in zip(idx, idx[1:]) if y < x)}
            c.check(intact, f"{p.name}: each unreliable message that arrived is intact and names unrel")
            c.check(len(idx) == len(set(idx)), f"{p.name}: no unreliable message arrived twice")
            c.check(lost >= 1, f"{p.name}: some of the {UNRELIABLE_COUNT} unreliable messages were lost ({lost})")
            c.check(len(set(idx)) >= UNRELIABLE_COUNT * 0.8,
                    f"{p.name}: the rest arrived ({len(set(idx))} of {UNRELIABLE_COUNT}, >= 80 %)")
        c.check(sets["listen"] == sets["chromium"], "Chromium and the listener got the same unreliable messages "
                "(lost between unrel and Janus; Janus relays to subscribers reliably)")
        c.figures.update({"reliableEachSender": LOSS_COUNT, "unreliableSent": UNRELIABLE_COUNT,
                          "secondsUntilAllReliable": waits})
        c.check(not any(is_event("error")(e) for p in (rel, unrel, listener, browser) for _, e in p.events),
                "no error events")
        for p in (rel, unrel):
            p.p.stdin.close()
        for p, what in ((rel, "rel"), (unrel, "unrel"), (listener, "listener")):
            c.leaves_on_ctrl_c(p, what)
        browser.p.send_signal(signal.SIGTERM)
        c.check(browser.wait(15) == 0, "Chromium leaves and exits 0")
        c.check(server.stop(15) == 0, "server exits 0")
    finally:
        end_case([rel, unrel, browser, listener, server], LOSS_TABLE)
    leak_check()
    c.done("loss5", *(p for p in (rel, unrel, listener, browser) if p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", default="all")
    a = ap.parse_args()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg"])
    if a.case in ("chromium", "loss5", "all"):
        need(BROWSER + (["nft"] if a.case != "chromium" else []))
    return run_named_cases({"three": case_three, "errors": case_errors, "chromium": case_chromium,
                            "loss5": case_loss5}, a, "rc-messages-")


if __name__ == "__main__":
    sys.exit(main())
