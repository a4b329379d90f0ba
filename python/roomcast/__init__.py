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
"""
import asyncio

from ._native import (  # noqa: F401
    AudioChunk, AudioFrame, AudioReceiveStats, CustomAudioTrack, CustomVideoTrack, Error, ErrorKind, FileAudioTrack,
    FileMedia, FileVideoTrack, IceServer, IceTransportPolicy, MediaRecorder, Meeting, MeetingConfig, MeetingJoinedInfo,
    MeetingLeftInfo, OpusFec,
    Participant, PixelFormat, PublishStats, PushAudioTrack, PushAudioTrackStats, PushVideoTrack, PushVideoTrackStats,
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
