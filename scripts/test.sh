#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test with ctest, then the
# unit tests and a few end-to-end runs again under AddressSanitizer + UBSan (the engine shared by
# three meetings, load and its Ctrl-C among them).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/install-deps.sh"
bash "$here/scripts/build.sh"
(cd "$here/build" && ctest --output-on-failure --timeout 300 "$@")

echo "== sanitizer build (ASan + UBSan)"
cmake -S "$here" -B "$here/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DROOMCAST_SANITIZE=ON >/dev/null
cmake --build "$here/build-asan" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$here/build-asan" && ctest --output-on-failure --timeout 300 -LE e2e)
(cd "$here/build-asan" && ctest --output-on-failure --timeout 300 -R 'e2e_browser_hears_mp4|e2e_listen_roomcast_publisher|e2e_bad_input_wrong_pin|e2e_cpp_api|e2e_fanout_one_track_three_meetings|e2e_load_cli|e2e_bad_input_config_refusals|e2e_wss_self_signed_ca|e2e_secrets_never_printed|e2e_reconnect_media_drop')
