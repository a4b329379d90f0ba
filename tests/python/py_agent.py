#!/usr/bin/python3
# The Python module under test, driven by run_python_test.py (one JSON line per result):
#   custom URL ROOM S: a CustomAudioTrack returning a 441 Hz tone in odd-sized numpy chunks
#                      (1 to 4097 samples at 44.1 kHz) for S seconds; a Python thread counts
#                      its ticks while join() and run_until_left() block (the GIL is released).
#   sink URL ROOM S:   asyncio: join_async, a Python sink on the first remote audio stream and
#                      `async for` over the mixed audio; dominant frequency of each.
#   push URL ROOM S:   a voice agent: PushAudioTrack fed 441 Hz at 24 kHz in 30 ms chunks from a
#                      thread in real time for S seconds, wait_for_playout(); then 2 s pushed
#                      at once and clear(); end(). Reports timings and queued_seconds.
#   errors:            exceptions in a handler, in a sink-less recv(), roomcast.Error kinds.
#   video_sink URL ROOM S: a Python sink on the first remote video stream (numpy I420 planes
#                      y, u, v): each picture's planes' shapes and the number it carries; once
#                      30 arrived, Participant.capture_image() (PNG bytes) decoded with PyAV.
#   messages URL ROOM N: three meetings in one process (alice, bob, carol; PushAudioTracks that
#                      send silence). alice subscribes to "chat" with a handler, bob reads it with
#                      `async for` over pubsub.messages("chat"), carol subscribes to nothing.
#                      Once probes get through both ways, each sends N numbered messages from
#                      an executor thread (alice's first one with send_only=[carol]); alice
#                      also send_data()s bytes to bob, and a message to bob's raising handler;
#                      then alice unsubscribes and bob sends once more. Reports what each got
#                      (text, sender, thread), the stats, bob's on_error, and the errors of
#                      publish on meetings that cannot send.
import argparse
import asyncio
import io
import json
import os
import sys
import threading
import time

import numpy as np

import roomcast

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from e2e_util import frame_number  # noqa: E402


def emit(**fields):
    print(json.dumps(fields), flush=True)


def dominant_hz(samples, rate=48000):
    x = np.asarray(samples, dtype=np.float64)
    x = x * np.hanning(len(x))
    spectrum = np.abs(np.fft.rfft(x, 4 * len(x)))
    k = int(np.argmax(spectrum[1:])) + 1
    a, b, c = spectrum[k - 1], spectrum[k], spectrum[k + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c)  # parabola through the peak
    return (k + shift) * rate / (4 * len(x))


class OddChunkTone(roomcast.CustomAudioTrack):
    """441 Hz at 44.1 kHz, handed over in chunks whose sizes have nothing to do with 20 ms."""

    RATE = 44100
    SIZES = [1, 7, 441, 1023, 4097, 333, 2, 960]

    def __init__(self, seconds):
        super().__init__()
        self.left = int(seconds * self.RATE)
        self.pos = 0
        self.calls = 0

    def recv(self):
        if self.left <= 0:
            return None
        n = min(self.SIZES[self.calls % len(self.SIZES)], self.left)
        self.calls += 1
        t = (self.pos + np.arange(n)) / self.RATE
        self.pos += n
        self.left -= n
        return roomcast.AudioChunk.from_float((0.5 * np.sin(2 * np.pi * 441 * t)).astype(np.float32), self.RATE, 1)


class Recorder(roomcast.MeetingEventHandler):
    def __init__(self):
        self.calls = []
        self.left = threading.Event()

    def on_meeting_joined(self, data):
        self.calls.append(["on_meeting_joined", data.meeting_id])

    def on_meeting_left(self, data):
        self.calls.append(["on_meeting_left", data.reason, data.error])
        self.left.set()

    def on_error(self, message):
        self.calls.append(["on_error", message])


