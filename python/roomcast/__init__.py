"""roomcast: bring audio into a live WebRTC meeting (Janus VideoRoom), at native speed.

The seed SDK's shape::

    class AudioFileTrack(roomcast.CustomAudioTrack):
        def recv(self):                      # the next chunk (any size), or None at the end
            return roomcast.AudioChunk.from_float(samples, 44100, 1)

    meeting = roomcast.init_meeting(roomcast.MeetingConfig(
        meeting_id="1234", name="bot", custom_microphone_audio_track=AudioFileTrack()))
    meeting.add_event_listener(MyMeetingEventHandler())
    meeting.join()
    meeting.run_until_left()

Handlers are plain objects with on_... methods (subclassing MeetingEventHandler or
ParticipantEventHandler is optional). They, and sinks, run on one callback thread per meeting;
an exception raised in one reaches the meeting handlers' on_error. Blocking calls release the
GIL. asyncio: ``await meeting.join_async()``, ``async for frame in AsyncAudioFrames(...)``.

Messages, as the seed SDK's ``meeting.pubsub``::

    meeting.pubsub.subscribe("chat", lambda msg: print(msg.sender_name, msg.message))
    meeting.pubsub.publish("chat", "hello", {"send_only": [participant_id]})   # or send_only=[...]
    meeting.send_data(b"\x01\x02", reliable=False, to=[participant_id])         # LiveKit's shape
    async for msg in meeting.pubsub.messages("chat"):                          # asyncio
        ...

A message (PubSubMessage) has topic, message (str), payload (bytes), binary, sender_id,
sender_name and timestamp (float Unix seconds, as time.time()).
"""
import asyncio
import collections

from ._native import (  # noqa: F401
    AudioChunk, AudioFrame, AudioReceiveStats, CustomAudioTrack, CustomVideoTrack, Error, ErrorKind, FileAudioTrack,
    FileMedia, FileVideoTrack, IceServer, IceTransportPolicy, MediaRecorder, Meeting, MeetingConfig, MeetingJoinedInfo,
    MeetingLeftInfo, MessageStats, OpusFec,
    Participant, PubSub, PubSubMessage, PixelFormat, PublishStats, PushAudioTrack, PushAudioTrackStats, PushVideoTrack, PushVideoTrackStats,
    ReceivedVideoFrame, ReconnectedInfo, ReconnectingInfo, SampleFormat, SignalingProtocol, Stream, VideoFrame,
    __version__)
from ._native import init_meeting as _init_meeting


class MeetingEventHandler:
    """Optional base: every callback does nothing until overridden."""

    def on_meeting_joined(self, data):
        pass

    def on_meeting_left(self, data):
        pass

    def on_participant_joined(self, participant):
        pass

    def on_participant_left(self, participant):
        pass

    def on_speaker_changed(self, participant_id):
        pass

    def on_reconnecting(self, info):
        pass

    def on_reconnected(self, info):
        pass

    def on_error(self, message):
        pass


class ParticipantEventHandler:
    """Optional base: every callback does nothing until overridden."""

    def on_stream_enabled(self, stream):
        pass

    def on_stream_disabled(self, stream):
        pass


def init_meeting(config=None, **kwargs):
    """Validates the config and prepares a meeting; join() connects.

    Takes a MeetingConfig, or its keyword arguments (the seed's ``init_meeting(**config)``)."""
    if config is None:
        config = MeetingConfig(**kwargs)
    elif kwargs:
        raise TypeError("init_meeting takes a MeetingConfig or keyword arguments, not both")
    return _init_meeting(config)


# asyncio flavour: the blocking calls run in the loop's default executor, so the event loop
# keeps running (the GIL is released inside them).
async def _join_async(self):
    await asyncio.get_running_loop().run_in_executor(None, self.join)


async def _leave_async(self):
    await asyncio.get_running_loop().run_in_executor(None, self.leave)


async def _wait_left_async(self, timeout_seconds=None):
    loop = asyncio.get_running_loop()
    deadline = None if timeout_seconds is None else loop.time() + timeout_seconds
    while True:
        slice_s = 0.2 if deadline is None else max(0.0, min(0.2, deadline - loop.time()))
        # Short slices: the executor thread is never stuck past the loop's own shutdown.
        if await loop.run_in_executor(None, self.run_until_left, slice_s):
            return True
        if deadline is not None and loop.time() >= deadline:
            return False


Meeting.join_async = _join_async
Meeting.leave_async = _leave_async
Meeting.wait_left_async = _wait_left_async


