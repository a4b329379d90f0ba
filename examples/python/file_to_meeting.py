#!/usr/bin/python3
"""The seed program, ported to roomcast: publish a media file into a meeting as our microphone.

    ROOMCAST_MEETING_ID=1234 ROOMCAST_NAME=bot ROOMCAST_TOKEN=...
    ROOMCAST_SERVER=ws://10.0.0.5:8188 python3 file_to_meeting.py song.mp4

Without ROOMCAST_SERVER the embedded Janus server is started. With --python-track the file is
decoded by an `ffmpeg` child process and handed over by a CustomAudioTrack subclass (the seed's
AudioFileTrack shape); by default roomcast's own FileAudioTrack decodes it natively.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

import roomcast


class AudioFileTrack(roomcast.CustomAudioTrack):
    """The seed's track: the file's audio as float samples. No pacing, no 20 ms framing, no
    timestamps: roomcast converts, frames and paces whatever recv() returns."""

    RATE = 44100
    CHUNK_BYTES = 4 * 1024  # any size will do

    def __init__(self, path):
        super().__init__()
        self.decoder = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path, "-vn", "-ac", "1",
             "-ar", str(self.RATE), "-f", "f32le", "-"], stdout=subprocess.PIPE)
        # Wait here for ffmpeg's first output: its start-up must not delay the first recv().
        self.first = self.decoder.stdout.read(self.CHUNK_BYTES)

    def recv(self):
        data, self.first = self.first or self.decoder.stdout.read(self.CHUNK_BYTES), None
        if not data:
            self.decoder.wait()
            return None  # end of stream: roomcast leaves the meeting
        samples = np.frombuffer(data[:len(data) - len(data) % 4], dtype=np.float32)
        return roomcast.AudioChunk.from_float(samples, self.RATE, 1)


class MyMeetingEventHandler(roomcast.MeetingEventHandler):
    def on_meeting_joined(self, data):
        print(f"on_meeting_joined: meeting {data.meeting_id}, we are {data.participant_id}", flush=True)

    def on_meeting_left(self, data):
        print(f"on_meeting_left: {data.reason}", flush=True)

    def on_participant_joined(self, participant):
        print(f"on_participant_joined: {participant.display_name}", flush=True)

    def on_participant_left(self, participant):
        print(f"on_participant_left: {participant.display_name}", flush=True)

    def on_error(self, message):
        print(f"on_error: {message}", flush=True)


class MyParticipantEventHandler(roomcast.ParticipantEventHandler):
    def on_stream_enabled(self, stream):
        print(f"on_stream_enabled: {stream.kind}", flush=True)

    def on_stream_disabled(self, stream):
        print(f"on_stream_disabled: {stream.kind}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--python-track", action="store_true", help="decode in Python (seed shape)")
    a = ap.parse_args()
    try:
        track = AudioFileTrack(a.file) if a.python_track else roomcast.FileAudioTrack(a.file)
        meeting = roomcast.init_meeting(roomcast.MeetingConfig(
            meeting_id=os.environ.get("ROOMCAST_MEETING_ID", "1234"),
            name=os.environ.get("ROOMCAST_NAME", "roomcast python example"),
            mic_enabled=True,
            webcam_enabled=False,
            token=os.environ.get("ROOMCAST_TOKEN", ""),
            custom_microphone_audio_track=track,
            server_url=os.environ.get("ROOMCAST_SERVER", "")))
        meeting.add_event_listener(MyMeetingEventHandler())
        meeting.local_participant.add_event_listener(MyParticipantEventHandler())
        meeting.join()
        meeting.run_until_left()  # ends at the end of the file (or Ctrl-C)
        meeting.close()  # handlers still queued run before this returns
    except roomcast.Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
