#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test with ctest, then the
# unit tests and a few end-to-end runs again under AddressSanitizer + UBSan (the engine shared by
# three meetings, load and its Ctrl-C among them), then the threaded tests under ThreadSanitizer.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/install-deps.sh"
bash "$here/scripts/build.sh"
# Tests without a meeting in parallel; the e2e tests (real-time audio, timing) one at a time.
(cd "$here/build" && ctest --output-on-failure --timeout 300 -LE e2e -j "$(nproc)" "$@")
# -j2: every e2e test holds one lock (run one at a time) but the 3-minute keepalive test and the
# light error-path tests (roomcast_e2e_light_test in tests/e2e/e2e.cmake), which run beside them.
(cd "$here/build" && ctest --output-on-failure --timeout 300 -L e2e -j2 "$@")

echo "== sanitizer build (ASan + UBSan)"
source "$here/scripts/compiler_cache.sh"
cmake -S "$here" -B "$here/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DROOMCAST_SANITIZE=ON "${compiler_cache[@]}" >/dev/null
# What the ASan tests run (not the docs, the .deb, the examples): saves building them. Every
# fuzz target's replay binary: its corpus test runs below (a new target is never left unbuilt).
cmake --build "$here/build-asan" -j "$(nproc)" --target roomcast-tests roomcast-cli roomcast-api-e2e \
  roomcast-engine-e2e $(ninja -C "$here/build-asan" -t targets all | grep -o '^fuzz_[a-z0-9_]*_replay' | sort -u)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The unit tests as two gtest shards, one process each, rather than ctest's process per test:
# ASan's start-up in ~400 processes took longer than the tests (215 s against 61 s here).
asan_shard() {
  GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX="$1" timeout 900 "$here/build-asan/tests/roomcast-tests" \
    --gtest_brief=1 >"$here/build-asan/unit-shard$1.log" 2>&1
}
asan_shard 0 & shard0=$!
asan_shard 1 & shard1=$!
status0=0 status1=0
wait "$shard0" || status0=$?
wait "$shard1" || status1=$?
if (( status0 || status1 )); then
  cat "$here/build-asan/unit-shard0.log" "$here/build-asan/unit-shard1.log"
  echo "ASan unit tests failed (shards exited $status0 and $status1)" >&2
  exit 1
fi
tail -n 2 "$here/build-asan/unit-shard0.log" "$here/build-asan/unit-shard1.log"
(cd "$here/build-asan" && ctest --output-on-failure --timeout 300 -R '^fuzz_.*_corpus$' -j "$(nproc)")
(cd "$here/build-asan" && ctest --output-on-failure --timeout 300 -R 'e2e_browser_hears_mp4|e2e_listen_roomcast_publisher|e2e_bad_input_wrong_pin|e2e_cpp_api|e2e_fanout_one_track_three_meetings|e2e_load_cli|e2e_listen_record_disk_full|e2e_bad_input_config_refusals|e2e_wss_self_signed_ca|e2e_secrets_never_printed|e2e_reconnect_media_drop')

echo "== ThreadSanitizer build (the threaded tests: engine, clock, workers, meetings in one process)"
cmake -S "$here" -B "$here/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROOMCAST_TSAN=ON "${compiler_cache[@]}" >/dev/null
cmake --build "$here/build-tsan" -j "$(nproc)" --target roomcast-tests roomcast-cli roomcast-api-e2e \
  roomcast-engine-e2e roomcast-push-e2e file_to_meeting
# Every TSan report of every process (the CLI under the e2e drivers too) lands in tsan_logs:
# the stage fails on any, whatever the process's exit status.
tsan_logs="$here/build-tsan/tsan-reports"
rm -rf "$tsan_logs" && mkdir -p "$tsan_logs"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$here/tests/tsan.supp log_path=$tsan_logs/report"
# GIO's default proxy resolver asks libproxy on a GLib thread pool whose hand-offs (futexes)
# TSan cannot see; the dummy resolver (no proxy, as on CI) keeps that third-party noise out.
export GIO_USE_PROXY_RESOLVER=dummy
# Several times slower under TSan (on a shared machine, more): Chromium conceals more of the
# fan-out streams; this stage is about races, the quality bound is the plain build's job.
export ROOMCAST_E2E_MAX_CONCEALED=0.2
tsan_status=0
(cd "$here/build-tsan" && ctest --output-on-failure --timeout 300 \
  -R '^(MediaClock|EventLoop|EncodedTrack|PushAudioTrack|WorkerPool|AudioDelivery|Engine|Dtls|DataChannel|Sctp|SctpOverDtls)\.|^e2e_(cpp_api|fanout_one_track_three_meetings|push_track_dtx|interrupt_embedded_publish|server_gone_while_publishing|example_file_to_meeting)$') \
  || tsan_status=$?
if grep -l "WARNING: ThreadSanitizer" "$tsan_logs"/report* 2>/dev/null; then
  cat "$tsan_logs"/report*
  echo "ThreadSanitizer reports above" >&2
  exit 1
fi
exit "$tsan_status"
