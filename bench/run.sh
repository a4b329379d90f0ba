#!/usr/bin/env bash
# Runs bench/publish_bench.py inside the private network namespace; builds nothing.
# Usage: bench/run.sh [--publishers N] [--seconds S] [...]   (ROOMCAST=path overrides build/roomcast)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="${ROOMCAST:-$root/build/roomcast}"
if [[ ! -x "$bin" ]]; then
  echo "bench/run.sh: no roomcast binary at $bin; build it first (cmake --build build) or set ROOMCAST" >&2
  exit 2
fi
exec "$root/tests/e2e/netns.sh" /usr/bin/python3 "$here/publish_bench.py" --roomcast "$bin" "$@"
