#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for a
# given number of executions, one at a time; prints execs/s, executions and crashes per target
# and exits 1 if any target crashed (the input is kept under build-fuzz/crashes/<target>/).
# Usage: bench/fuzz.sh [-n RUNS] [TARGET...]    (default: 1000000 runs, every target)
# Environment: BUILD_DIR (default build-fuzz), JOBS (build parallelism, default 2),
#   FUZZ_SANITIZE=0 builds without ASan + UBSan (faster, finds fewer bugs), FUZZ_SANITIZE=ubsan
#   with UBSan only (about 5x ASan's speed here; memory errors show only when they crash),
#   FUZZ_DEADLINE=<unix time>: share the time left fairly among the targets still to run
#   (each stops at RUNS or at its share, whichever comes first; the table says which).
# Run it niced on a shared machine: nice -n 19 bench/fuzz.sh -n 10000000
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
runs=1000000
if [[ "${1:-}" == "-n" ]]; then
  runs="$2"
  shift 2
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(opus_lbrr rtp rtcp janus sdp_multistream sdp videoroom jitter_buffer)
fi
build="${BUILD_DIR:-$root/build-fuzz}"
sanitize=ON
extra=()
case "${FUZZ_SANITIZE:-1}" in
  0) sanitize=OFF ;;
  ubsan)
    sanitize=OFF
    extra=(-DCMAKE_C_FLAGS=-fsanitize=undefined -DCMAKE_CXX_FLAGS=-fsanitize=undefined
      -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=undefined)
    ;;
esac

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DROOMCAST_FUZZ=ON -DROOMCAST_SANITIZE="$sanitize" "${extra[@]}" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
rows=()
for name in "${targets[@]}"; do
  seeds="$root/tests/fuzz/corpus/$name"
  work="$build/corpus/$name"   # grows with what the fuzzer finds; the seeds stay untouched
  crashes="$build/crashes/$name"
  log="$build/logs/$name.log"
  mkdir -p "$work" "$crashes" "$(dirname "$log")"
  echo "== fuzz_$name: $runs runs (log: $log)"
  start=$(date +%s)
  limit=()
  if [[ -n "${FUZZ_DEADLINE:-}" ]]; then
    left=$(( ${#targets[@]} - ${#rows[@]} ))
    share=$(( (FUZZ_DEADLINE - start) / left ))
    (( share < 10 )) && share=10
    limit=(-max_total_time="$share")
    echo "   (at most ${share} s)"
  fi
  rc=0
  "$build/tests/fuzz_$name" -runs="$runs" -seed=1 -timeout=30 -print_final_stats=1 "${limit[@]}" \
    -artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  seconds=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  found=$(grep -c -E '^==[0-9]+==ERROR|^SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|deadly signal' "$log" || true)
  crash=0
  if [[ $rc -ne 0 || $found -ne 0 ]]; then
    crash=1
    failed=1
    echo "fuzz_$name CRASHED (exit $rc); input: $(ls -t "$crashes" | head -1); tail of the log:"
    tail -30 "$log"
  fi
  rows+=("$(printf '%-16s %12s %10s %8s %8s %8s' "$name" "${execs:-?}" "${rate:-?}" "$seconds" "$crash" \
    "$(find "$work" -type f | wc -l)")")
done
echo
printf '%-16s %12s %10s %8s %8s %8s\n' target executions execs/s seconds crashes corpus
printf '%s\n' "${rows[@]}"
exit "$failed"
