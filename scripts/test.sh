#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test with ctest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/install-deps.sh"
bash "$here/scripts/build.sh"
cd "$here/build"
ctest --output-on-failure --timeout 300 "$@"
