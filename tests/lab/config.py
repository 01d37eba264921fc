"""Paths, network constants and the requirement checks shared by every lab module."""

import os
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

#: Everything cached between runs (base roots, layers, keys) lives here.
CACHE_DIR = Path(os.environ.get("LAB_CACHE", "/var/cache/sysinv-edgeworker-lab"))
#: Everything belonging to one running lab (overlays, pid files, server state) lives here.
RUN_DIR = Path(os.environ.get("LAB_RUN", str(CACHE_DIR / "run")))
#: One lab runs per machine (one bridge, one subnet, the same netns names), whatever LAB_CACHE is:
#: the run lock is machine-wide, in /run/lock (tmpfs, emptied at boot).
LOCK_FILE = Path(os.environ.get("LAB_LOCK", "/run/lock/sysinv-edgeworker-lab.lock"))
#: Seconds between "still ..." progress lines of a long build step.
HEARTBEAT_S = float(os.environ.get("LAB_HEARTBEAT", "10"))

BRIDGE = "br-edgelab"
SUBNET_PREFIX = "198.18.0"  # RFC 2544 benchmarking range, never routed
PREFIX_LEN = 24
BRIDGE_IP = f"{SUBNET_PREFIX}.1"
FIRST_HOST_OCTET = 10
REPO_PORT = 8080
API_PORT = 6443
NETNS_PREFIX = "edgelab-"
VETH_PREFIX = "vel-"

DEBIAN_SUITE = "bookworm"
SOURCES_FILE = Path("/etc/apt/sources.list.d/debian.sources")

#: Host commands the lab needs, and the Debian package that ships each.
REQUIRED_COMMANDS = {
    "debootstrap": "debootstrap",
    "systemd-nspawn": "systemd-container",
    "rpmbuild": "rpm",
    "rpmsign": "rpm",
    "createrepo_c": "createrepo-c",
    "dpkg-deb": "dpkg",
    "apt-ftparchive": "apt-utils",
    "gpg": "gnupg",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
    "ip": "iproute2",
    "unshare": "util-linux",
    "nsenter": "util-linux",
}


class LabUnavailable(RuntimeError):
    """The machine cannot run the lab (not root, a tool missing); the message says why."""


def check_requirements():
    """Raise LabUnavailable with a helpful message unless this machine can run the lab."""
    if os.geteuid() != 0:
        raise LabUnavailable(
            "the provisioning lab needs root: it creates network namespaces, a bridge, overlayfs "
            "mounts and runs chroot/systemd-nspawn (run the lab tests as root, e.g. in CI)"
        )
    missing = sorted({pkg for cmd, pkg in REQUIRED_COMMANDS.items() if shutil.which(cmd) is None})
    if missing:
        raise LabUnavailable(
            "missing host packages for the lab: apt-get install -y " + " ".join(missing)
        )


def debian_mirror(sources=SOURCES_FILE):
    """The Debian mirror URL this machine's own apt configuration uses for the main archive."""
    candidates = [Path(sources)] if Path(sources).exists() else []
    candidates += sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in candidates:
        for stanza in path.read_text().split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.lstrip().startswith("#"):
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.strip()
            suites = fields.get("suites", "").split()
            if "deb" in fields.get("types", "").split() and DEBIAN_SUITE in suites:
                return fields["uris"].split()[0].rstrip("/")
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        for line in legacy.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and DEBIAN_SUITE in parts:
                url = [p for p in parts[1:] if not p.startswith("[")][0]
                return url.rstrip("/")
    raise LabUnavailable(f"no apt source for Debian {DEBIAN_SUITE} found in /etc/apt")


def progress(message):
    """One `[lab] ...` progress line on stderr: stdout carries only the commands' JSON/YAML."""
    print(f"[lab] {message}", file=sys.stderr, flush=True)


@contextmanager
def heartbeat(what, every=None):
    """Print `[lab] still <what> (N s)` every few seconds until the block ends."""
    every = HEARTBEAT_S if every is None else every
    done = threading.Event()
    started = time.monotonic()

    def beat():
        while not done.wait(every):
            progress(f"still {what} ({time.monotonic() - started:.0f} s)")

    thread = threading.Thread(target=beat, name="lab-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
