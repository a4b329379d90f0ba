#!/usr/bin/env bash
# Installs everything roomcast needs to build, test and run its demo on Debian 12 (as root).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build pkg-config git
  ccache                                   # a clean clone rebuilds from the machine's compiler cache
  libavformat-dev libavcodec-dev libswresample-dev libswscale-dev libavutil-dev libopus-dev
  libvpx-dev
  libnice-dev libssl-dev libsrtp2-dev libsoup-3.0-dev libglib2.0-dev nlohmann-json3-dev
  libusrsctp-dev                           # SCTP for data channels (usrsctp, as Janus and Firefox)
  libgtest-dev
  python3-dev python3-pybind11 doxygen dpkg-dev file   # Python module, API docs, the .deb
  janus                                    # the meeting server (embedded default)
  chromium nodejs npm                      # the browser listener in tests and the demo
  python3-aiortc python3-aiohttp python3-numpy   # the reference peer
  ffmpeg iproute2 util-linux procps nftables  # test media, network namespaces, loss on the test link
  espeak-ng                                # speech piped into `roomcast publish -` (e2e_player)
  coturn                                   # the TURN server of the e2e_turn_* tests (started by them)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere on this machine; only ask apt when they are absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The e2e tests start their own coturn in their namespaces; Debian's package would also run one
# system-wide on port 3478 where systemd starts services: not wanted on a build machine.
if command -v systemctl >/dev/null && systemctl is-enabled --quiet coturn 2>/dev/null; then
  systemctl disable --now coturn >/dev/null 2>&1 || true
fi

# playwright-core drives Debian's /usr/bin/chromium; it downloads no browser. express & co. are
# what simple-whip-server needs (below).
if [[ ! -d "$here/tests/e2e/node_modules/playwright-core" || ! -d "$here/tests/e2e/node_modules/express" ]]; then
  (cd "$here/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Debian's simple-whip-server (Meetecho's WHIP server in front of Janus) for the e2e_whip_*
# tests: unpacked, not installed, since its node-* dependencies conflict with a Node from
# elsewhere; the tests run its server.js with the Node modules above and a config of their own.
whip_dir="$here/tests/e2e/simple-whip-server"
if [[ ! -f "$whip_dir/usr/share/simple-whip-server/src/server.js" ]]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download simple-whip-server >/dev/null 2>&1 && dpkg-deb -x simple-whip-server_*.deb "$whip_dir")
  rm -rf "$tmp"
fi
echo "install-deps: done"
