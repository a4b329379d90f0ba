#!/usr/bin/env bash
# Configures and builds roomcast into build/ (Release with debug info, tests on, Python module).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/compiler_cache.sh"
cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROOMCAST_TESTS=ON -DROOMCAST_PYTHON=ON \
  "${compiler_cache[@]}" "$@" >/dev/null
cmake --build "$here/build" -j "$(nproc)"