def custom(a):
    track = OddChunkTone(a.seconds)
    meeting = roomcast.init_meeting(meeting_id=str(a.room), name="python custom track", server_url=a.url,
                                    custom_microphone_audio_track=track)
    events = Recorder()
    meeting.add_event_listener(events)
    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.wait(0.01):
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    started = time.monotonic()
    meeting.join()
    left = meeting.run_until_left(a.seconds + 20)
    blocked_s = time.monotonic() - started
    stop.set()
    counter.join()
    stats = meeting.publish_stats()
    rtcp = meeting.stats()  # the RTCP view, kept after leaving
    meeting.close()
    emit(case="custom", left=left, calls=events.calls, recv_calls=track.calls, frames_sent=stats.frames_sent,
         blocked_seconds=blocked_s, ticks=ticks[0], publishing=rtcp.publishing,
         receiver_reports=rtcp.sending.receiver_reports, rtt_ms=rtcp.sending.round_trip_time_ms,
         remote_jitter_ms=rtcp.sending.remote_jitter_ms, receiving=len(rtcp.receiving))


class StreamSink:
    def __init__(self):
        self.samples = []

    def on_audio_frame(self, frame):
        self.samples.append(frame.samples.copy())


class Follow(roomcast.ParticipantEventHandler):
    """Adds `sink` to the participant's first stream of `kind`."""

    def __init__(self, sink, kind="audio"):
        self.sink, self.kind = sink, kind
        self.added = False

    def on_stream_enabled(self, stream):
        if stream.kind == self.kind and not self.added:
            self.added = True
            stream.add_sink(self.sink)


class FirstParticipant(Recorder):
    def __init__(self, sink):
        super().__init__()
        self.sink = sink
        self.names = []

    def on_participant_joined(self, participant):
        self.names.append(participant.display_name)
        participant.add_event_listener(Follow(self.sink))


async def sink_async(a):
    sink = StreamSink()
    events = FirstParticipant(sink)
    meeting = roomcast.init_meeting(roomcast.MeetingConfig(
        meeting_id=str(a.room), name="python sink", server_url=a.url, mic_enabled=False))
    meeting.add_event_listener(events)
    await meeting.join_async()
    emit(case="sink", event="joined")
    frames = roomcast.AsyncAudioFrames.mixed(meeting)
    mixed = []
    deadline = time.monotonic() + a.seconds + 20
    async for frame in frames:
        if np.abs(frame.samples).max() > 300:  # the tone, not the silence before it
            mixed.append(frame.samples.copy())
        if len(mixed) >= a.seconds * 50 or time.monotonic() > deadline:
            break
    await meeting.leave_async()
    meeting.close()
    loud_frames = [f for f in sink.samples if np.abs(f).max() > 300]
    stream = np.concatenate(loud_frames) if loud_frames else np.zeros(0)
    loud = np.concatenate(mixed) if mixed else np.zeros(0)
    emit(case="sink", participants=events.names, stream_frames=len(sink.samples), mixed_frames=len(mixed),
         stream_hz=dominant_hz(stream) if len(stream) > 4800 else 0,
         mixed_hz=dominant_hz(loud) if len(loud) > 4800 else 0, dropped=frames.dropped, calls=events.calls)


class Raising(roomcast.MeetingEventHandler):
    def __init__(self):
        self.errors = []
        self.left = threading.Event()

    def on_meeting_joined(self, data):
        raise ValueError("boom in a handler")

    def on_error(self, message):
        self.errors.append(message)

    def on_meeting_left(self, data):
        self.errors.append(f"left: {data.reason} error={data.error}")
        self.left.set()


class FailingTrack(OddChunkTone):
    def recv(self):
        if self.calls > 200:
            raise RuntimeError("recv failed on purpose")
        return super().recv()


