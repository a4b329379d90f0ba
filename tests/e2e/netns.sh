#!/usr/bin/env bash
# Runs CMD in a private network namespace with lo and a veth pair, because Janus never
# gathers ICE candidates on loopback. Usage: netns.sh CMD [ARGS...]; exits with CMD's code.
# A private PID namespace (when available) makes every process started inside die with CMD,
# so nothing (janus, chromium, python) outlives the test even after a timeout kill.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: netns.sh CMD [ARGS...]" >&2
  exit 2
fi

self="$(readlink -f "${BASH_SOURCE[0]}")"

if [[ "${ROOMCAST_NETNS_INSIDE:-}" != "1" ]]; then
  # Not inside yet: pick the strongest unshare flavour this kernel allows, then re-exec.
  for flags in "--net --pid --fork --kill-child --mount-proc" "--net --map-root-user --pid --fork --kill-child --mount-proc" \
               "--net" "--net --map-root-user"; do
    # shellcheck disable=SC2086
    if unshare $flags true 2>/dev/null; then
      export ROOMCAST_NETNS_INSIDE=1
      # shellcheck disable=SC2086
      exec unshare $flags "$self" "$@"
    fi
  done
  echo "netns.sh: cannot create a network namespace (unshare --net failed); run as root or enable user namespaces" >&2
  exit 2
fi

# Inside: the namespace starts with a down lo and nothing else.
ip link set lo up
ip link add rc0 type veth peer name rc1
ip addr add 10.77.0.1/24 dev rc0
ip addr add 10.77.0.2/24 dev rc1
ip link set rc0 up
ip link set rc1 up

# Run CMD as a child (not exec): if we are PID 1 of a PID namespace, PID 1 ignores signals
# it has no handler for, so forward them ourselves and reap orphans while waiting.
child=0
forward() { [[ $child -ne 0 ]] && kill -s "$1" "$child" 2>/dev/null || true; }
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP
# Job control on: a non-interactive shell starts background jobs with SIGINT/SIGQUIT ignored,
# which CMD and all its children would inherit (Python then never raises KeyboardInterrupt,
# publishers never see Ctrl-C). With -m the job keeps default dispositions (own process group).
set -m
"$@" &
child=$!
set +m
rc=0
while :; do
  wait "$child" && rc=0 || rc=$?
  # wait returns >128 when interrupted by a trapped signal; keep waiting while the child lives.
  if kill -0 "$child" 2>/dev/null; then continue; fi
  break
done
exit "$rc"
