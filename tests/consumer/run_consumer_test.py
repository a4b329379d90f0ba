#!/usr/bin/python3
# The installed tree, as a user gets it (inside tests/e2e/netns.sh):
#   `cmake --install BUILD --prefix P`: the CLI (--version), its man page made from its --help
#   texts, libroomcast, public headers only, the CMake package and roomcast.pc (and the Python
#   package when built); then tests/consumer built against P twice, with find_package(roomcast)
#   and with pkg-config, neither seeing a private dependency's headers; the find_package build
#   publishes a 441 Hz file into `roomcast server` (the installed one) and aiortc hears it.
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(HERE, "..", "e2e")
sys.path.insert(0, E2E)
from e2e_util import (PY, Failure, Proc, become_subreaper, guarded_then_clean, json_lines, log,  # noqa: E402
                      need, private_tmpdir, start_roomcast_server)

PUBLIC_HEADERS = {"audio_track.hpp", "error.hpp", "events.hpp", "file_media.hpp", "media_recorder.hpp", "meeting.hpp", "meeting_config.hpp", "meeting_stats.hpp",
                  "pubsub.hpp", "push_audio_track.hpp", "push_video_track.hpp", "roomcast.hpp", "version.hpp", "video_sink.hpp",
                  "video_track.hpp"}
PRIVATE_DIRS = ("glib-2.0", "/nice", "libsoup", "/opus", "srtp2", "openssl", "libav")


def run(argv, timeout=300, env=None, cwd=None):
    argv = [str(x) for x in argv]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    if p.returncode != 0:
        raise Failure(f"{' '.join(argv)} exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.stdout


def installed_layout(a, prefix, problems):
    files = set()
    for root, _, names in os.walk(prefix):
        for n in names:
            files.add(os.path.relpath(os.path.join(root, n), prefix))
    libdir = next((os.path.dirname(f) for f in files if re.search(r"(^|/)libroomcast\.(a|so)$", f)), None)
    if not libdir:
        problems.append("no libroomcast.a or libroomcast.so installed")
        return None
    if a.shared:
        sonames = [f for f in files if re.search(r"libroomcast\.so\.\d+\.\d+$", f)]
        if not sonames:
            problems.append("shared build: no libroomcast.so.MAJOR.MINOR (versioned SONAME)")
    want = ["bin/roomcast", f"{libdir}/cmake/roomcast/roomcastConfig.cmake",
            f"{libdir}/cmake/roomcast/roomcastConfigVersion.cmake", f"{libdir}/cmake/roomcast/roomcastTargets.cmake",
            f"{libdir}/pkgconfig/roomcast.pc", "share/man/man1/roomcast.1"]
    want += [f"include/roomcast/{h}" for h in PUBLIC_HEADERS]
    problems += [f"not installed: {w}" for w in want if w not in files]
    headers = {f for f in files if f.startswith("include/")}
    extra = sorted(h for h in headers if os.path.dirname(h) != "include/roomcast" or
                   os.path.basename(h) not in PUBLIC_HEADERS)
    if extra:
        problems.append(f"headers beyond the public API installed: {extra}")
    if a.python:
        if not any(re.match(r"lib/python3/dist-packages/roomcast/_native\..*\.so$", f) for f in files):
            problems.append("the Python module is not installed under lib/python3/dist-packages/roomcast")
    log(f"installed {len(files)} files; library in {libdir}")
    return libdir


def check_cli_and_man(a, prefix, problems):
    roomcast = os.path.join(prefix, "bin", "roomcast")
    version = run([roomcast, "--version"]).strip()
    if version != f"roomcast {a.version}":
        problems.append(f"roomcast --version printed {version!r}, want 'roomcast {a.version}'")
    page = open(os.path.join(prefix, "share/man/man1/roomcast.1")).read()
    for command in ("publish", "listen", "server", "load", "report"):
        if f".SH {command.upper()}" not in page:
            problems.append(f"man page has no {command.upper()} section")
        # Every option line of the command's help is in the page (roff escapes the backslash only).
        for line in run([roomcast, command, "--help"]).splitlines():
            if line.strip().startswith("--") and line.replace("\\", "\\e") not in page:
                problems.append(f"man page lacks the {command} help line {line.strip()!r}")
                break


def build_consumers(a, prefix, libdir, work, problems):
    """Both builds; returns the find_package one's binary."""
    build = os.path.join(work, "consumer-cmake")
    run(["cmake", "-S", HERE, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}",
         "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DCMAKE_BUILD_TYPE="])  # no optimisation: quick
    run(["nice", "-n", "10", "cmake", "--build", build, "-j2"])
    command = json.load(open(os.path.join(build, "compile_commands.json")))[0]["command"]
    leaked = [d for d in PRIVATE_DIRS if d in command]
    if leaked:
        problems.append(f"find_package consumer compiles with private include paths ({leaked}): {command}")

    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, libdir, "pkgconfig"))
    cflags = run(["pkg-config", "--cflags", "roomcast"], env=env).split()
    want = [f"-I{os.path.join(prefix, 'include')}"]
    if [os.path.normpath(f[2:]) for f in cflags] != [os.path.normpath(w[2:]) for w in want]:
        problems.append(f"pkg-config --cflags roomcast gave {cflags}, want {want} only")
    libs = run(["pkg-config", "--libs", "roomcast"], env=env).split()
    if a.shared:  # a user would install to a directory the loader searches; this prefix is not one
        libs.append(f"-Wl,-rpath,{os.path.join(prefix, libdir)}")
    binary = os.path.join(work, "consumer-pkgconfig")
    run(["nice", "-n", "10", "c++", "-std=c++20", "-O0", os.path.join(HERE, "consumer.cpp"), *cflags, "-o", binary,
         *libs])
    out = run([binary, "--version"]).strip()
    log(f"pkg-config build: {' '.join(cflags)} | {' '.join(libs)} -> {out}")
    return os.path.join(build, "consumer")


