#!/usr/bin/env bash
# The main job: install, build, then inside a private network namespace start the embedded
# Janus, publish the bundled example media into room 1234, and show what a headless
# Chromium listener in the same room heard.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${1:-}" != "--inside" ]]; then
  bash "$here/scripts/install-deps.sh"
  bash "$here/scripts/build.sh"
  exec "$here/tests/e2e/netns.sh" bash "$here/scripts/demo.sh" --inside
fi

roomcast="$here/build/roomcast"
media="$here/examples/media/example.mp4"
work="$(mktemp -d /tmp/roomcast-demo-XXXXXX)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -INT "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting the embedded Janus server (roomcast server)"
"$roomcast" server --room 1234 > "$work/server.out" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 150); do  # up to 15 s
  url="$(grep -o 'ws://[0-9.:]*' "$work/server.out" 2>/dev/null | head -1 || true)"
  [[ -n "$url" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.out"; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "server did not start:"; cat "$work/server.out"; exit 1; }
echo "   $url, room 1234"

echo "== starting a headless Chromium listener in room 1234"
node "$here/tests/e2e/browser_listener.mjs" --url "$url" --room 1234 --seconds 10 --timeout 30 \
  > "$work/listener.json" 2> "$work/listener.err" &
listener_pid=$!
for _ in $(seq 1 300); do  # the listener says when it is in the room
  grep -q "ready:" "$work/listener.err" 2>/dev/null && break
  kill -0 "$listener_pid" 2>/dev/null || break
  sleep 0.1
done

echo "== roomcast publish $(basename "$media")"
"$roomcast" publish "$media" --server "$url" --room 1234 --name "roomcast demo"

wait "$listener_pid" || { echo "listener failed:"; cat "$work/listener.err"; exit 1; }
echo "== what the browser heard"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
const pct = (x) => (100 * x).toFixed(2) + " %";
console.log(`   dominant frequency  ${r.dominantHz.toFixed(1)} Hz (source: 441 Hz tone)`);
console.log(`   level               ${r.rmsDbfs.toFixed(1)} dBFS, audible for ${r.heardSeconds.toFixed(1)} s of ${r.measuredSeconds.toFixed(1)} s measured`);
console.log(`   packets             ${r.packetsReceived} received of ~${r.expectedPackets} expected, ${r.packetsLost} lost`);
console.log(`   concealed           ${r.concealedSamples} of ${r.totalSamplesReceived} samples (${pct(r.concealedRatio)})`);
const ok = Math.abs(r.dominantHz - 441) <= r.fftBinHz && r.concealedRatio < 0.01 && r.packetsReceived >= 0.95 * r.expectedPackets;
console.log(ok ? "== the listener heard the example correctly" : "== the listener did NOT hear it correctly");
process.exit(ok ? 0 : 1);
' "$work/listener.json"