class AsyncAudioFrames:
    """A sink whose received frames are read with ``async for``.

    Create it inside the running event loop, then give it to ``stream.add_sink(...)`` or
    ``meeting.add_mixed_audio_sink(...)`` (or use ``AsyncAudioFrames.mixed(meeting)``).
    Holds at most ``max_frames`` unread frames (20 ms each); older ones are dropped and counted
    in ``dropped``. ``close()`` ends the iteration."""

    _END = object()

    def __init__(self, max_frames=500):
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._max = max_frames
        self.dropped = 0

    @classmethod
    def mixed(cls, meeting, max_frames=500):
        frames = cls(max_frames)
        meeting.add_mixed_audio_sink(frames)
        return frames

    def on_audio_frame(self, frame):  # the meeting's callback thread
        self._loop.call_soon_threadsafe(self._put, frame)

    def close(self):
        self._loop.call_soon_threadsafe(self._queue.put_nowait, self._END)

    def _put(self, frame):
        if self._queue.qsize() >= self._max:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(frame)

    def __aiter__(self):
        return self

    async def __anext__(self):
        frame = await self._queue.get()
        if frame is self._END:
            raise StopAsyncIteration
        return frame


# Messages: the LiveKit-style forms over meeting.pubsub, and its async iterator.
def _send_data(self, data, reliable=True, to=None, topic="data", timeout=None):
    """Sends bytes to the others (LiveKit's publish_data): ``pubsub.publish_bytes(topic, data)``
    with reliable, to (participant ids; None: everyone) and timeout (seconds)."""
    self.pubsub.publish_bytes(topic, data, reliable=reliable, send_only=to, timeout=timeout)


def _on_data(self, handler):
    """Calls handler(message) for every message, whatever its topic (``pubsub.subscribe("*", handler)``);
    returns the id for ``pubsub.unsubscribe``."""
    return self.pubsub.subscribe("*", handler)


Meeting.send_data = _send_data
Meeting.on_data = _on_data


class AsyncMessages:
    """The messages on a topic, read with ``async for``: ``meeting.pubsub.messages(topic="*")``.

    Create it inside the running event loop; it subscribes at once, so nothing sent after that
    is missed while the loop is busy elsewhere. Holds at most ``max_messages`` unread messages:
    when a new one arrives to a full queue, the oldest unread one is dropped and counted in
    ``dropped``. The iteration ends when the meeting is left, or on ``close()`` (also at the
    end of ``async with``), which unsubscribes."""

    _END = object()

    def __init__(self, pubsub, topic="*", max_messages=1000):
        if max_messages < 1:
            raise ValueError(f"max_messages is {max_messages}; give 1 or more")
        self._loop = asyncio.get_running_loop()
        self._queue = collections.deque()
        self._wakeup = asyncio.Event()
        self._max = max_messages
        self._ended = False
        self.topic = topic
        self.dropped = 0
        self._pubsub = pubsub
        self._id = pubsub.subscribe(topic, self._arrived)
        pubsub._meeting.add_event_listener(_EndMessagesOnLeave(self))

    def close(self):
        """Unsubscribes; the iteration ends after the messages already queued."""
        if self._id is not None:
            try:
                self._pubsub.unsubscribe(self._id)
            except Error:
                pass  # the meeting was closed: nothing is subscribed any more
            self._id = None
        self._post(self._END)

    def _arrived(self, message):  # the meeting's callback thread
        self._post(message)

    def _post(self, item):
        try:
            self._loop.call_soon_threadsafe(self._put, item)
        except RuntimeError:
            pass  # the event loop is closed: nobody is reading

    def _put(self, item):
        if self._ended:
            return
        if item is self._END:
            self._ended = True
        elif len(self._queue) >= self._max:
            self._queue.popleft()
            self.dropped += 1
        self._queue.append(item)
        self._wakeup.set()

    def __aiter__(self):
        return self

    async def __anext__(self):
        while not self._queue:
            self._wakeup.clear()
            await self._wakeup.wait()
        item = self._queue.popleft()
        if item is self._END:
            self._queue.append(item)  # stays ended
            self.close()
            raise StopAsyncIteration
        return item

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()


class _EndMessagesOnLeave:
    def __init__(self, messages):
        self.messages = messages

    def on_meeting_left(self, data):
        self.messages._post(AsyncMessages._END)


def _messages(self, topic="*", max_messages=1000):
    """``async for msg in meeting.pubsub.messages("chat")``: see AsyncMessages."""
    return AsyncMessages(self, topic, max_messages)


PubSub.messages = _messages
