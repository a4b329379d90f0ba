#!/usr/bin/python3
# The Debian package: `cpack -G DEB` from a build directory into a temporary directory; its
# name, Depends (janus, the runtime libraries, Python 3 and numpy when the module is built,
# each satisfied by what this machine has installed), the files `dpkg -c` lists; then unpacked
# with `dpkg -x` (nothing is installed on the machine): roomcast --version runs and, with the
# module, Debian's /usr/bin/python3 imports it. As root (and when no roomcast package is
# installed), also dpkg -i, the installed /usr/bin/roomcast --version, then dpkg --purge.
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

PY = "/usr/bin/python3"


class Failure(Exception):
    pass


def run(argv, env=None, timeout=300):
    p = subprocess.run([str(x) for x in argv], capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        raise Failure(f"{' '.join(map(str, argv))} exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.stdout


def installed_version(package):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}\t${Version}", package], capture_output=True, text=True)
    if p.returncode != 0 or "ok installed" not in p.stdout:
        return None
    return p.stdout.split("\t")[1]


def unsatisfied(depends):
    """The Depends clauses no installed package satisfies (alternatives: any one will do)."""
    bad = []
    for clause in [c.strip() for c in depends.split(",") if c.strip()]:
        ok = False
        for alt in clause.split("|"):
            m = re.match(r"\s*([a-z0-9.+-]+)(?::\w+)?\s*(?:\(\s*([<>=]+)\s*([^)\s]+)\s*\))?", alt)
            have = installed_version(m.group(1))
            if have and (not m.group(2) or subprocess.run(
                    ["dpkg", "--compare-versions", have, {"<<": "lt", "<=": "le", "=": "eq", ">=": "ge",
                                                           ">>": "gt"}[m.group(2)], m.group(3)]).returncode == 0):
                ok = True
        if not ok:
            bad.append(clause)
    return bad


def body(a, work):
    run(["nice", "-n", "10", "cpack", "-G", "DEB", "-B", work, "--config", os.path.join(a.build, "CPackConfig.cmake")],
        timeout=600)
    debs = [f for f in os.listdir(work) if f.endswith(".deb")]
    arch = run(["dpkg", "--print-architecture"]).strip()
    want_name = f"roomcast_{a.version}_{arch}.deb"
    if debs != [want_name]:
        raise Failure(f"cpack made {debs}, want [{want_name}]")
    deb = os.path.join(work, want_name)
    problems = []

    depends = run(["dpkg-deb", "-f", deb, "Depends"]).strip()
    names = {re.match(r"\s*([a-z0-9.+-]+)", c).group(1) for c in depends.replace("|", ",").split(",") if c.strip()}
    want_deps = {"janus", "libopus0", "libnice10", "libsrtp2-1"} | ({"python3", "python3-numpy"} if a.python else set())
    if not want_deps <= names:
        problems.append(f"Depends lacks {sorted(want_deps - names)}: {depends}")
    if not any(n.startswith("libavcodec") for n in names) or not any(n.startswith("libsoup-3") for n in names):
        problems.append(f"Depends lacks the FFmpeg or libsoup runtime libraries: {depends}")
    bad = unsatisfied(depends)
    if bad:
        problems.append(f"Depends not satisfiable here (a fresh Debian 12 has these packages): {bad}")

    listing = run(["dpkg-deb", "-c", deb])
    paths = [line.split()[-1].lstrip(".") for line in listing.splitlines()]
    want = ["/usr/bin/roomcast", "/usr/share/man/man1/roomcast.1", "/usr/include/roomcast/meeting.hpp",
            "/usr/include/roomcast/version.hpp", "/usr/lib/pkgconfig/roomcast.pc",
            "/usr/lib/cmake/roomcast/roomcastConfig.cmake", "/usr/lib/cmake/roomcast/roomcastConfigVersion.cmake"]
    problems += [f"dpkg -c: no {w}" for w in want if w not in paths]
    if not any(re.match(r"/usr/lib/(.*/)?libroomcast\.(a|so)$", p) for p in paths):
        problems.append("dpkg -c: no libroomcast")
    if a.python and not any(re.match(r"/usr/lib/python3/dist-packages/roomcast/_native\..*\.so$", p) for p in paths):
        problems.append("dpkg -c: no Python module under /usr/lib/python3/dist-packages/roomcast")
    private = [p for p in paths if p.startswith("/usr/include/") and not p.endswith("/")
               and not p.startswith("/usr/include/roomcast/")]
    if private:
        problems.append(f"dpkg -c: headers outside include/roomcast: {private}")

    root = os.path.join(work, "root")
    run(["dpkg", "-x", deb, root])
    version = run([os.path.join(root, "usr/bin/roomcast"), "--version"]).strip()
    if version != f"roomcast {a.version}":
        problems.append(f"unpacked roomcast --version: {version!r}")
    if a.python:
        out = run([PY, "-c", "import roomcast, sys; print(roomcast.__version__, roomcast.__file__)"],
                  env=dict(os.environ, PYTHONPATH=os.path.join(root, "usr/lib/python3/dist-packages"))).split()
        if out[0] != a.version or not out[1].startswith(root):
            problems.append(f"python3 imported {out}, want version {a.version} from the package")
    print(f"[deb] {want_name}: {len(paths)} entries; Depends: {depends}", file=sys.stderr)
    if problems:
        raise Failure("\n".join(problems))
    installed_run(a, deb)


def installed_run(a, deb):
    """dpkg -i, then the installed roomcast --version (and import), then dpkg --purge: only as
    root and when no roomcast package is installed already, so the machine ends as it was."""
    if os.geteuid() != 0 or installed_version("roomcast") is not None:
        print("[deb] dpkg -i skipped (not root, or a roomcast package is already installed)", file=sys.stderr)
        return
    try:
        # Without the man page: installing it would run man-db's index trigger (minutes on a busy
        # machine) twice; dpkg -c above already shows the page is in the package.
        run(["dpkg", "--path-exclude=/usr/share/man/*", "-i", deb], timeout=120)
        version = run(["/usr/bin/roomcast", "--version"]).strip()
        if version != f"roomcast {a.version}":
            raise Failure(f"installed /usr/bin/roomcast --version: {version!r}")
        if a.python:
            where = run([PY, "-c", "import roomcast; print(roomcast.__file__)"], env=dict(os.environ, PYTHONPATH="")).strip()
            if not where.startswith("/usr/lib/python3/dist-packages/roomcast/"):
                raise Failure(f"/usr/bin/python3 imported roomcast from {where}")
        print(f"[deb] dpkg -i: /usr/bin/roomcast --version -> {version}", file=sys.stderr)
    finally:
        subprocess.run(["dpkg", "--purge", "roomcast"], capture_output=True, timeout=120)
        if installed_version("roomcast") is not None or os.path.exists("/usr/bin/roomcast"):
            raise Failure("dpkg --purge roomcast left the package or /usr/bin/roomcast behind")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--python", action="store_true")
    a = ap.parse_args()
    for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} missing (Debian packages cmake, dpkg-dev)", file=sys.stderr)
            return 77
    work = tempfile.mkdtemp(prefix="roomcast-deb-")
    try:
        body(a, work)
        print("[deb] OK", file=sys.stderr)
        return 0
    except Failure as e:
        print(f"[deb] FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
