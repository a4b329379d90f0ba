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
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import (CaseChecks, Failure, Proc, end_case, log, need, run_named_cases,  # noqa: E402
                      start_roomcast_server)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roomcast", required=True)
    ap.add_argument("--case", default="all")
    a = ap.parse_args()
    need([a.roomcast, "/usr/bin/janus", "ffmpeg"])
    return run_named_cases({"three": case_three, "errors": case_errors}, a, "rc-messages-")


if __name__ == "__main__":
    sys.exit(main())
