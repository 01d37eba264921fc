"""Builds real Kubernetes v1.20.2 binaries (and a crictl stand-in) from Debian bookworm's source
package, offline.

    python -m tests.lab build-kube        (the real-control-plane fixtures call ensure() themselves)

Debian bookworm's ``kubernetes`` source package is the full upstream v1.20.2 tree with its vendor/
directory; Debian itself builds only kubectl from it.  The recipe (docs/lab.md, "The real control
plane"): fetch the source with ``apt-get source`` through a private apt configuration (the machine's
apt sources stay as they are), build in GOPATH mode with bookworm's Go, ``make gen_openapi`` first,
vendored modern-go/reflect2 1.0.1 replaced by Debian's 1.0.2 (1.0.1 segfaults under Go >= 1.18),
and the version stamped into both version packages.  The binaries are cached under LAB_CACHE by a
key of the recipe's inputs; a warm call returns at once.

The same tree also builds ``crictl``: a stand-in (tests/lab/payload/crictl/main.go) on the kubelet's
vendored CRI client, because cri-tools is not in Debian and no Go module proxy is reachable.  The Go
build cache (``gocache``) is kept, so a changed recipe (e.g. an edited stand-in) relinks in about a
minute instead of a cold build; LAB_DROP_GOCACHE=1 drops it after a build.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.lab import config

SOURCE_PACKAGE = "kubernetes"
SOURCE_VERSION = "1.20.5+really1.20.2-1.1+deb12u1"
REFLECT2_PACKAGE = "golang-github-modern-go-reflect2-dev"
REFLECT2_VERSION = "1.0.2-2"
GIT_VERSION = "v1.20.2"
GIT_COMMIT = "faecb196815e248d3ecfb03c680a4507229c2a56"
COMMANDS = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kubeadm",
    "kubectl",
)
#: The crictl stand-in: its source, where it goes in the tree, and the binary's name.
CRICTL_SOURCE = Path(__file__).parent / "payload" / "crictl"
CRICTL_PACKAGE = "cmd/edgelab-crictl"
TOOLS = ("crictl",)
#: Builds of other recipes are removed once they have not been (re)built for this long.
STALE_BUILD_S = 2 * 24 * 3600
VERSION_PACKAGES = (
    "k8s.io/kubernetes/vendor/k8s.io/component-base/version",
    "k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version",
)
BUILD_ENV = {"GO111MODULE": "off", "GOPROXY": "off", "CGO_ENABLED": "0", "GOFLAGS": ""}
GO_PARALLEL = "2"
HEARTBEAT_S = 15.0

KUBE_DIR = config.CACHE_DIR / "kube"


def _go_version():
    try:
        out = subprocess.run(["go", "version"], capture_output=True, text=True, check=True)
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        raise config.LabUnavailable(
            "building Kubernetes needs bookworm's Go: apt-get install -y golang-go make rsync "
            f"dpkg-dev ({exc})"
        ) from exc
    return out.stdout.strip()


def _crictl_digest():
    digest = hashlib.sha256()
    for path in sorted(CRICTL_SOURCE.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(CRICTL_SOURCE).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def recipe():
    """Everything that decides the binaries; its hash is the cache key."""
    return {
        "source": f"{SOURCE_PACKAGE}={SOURCE_VERSION}",
        "reflect2": f"{REFLECT2_PACKAGE}={REFLECT2_VERSION}",
        "go": _go_version(),
        "commands": list(COMMANDS),
        "crictl": {"package": CRICTL_PACKAGE, "sha256": _crictl_digest()},
        "env": BUILD_ENV,
        "ldflags": _ldflags("<date>"),
        "steps": [
            "apt-get source",
            "dpkg-source -x",
            "reflect2 1.0.2",
            "make gen_openapi",
            "go build crictl stand-in",
            "go build",
        ],
    }


def cache_key():
    blob = json.dumps(recipe(), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _ldflags(build_date):
    values = {
        "gitVersion": GIT_VERSION,
        "gitMajor": "1",
        "gitMinor": "20",
        "gitCommit": GIT_COMMIT,
        "gitTreeState": "archive",
        "buildDate": build_date,
    }
    flags = ["-s", "-w"]
    for package in VERSION_PACKAGES:
        flags += [f"-X '{package}.{name}={value}'" for name, value in values.items()]
    return " ".join(flags)


def bin_dir(key=None):
    return KUBE_DIR / (key or cache_key()) / "bin"


def cached(key=None):
    """The bin directory if a complete build for this recipe is cached, else None."""
    out = bin_dir(key)
    if (out.parent / "build.json").exists() and all((out / c).is_file() for c in COMMANDS + TOOLS):
        return out
    return None


def ensure(log=sys.stderr):
    """Return the bin directory holding COMMANDS, building them first on a cold cache."""
    key = cache_key()
    if cached(key):
        return bin_dir(key)
    KUBE_DIR.mkdir(parents=True, exist_ok=True)
    with open(KUBE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cached(key):  # another process may have built it while we waited
            _Build(key, log).run()
    return bin_dir(key)


def ensure_source(log=sys.stderr):
    """The upstream tarball of the source package in KUBE_DIR/src (kept after builds), fetched
    through the build's private apt configuration if it is not there yet.  images.py reads
    build/pause from it."""
    orig = KUBE_DIR / "src" / f"{SOURCE_PACKAGE}_{SOURCE_VERSION.split('-')[0]}.orig.tar.gz"
    if orig.exists():
        return orig
    KUBE_DIR.mkdir(parents=True, exist_ok=True)
    with open(KUBE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not orig.exists():
            fetch = _Build("source", log)
            shutil.rmtree(fetch.work, ignore_errors=True)
            fetch.work.mkdir(parents=True)
            fetch.downloads.mkdir(exist_ok=True)
            try:
                fetch._step("download source", fetch._fetch_source)
            finally:
                shutil.rmtree(fetch.work, ignore_errors=True)
    if not orig.exists():
        raise RuntimeError(f"build-kube: apt-get source did not leave {orig}")
    return orig


class _Build:
    def __init__(self, key, log):
        self.key, self.log = key, log
        self.work = KUBE_DIR / "work"
        self.downloads = KUBE_DIR / "src"  # kept: the 34 MB source is checked by apt on reuse
        self.gopath = self.work / "gopath"
        self.tree = self.gopath / "src" / "k8s.io" / "kubernetes"
        self.gocache = KUBE_DIR / "gocache"
        self.build_log = KUBE_DIR / "build.log"
        self.phase, self.started, self.timings = "start", time.monotonic(), {}

    def say(self, text):
        elapsed = time.monotonic() - self.started
        print(f"build-kube [{elapsed:5.0f} s] {text}", file=self.log, flush=True)

    def _heartbeat(self, done):
        while not done.wait(HEARTBEAT_S):
            self.say(f"still working: {self.phase} (log: {self.build_log})")

    def run(self):
        self.say(
            f"building Kubernetes {GIT_VERSION} ({', '.join(COMMANDS)}) from Debian's source "
            f"package {SOURCE_VERSION}; a cold build takes 10-20 minutes on 2 cores"
        )
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.downloads.mkdir(exist_ok=True)
        self.build_log.write_text("")
        done = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(done,), daemon=True)
        beat.start()
        try:
            self._step("download source", self._fetch_source)
            self._step("unpack source", self._unpack)
            self._step("reflect2 1.0.2", self._replace_reflect2)
            self._step("make gen_openapi", self._gen_openapi)
            self._step("go build crictl stand-in", self._go_build_crictl)
            self._step("go build", self._go_build)
        finally:
            done.set()
            beat.join()
        self._finish()

    def _step(self, phase, func):
        self.phase = phase
        self.say(f"phase: {phase}")
        t0 = time.monotonic()
        func()
        self.timings[phase] = round(time.monotonic() - t0, 1)

    def _cmd(self, argv, cwd=None, env=None):
        with open(self.build_log, "a") as out:
            out.write(f"$ {' '.join(map(str, argv))}\n")
            out.flush()
            proc = subprocess.run(
                [str(a) for a in argv],
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
            )
        if proc.returncode != 0:
            tail = self.build_log.read_text()[-3000:]
            raise RuntimeError(f"build-kube: {self.phase} failed (rc={proc.returncode}):\n{tail}")

    def _apt_options(self):
        """apt options that read only a private deb-src list, with private lists and caches."""
        apt = self.work / "apt"
        (apt / "sources.list.d").mkdir(parents=True)
        (apt / "lists" / "partial").mkdir(parents=True)
        (apt / "cache" / "archives" / "partial").mkdir(parents=True)
        (apt / "sources.list").write_text("")
        (apt / "sources.list.d" / "bookworm-src.sources").write_text(
            f"Types: deb-src\nURIs: {config.debian_mirror()}\nSuites: {config.DEBIAN_SUITE}\n"
            "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        )
        options = {
            "Dir::Etc::SourceList": apt / "sources.list",
            "Dir::Etc::SourceParts": apt / "sources.list.d",
            "Dir::State::Lists": apt / "lists",
            "Dir::Cache": apt / "cache",
            "Debug::NoLocking": "1",
        }
        return [arg for k, v in options.items() for arg in ("-o", f"{k}={v}")]

    def _fetch_source(self):
        before = machine_apt_state()
        options = self._apt_options()
        self._cmd(["apt-get", *options, "-qq", "update"])
        self._cmd(
            [
                "apt-get",
                *options,
                "source",
                "--download-only",
                f"{SOURCE_PACKAGE}={SOURCE_VERSION}",
            ],
            cwd=self.downloads,
        )
        # The binary reflect2 package comes from the machine's own (unchanged) apt lists.
        self._cmd(
            ["apt-get", "download", f"{REFLECT2_PACKAGE}={REFLECT2_VERSION}"], cwd=self.downloads
        )
        if machine_apt_state() != before:
            raise RuntimeError("build-kube: the machine's apt sources or lists changed")

    def _unpack(self):
        self.tree.parent.mkdir(parents=True)
        dsc = self.downloads / f"{SOURCE_PACKAGE}_{SOURCE_VERSION}.dsc"
        self._cmd(["dpkg-source", "--no-check", "-x", dsc, self.tree])

    def _replace_reflect2(self):
        deb = next(self.downloads.glob(f"{REFLECT2_PACKAGE}_{REFLECT2_VERSION}_*.deb"))
        extracted = self.work / "reflect2"
        self._cmd(["dpkg-deb", "-x", deb, extracted])
        src = extracted / "usr/share/gocode/src/github.com/modern-go/reflect2"
        dst = self.tree / "vendor/github.com/modern-go/reflect2"
        shutil.rmtree(dst)
        dst.mkdir()
        for path in src.iterdir():
            if path.suffix in (".go", ".s") and not path.name.endswith("_test.go"):
                shutil.copy2(path, dst / path.name)
        if not (dst / "go_above_118.go").exists():
            raise RuntimeError(f"build-kube: {deb.name} has no go_above_118.go; not reflect2 1.0.2")

    def _go_env(self):
        return {**BUILD_ENV, "GOPATH": str(self.gopath), "GOCACHE": str(self.gocache)}

    def _gen_openapi(self):
        self._cmd(["make", "gen_openapi"], cwd=self.tree, env=self._go_env())

    def _partial(self):
        return KUBE_DIR / self.key / "bin.partial"

    def _go_build_crictl(self):
        """The stand-in first: small, so a mistake in it fails in seconds, not after the rest."""
        out = self._partial()
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        shutil.copytree(CRICTL_SOURCE, self.tree / CRICTL_PACKAGE)
        self._cmd(
            ["go", "build", "-p", GO_PARALLEL, "-ldflags", "-s -w", "-o", out / "crictl"]
            + [f"./{CRICTL_PACKAGE}"],
            cwd=self.tree,
            env=self._go_env(),
        )

    def _go_build(self):
        out = self._partial()
        date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._cmd(
            [
                "go",
                "build",
                "-p",
                GO_PARALLEL,
                "-ldflags",
                _ldflags(date),
                "-o",
                f"{out}/",
                *[f"./cmd/{c}" for c in COMMANDS],
            ],
            cwd=self.tree,
            env=self._go_env(),
        )

    def _finish(self):
        final = KUBE_DIR / self.key
        (final / "bin.partial").rename(final / "bin")
        sizes = {c: (final / "bin" / c).stat().st_size for c in COMMANDS + TOOLS}
        record = {
            "key": self.key,
            "recipe": recipe(),
            "timings_s": self.timings,
            "total_s": round(time.monotonic() - self.started, 1),
            "sizes": sizes,
        }
        (final / "build.json").write_text(json.dumps(record, indent=2) + "\n")
        # Disk: keep the binaries, the source download and the Go cache (1.6 GB; a relink after
        # a recipe change then takes about a minute), drop the tree and builds of other recipes
        # not built for STALE_BUILD_S (other checkouts on the machine may still use them).
        shutil.rmtree(self.work, ignore_errors=True)
        if os.environ.get("LAB_DROP_GOCACHE") == "1":
            shutil.rmtree(self.gocache, ignore_errors=True)
        now = time.time()
        for other in KUBE_DIR.iterdir():
            if not other.is_dir() or other.name in (self.key, "src", "gocache", "work"):
                continue
            other_record = other / "build.json"
            built = other_record.stat().st_mtime if other_record.exists() else 0
            if now - built > STALE_BUILD_S:
                shutil.rmtree(other, ignore_errors=True)
        self.say(f"done in {record['total_s']} s: {final / 'bin'}")


def machine_apt_state():
    """The machine's apt sources and package lists (path, size, mtime): the build must not
    change them."""
    state = []
    for top in (Path("/etc/apt"), Path("/var/lib/apt/lists")):
        for path in sorted(top.rglob("*")):
            if path.is_file() and path.name != "lock":
                stat = path.stat()
                state.append((str(path), stat.st_size, stat.st_mtime_ns))
    return state


def build_record(key=None):
    path = KUBE_DIR / (key or cache_key()) / "build.json"
    return json.loads(path.read_text()) if path.exists() else None
