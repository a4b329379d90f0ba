#!/usr/bin/env bash
# Runs bench/publish_bench.py (or, with `video` first, bench/video_bench.py) inside the private
# network namespace; builds nothing.
# Usage: bench/run.sh [--publishers N] [--seconds S] [...]   (ROOMCAST=path overrides build/roomcast)
#        bench/run.sh video [--points '...'] [--seconds S] [...]
#        bench/run.sh messages [--paced N] [--rate R] [--burst N]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="${ROOMCAST:-$root/build/roomcast}"
if [[ ! -x "$bin" ]]; then
  echo "bench/run.sh: no roomcast binary at $bin; build it first (cmake --build build) or set ROOMCAST" >&2
  exit 2
fi
script="$here/publish_bench.py"
if [[ "${1:-}" == "video" ]]; then
  shift
  script="$here/video_bench.py"
elif [[ "${1:-}" == "messages" ]]; then
  shift
  script="$here/messages_bench.py"
fi
exec "$root/tests/e2e/netns.sh" /usr/bin/python3 "$script" --roomcast "$bin" "$@"