def errors(a):
    out = {"case": "errors"}
    try:
        roomcast.FileAudioTrack("/nonexistent/roomcast.mp4")
    except roomcast.Error as e:
        out["missing_file"] = [str(e.kind), str(e)]
    try:
        roomcast.FileMedia("/nonexistent/roomcast.mp4", loop=2)
    except roomcast.Error as e:
        out["missing_media"] = [str(e.kind), str(e)]
    try:
        roomcast.init_meeting(meeting_id="1234", webcam_enabled=True, custom_microphone_audio_track=OddChunkTone(1))
    except roomcast.Error as e:
        out["webcam"] = [str(e.kind), str(e)]
    try:
        roomcast.init_meeting(meeting_id="1234", audio_channels=3, custom_microphone_audio_track=OddChunkTone(1))
    except roomcast.Error as e:
        out["channels"] = [str(e.kind), str(e)]
    try:
        roomcast.PushAudioTrack(channels=3)
    except roomcast.Error as e:
        out["push_channels"] = [str(e.kind), str(e)]
    out["stereo_config"] = roomcast.MeetingConfig(audio_channels=2).audio_channels
    handler = Raising()
    meeting = roomcast.init_meeting(meeting_id="1234", name="python errors",
                                    custom_microphone_audio_track=FailingTrack(30))
    meeting.add_event_listener(handler)
    meeting.join()
    out["left"] = meeting.run_until_left(20)
    meeting.close()
    out["handler_errors"] = handler.errors
    emit(**out)


def push(a):
    rate = 24000
    track = roomcast.PushAudioTrack(max_queue_seconds=3.0)
    meeting = roomcast.init_meeting(meeting_id=str(a.room), name="python push track", server_url=a.url,
                                    custom_microphone_audio_track=track)
    events = Recorder()
    meeting.add_event_listener(events)
    meeting.join()
    n = int(0.03 * rate)
    chunks = int(a.seconds / 0.03)

    def producer():
        start = time.monotonic()
        for i in range(chunks):
            t = (i * n + np.arange(n)) / rate
            # Real time, 60 ms ahead: as a streaming TTS hands over its audio.
            delay = start + i * 0.03 - 0.06 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            track.push(roomcast.AudioChunk.from_float((0.5 * np.sin(2 * np.pi * 441 * t)).astype(np.float32), rate))

    started = time.monotonic()
    thread = threading.Thread(target=producer)
    thread.start()
    thread.join()
    played = track.wait_for_playout(timeout=10)
    played_after = time.monotonic() - started
    t = np.arange(2 * rate) / rate
    track.push(roomcast.AudioChunk.from_float((0.5 * np.sin(2 * np.pi * 660 * t)).astype(np.float32), rate))
    queued_before = track.queued_seconds
    track.clear()
    queued_after = track.queued_seconds
    track.end()
    left = meeting.run_until_left(10)
    stats = track.stats
    meeting.close()
    emit(case="push", left=left, calls=events.calls, played=played, played_after_seconds=played_after,
         queued_before=queued_before, queued_after=queued_after, pushed_seconds=stats.pushed_seconds,
         cleared_seconds=stats.cleared_seconds, underruns=stats.underruns)


class PictureSink:
    """What a video sink's on_video_frame(frame) gets, per picture: the numpy planes' shapes
    and dtypes, and the number the picture carries (read from its Y plane)."""

    def __init__(self):
        self.shapes, self.numbers = set(), []
        self.enough = threading.Event()

    def on_video_frame(self, frame):
        y, u, v = (np.asarray(p) for p in (frame.y, frame.u, frame.v))
        self.shapes.add((y.shape, u.shape, v.shape, str(y.dtype), frame.width, frame.height))
        self.numbers.append(frame_number(y))
        if len(self.numbers) >= 30:
            self.enough.set()


class Cameras(Recorder):
    def __init__(self, sink):
        super().__init__()
        self.sink = sink
        self.participants = []
        self.gone = threading.Event()

    def on_participant_joined(self, participant):
        self.participants.append(participant)
        participant.add_event_listener(Follow(self.sink, "video"))

    def on_participant_left(self, participant):
        self.gone.set()