def publish(prefix, consumer, work, problems):
    tmp, env = private_tmpdir(work)
    media = os.path.join(work, "tone.mp4")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=441:sample_rate=44100:duration=4", "-c:a", "aac", media], check=True, timeout=60)
    server, url = start_roomcast_server(os.path.join(prefix, "bin", "roomcast"), env, 1234)
    try:
        listener = Proc("aiortc", [PY, os.path.join(E2E, "aiortc_listener.py"), "--url", url, "--room", 1234,
                                   "--seconds", 8, "--timeout", 30], env=env)
        listener.wait_line(r"ready:", 45, "err")
        program = Proc("consumer", [consumer, media, url, 1234], env=env)
        rc = program.wait(40)
        lrc = listener.wait(60)
        figures = (json_lines(listener.out) or [{}])[-1]
        if rc != 0 or "left: end of stream" not in program.out:
            problems.append(f"consumer exited {rc}, output {program.out}")
        if lrc != 0 or abs(figures.get("dominantHz", 0) - 441) > 1 or figures.get("heardSeconds", 0) < 2.5:
            problems.append(f"aiortc heard {figures} (exit {lrc}), want 441 +- 1 Hz for the 4 s file")
        log(f"consumer published; aiortc heard {figures.get('dominantHz')} Hz for {figures.get('heardSeconds')} s")
        server.stop(15)
    finally:
        server.terminate()


def body(a, work):
    prefix = os.path.join(work, "prefix")
    run(["cmake", "--install", a.build, "--prefix", prefix])
    problems = []
    libdir = installed_layout(a, prefix, problems)
    check_cli_and_man(a, prefix, problems)
    if a.python:
        out = run([PY, "-c", "import roomcast; print(roomcast.__version__)"],
                  env=dict(os.environ, PYTHONPATH=os.path.join(prefix, "lib/python3/dist-packages"))).strip()
        if out != a.version:
            problems.append(f"installed Python module reports {out!r}, want {a.version}")
    if problems:
        raise Failure("\n".join(problems))
    consumer = build_consumers(a, prefix, libdir, work, problems)
    if problems:
        raise Failure("\n".join(problems))
    publish(prefix, consumer, work, problems)
    if problems:
        raise Failure("\n".join(problems))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="the roomcast build directory to install from")
    ap.add_argument("--version", required=True)
    ap.add_argument("--python", action="store_true", help="the build has the Python module")
    ap.add_argument("--shared", action="store_true", help="the build's library is shared")
    a = ap.parse_args()
    if os.environ.get("ROOMCAST_NETNS_INSIDE") != "1":
        print("run this under tests/e2e/netns.sh", file=sys.stderr)
        return 2
    need(["/usr/bin/janus", "ffmpeg", "pkg-config", "c++", "ninja", PY])
    become_subreaper()
    with tempfile.TemporaryDirectory(prefix="roomcast-consumer-", ignore_cleanup_errors=True) as work:
        return guarded_then_clean(body, a, work)


if __name__ == "__main__":
    sys.exit(main())
