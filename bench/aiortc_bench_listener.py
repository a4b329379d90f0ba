#!/usr/bin/python3
# tests/e2e/aiortc_listener.py plus one line when the first audio frame is decoded, so the
# benchmark can time its start-up like `roomcast listen`'s first speaker_changed. Same CLI.
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))
import aiortc_listener  # noqa: E402


class BenchListener(aiortc_listener.Listener):
    async def read_track(self, track):
        recv = track.recv

        async def first_then_plain():
            frame = await recv()
            print(json.dumps({"event": "first_audio", "t": time.time()}), flush=True)
            track.recv = recv
            return frame

        track.recv = first_then_plain
        await super().read_track(track)


if __name__ == "__main__":
    aiortc_listener.Listener = BenchListener  # amain() builds a Listener by this name
    sys.exit(aiortc_listener.main())
