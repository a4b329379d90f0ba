#!/usr/bin/env bash
# Keepalive soak: `roomcast publish` and `roomcast listen` stay MINUTES (default 30) in a
# meeting on a server that ends sessions idle for 10 s, inside a private network namespace.
# Prints one JSON line: exit codes, session losses (reconnecting events, want 0), frames
# sent against the time on the wire, and what the listener received.
#   bench/soak_keepalive.sh [BUILD_DIR] [MINUTES]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
minutes="${2:-30}"
if [[ "${ROOMCAST_NETNS_INSIDE:-}" != "1" ]]; then
  exec "$here/tests/e2e/netns.sh" "$0" "$build" "$minutes"
fi
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
seconds=$((minutes * 60))
ffmpeg -hide_banner -loglevel error -f lavfi -i "sine=frequency=441:duration=$((seconds + 30))" -c:a aac "$work/tone.mp4"
"$build/roomcast" server --room 1234 --session-timeout 10 > "$work/server.log" 2>&1 &
for _ in $(seq 100); do grep -q "^roomcast server: ws://" "$work/server.log" && break; sleep 0.1; done
url="$(sed -n 's/^roomcast server: \(ws:\/\/[^ ]*\) room.*/\1/p' "$work/server.log")"
[[ -n "$url" ]] || { echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
"$build/roomcast" listen --server "$url" --room 1234 --json --duration "$seconds" > "$work/listen.log" 2>&1 &
listen=$!
"$build/roomcast" publish "$work/tone.mp4" --server "$url" --room 1234 --json --duration "$seconds" \
  > "$work/publish.log" 2>&1 &
publish=$!
wait "$publish" && publish_rc=0 || publish_rc=$?
wait "$listen" && listen_rc=0 || listen_rc=$?
/usr/bin/python3 - "$work" "$seconds" "$publish_rc" "$listen_rc" <<'PY'
import json, sys
work, seconds, prc, lrc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def events(name):
    out = []
    for line in open(f"{work}/{name}.log"):
        if line.startswith("{"):
            out.append(json.loads(line))
    return out
pub, lst = events("publish"), events("listen")
summary = next((e for e in pub if e.get("event") == "summary"), {})
disabled = [e for e in lst if e.get("event") == "stream_disabled" and e.get("kind") == "audio"]
print(json.dumps({"minutes": seconds / 60, "session_timeout_s": 10, "publish_exit": prc, "listen_exit": lrc,
                  "reconnecting": sum(e.get("event") == "reconnecting" for e in pub + lst),
                  "errors": [e["message"] for e in pub + lst if e.get("event") == "error"],
                  "frames_sent": summary.get("frames_sent"), "frames_expected": seconds * 50,
                  "late_frames": summary.get("late_frames"),
                  "listener": disabled[-1]["stats"] if disabled else None}))
PY