def video_sink(a):
    # The Python side of Stream::add_sink(VideoSink) and Participant::capture_image() (issue 15).
    sink = PictureSink()
    events = Cameras(sink)
    meeting = roomcast.init_meeting(roomcast.MeetingConfig(
        meeting_id=str(a.room), name="python video sink", server_url=a.url, mic_enabled=False))
    meeting.add_event_listener(events)
    meeting.join()
    emit(case="video_sink", event="joined")
    png, at = None, 0
    capture = getattr(roomcast.Participant, "capture_image", None)
    if sink.enough.wait(a.seconds + 20) and capture:
        png = capture(events.participants[0])
        at = len(sink.numbers)
    events.gone.wait(a.seconds + 20)
    meeting.leave()
    meeting.close()
    out = {"case": "video_sink", "pictures": len(sink.numbers), "numbers": sink.numbers,
           "shapes": sorted(map(str, sink.shapes)), "png_bytes": len(png) if png else 0,
           "capture_image": capture is not None, "calls": events.calls}
    if png:
        import av  # PyAV (aiortc's): decodes the PNG as FFmpeg does
        with av.open(io.BytesIO(bytes(png))) as container:
            picture = next(container.decode(video=0))
        gray = picture.to_ndarray(format="gray")
        band = gray[: gray.shape[0] // 4]
        out.update(png_signature=bytes(png[:8]).hex(), png_size=[picture.width, picture.height],
                   png_number=frame_number(gray), sink_numbers_at_capture=sink.numbers[max(0, at - 10):at],
                   # the band is black (16) and white (235) blocks, nothing between
                   png_band_grey_share=float(np.mean((band > 60) & (band < 190))))
    emit(**out)


def publish_error(meeting):
    try:
        meeting.pubsub.publish("chat", "never sent")
    except roomcast.Error as e:
        return [str(e.kind), str(e)]
    return None


async def messages_async(a):
    loop = asyncio.get_running_loop()
    out = {"case": "messages"}
    # Publishing without a data channel: refused at once, with the reason.
    idle = roomcast.init_meeting(meeting_id=str(a.room), name="idle", server_url=a.url, data_enabled=True,
                                 custom_microphone_audio_track=roomcast.PushAudioTrack())
    out["not_joined"] = publish_error(idle)
    idle.close()
    out["data_enabled_default"] = roomcast.MeetingConfig().data_enabled
    quiet = roomcast.init_meeting(meeting_id=str(a.room), name="quiet", server_url=a.url, data_enabled=False,
                                  custom_microphone_audio_track=roomcast.PushAudioTrack())
    out["data_disabled"] = publish_error(quiet)
    quiet.close()

    meetings = {name: roomcast.init_meeting(meeting_id=str(a.room), name=name, server_url=a.url, data_enabled=True,
                                            custom_microphone_audio_track=roomcast.PushAudioTrack())
                for name in ("alice", "bob", "carol")}
    alice, bob, carol = meetings["alice"], meetings["bob"], meetings["carol"]
    alice_got, alice_threads, bob_bytes = [], set(), []
    alice_done, bob_done = threading.Event(), asyncio.Event()

    def on_chat(msg):  # alice's callback thread
        alice_threads.add(threading.get_ident())
        alice_got.append(msg)
        if sum(m.message.startswith("bob ") for m in alice_got) >= a.count:
            alice_done.set()

    alice_chat = alice.pubsub.subscribe("chat", on_chat)
    bob.pubsub.subscribe("bin", bob_bytes.append)
    bob_errors = Recorder()
    bob.add_event_listener(bob_errors)

    def boom(msg):
        raise ValueError(f"boom on {msg.topic}")

    bob.pubsub.subscribe("boom", boom)
    chat = bob.pubsub.messages("chat")  # before joining: nothing is missed
    bob_got = []

    async def read_bob():
        async for msg in chat:
            bob_got.append(msg)
            if sum(m.message.startswith("alice ") for m in bob_got) >= a.count:
                bob_done.set()
        return True  # the iteration ended by itself when bob left

    reader = asyncio.ensure_future(read_bob())
    await asyncio.gather(*(m.join_async() for m in meetings.values()))
    ids = {name: m.local_participant.id for name, m in meetings.items()}
    emit(case="messages", event="joined", ids=ids)

    # A message sent before the others take our data stream is not theirs to get: probe both
    # ways until one arrives each way.
    deadline = time.monotonic() + 20
    while not (any(m.message == "probe bob" for m in alice_got) and any(m.message == "probe alice" for m in bob_got)):
        if time.monotonic() > deadline:
            break
        await loop.run_in_executor(None, alice.pubsub.publish, "chat", "probe alice")
        await loop.run_in_executor(None, bob.pubsub.publish, "chat", "probe bob")
        await asyncio.sleep(0.3)
    out["probe_seconds"] = 20 - (deadline - time.monotonic())

    def send(meeting, who):
        for i in range(a.count):
            meeting.pubsub.publish("chat", f"{who} {i}", {"reliable": True}, timeout=10)

    # Not bob's: bob drops it (and counts it) before the numbered ones, which come after it.
    await loop.run_in_executor(None, lambda: alice.pubsub.publish("chat", "for carol", send_only=[ids["carol"]]))
    started = time.monotonic()
    await asyncio.gather(loop.run_in_executor(None, send, alice, "alice"), loop.run_in_executor(None, send, bob, "bob"))
    await loop.run_in_executor(None, lambda: alice.send_data(bytes(range(256)), to=[ids["bob"]], topic="bin"))
    try:
        await asyncio.wait_for(bob_done.wait(), 15)
    except asyncio.TimeoutError:
        pass
    await loop.run_in_executor(None, alice_done.wait, 15)
    deadline = time.monotonic() + 5
    while not bob_bytes and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    out["exchange_seconds"] = time.monotonic() - started
    await loop.run_in_executor(None, alice.pubsub.publish, "boom", "x")
    # Unsubscribed: what comes next on "chat" is dropped (no subscriber) and counted.
    alice.pubsub.unsubscribe(alice_chat)
    await loop.run_in_executor(None, bob.pubsub.publish, "chat", "after unsubscribe")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (alice.stats().messages.messages_dropped >= 1 and any(
            c[0] == "on_error" for c in bob_errors.calls)):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # a late delivery to alice's handler would show now
    stats = {name: m.stats().messages for name, m in meetings.items()}
    await asyncio.gather(*(m.leave_async() for m in meetings.values()))
    try:
        out["iterator_ended_on_leave"] = await asyncio.wait_for(reader, 10)
    except asyncio.TimeoutError:
        out["iterator_ended_on_leave"] = False
    for m in meetings.values():
        m.close()

    def numbered(got, who):
        return [m for m in got if m.message.startswith(who + " ")]

    def describe(msgs, sender):
        now = time.time()
        return {"texts": [m.message for m in msgs],
                "senders_ok": all(m.sender_id == ids[sender] and m.sender_name == sender and m.topic == "chat"
                                  and not m.binary for m in msgs),
                "timestamps_ok": all(abs(m.timestamp - now) < 120 for m in msgs)}

    out["alice_from_bob"] = describe(numbered(alice_got, "bob"), "bob")
    out["bob_from_alice"] = describe(numbered(bob_got, "alice"), "alice")
    out["alice_handler_threads"] = [t == threading.main_thread().ident for t in alice_threads]
    out["bob_dropped"] = chat.dropped
    out["bob_bytes"] = [[b.payload.hex() == bytes(range(256)).hex(), b.binary, b.sender_name, b.topic]
                        for b in bob_bytes]
    out["stats"] = {name: {"sent": s.messages_sent, "received": s.messages_received, "dropped": s.messages_dropped,
                           "not_for_us": s.messages_not_for_us} for name, s in stats.items()}
    out["alice_after_unsubscribe"] = [m.message for m in alice_got if m.message == "after unsubscribe"]
    out["bob_for_carol"] = [m.message for m in bob_got if m.message == "for carol"]
    out["bob_errors"] = [c[1] for c in bob_errors.calls if c[0] == "on_error"]
    emit(**out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["custom", "sink", "errors", "push", "video_sink", "messages"])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--url", default="")
    ap.add_argument("--room", type=int, default=1234)
    ap.add_argument("--seconds", type=float, default=5)
    a = ap.parse_args()
    if a.case == "custom":
        custom(a)
    elif a.case == "sink":
        asyncio.run(sink_async(a))
    elif a.case == "push":
        push(a)
    elif a.case == "video_sink":
        video_sink(a)
    elif a.case == "messages":
        asyncio.run(messages_async(a))
    else:
        errors(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
