"""Real WireGuard in network namespaces for the tunnel tests: Debian's userspace
``wireguard-go`` (the kernel here has no wireguard module) and ``wg`` from wireguard-tools.

Each interface gets a name unique to the test run: wireguard-go's control socket is
``/run/wireguard/<name>.sock``, a file that network namespaces do not separate
(shared/docs/lab-notes.md), so a unique name keeps it apart from any other run's; ``wg`` in
the test's own namespace reaches the interface through that socket, as the conductor does.
Private keys exist only in memory and in 0600 files under the test's temp dir, handed to
``wg`` by path, never on a command line. Everything is stopped by PID and removed.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import uuid

from tests.functional import netns

WG = shutil.which("wg") or "/usr/bin/wg"
WIREGUARD_GO = shutil.which("wireguard-go") or "/usr/bin/wireguard-go"
SOCKET_DIR = "/run/wireguard"


def missing_tools():
    return [p for p in (WG, WIREGUARD_GO, netns.IP) if not p or not os.access(p, os.X_OK)]


def genkey():
    """(private, public) — the private key only ever in this process and 0600 files."""
    private = subprocess.run([WG, "genkey"], capture_output=True, text=True,
                             check=True).stdout.strip()
    public = subprocess.run([WG, "pubkey"], input=private + "\n", capture_output=True,
                            text=True, check=True).stdout.strip()
    return private, public


def unique(prefix):
    return "%s%s" % (prefix, uuid.uuid4().hex[:10])  # at most 15 characters


def dump(interface):
    """``wg show <if> dump`` → (interface fields, {public key: peer fields dict})."""
    out = netns.run([WG, "show", interface, "dump"]).stdout.splitlines()
    iface = out[0].split("\t")
    peers = {}
    for line in out[1:]:
        key, _psk, endpoint, allowed, handshake, rx, tx, keepalive = line.split("\t")
        peers[key] = {"endpoint": endpoint, "allowed_ips": allowed,
                      "latest_handshake": int(handshake), "rx": int(rx), "tx": int(tx),
                      "keepalive": keepalive}
    return {"public_key": iface[1], "listen_port": int(iface[2])}, peers


class Interface:
    """A wireguard-go interface ``name`` in namespace ``ns``, with its private key set."""

    def __init__(self, ns, name, workdir, address, private_key, listen_port=None):
        self.ns, self.name, self.address = ns, name, address
        self.key_file = os.path.join(workdir, "%s.key" % name)
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(private_key + "\n")
        self.listen_port = listen_port
        self.proc = None

    @property
    def socket(self):
        return os.path.join(SOCKET_DIR, "%s.sock" % self.name)

    def start(self):
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1")
        self.proc = subprocess.Popen(netns.in_ns(self.ns, [WIREGUARD_GO, self.name]), env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        netns.wait_for(lambda: os.path.exists(self.socket) or self.proc.poll() is not None,
                       10, "wireguard-go %s" % self.name)
        assert self.proc.poll() is None, "wireguard-go %s exited" % self.name
        args = ["set", self.name, "private-key", self.key_file]
        if self.listen_port:
            args += ["listen-port", str(self.listen_port)]
        netns.run([WG, *args])
        netns.run([netns.IP, "-n", self.ns, "addr", "add", self.address, "dev", self.name])
        netns.run([netns.IP, "-n", self.ns, "link", "set", self.name, "up"])
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.key_file)


class Wan:
    """Namespaces ``<prefix>c`` (controller) and ``<prefix>e`` (edge) joined by a veth "WAN"
    link, 192.0.2.1 <-> 192.0.2.2 (TEST-NET-1), only inside them."""

    CONTROLLER_WAN, EDGE_WAN = "192.0.2.1", "192.0.2.2"

    def __init__(self):
        prefix = unique("ewwg")[:12]
        self.ctl, self.edge = prefix + "c", prefix + "e"
        self.socket_dir_existed = os.path.isdir(SOCKET_DIR)
        self.interfaces = []

    def create(self):
        for ns in (self.ctl, self.edge):
            netns.run([netns.IP, "netns", "add", ns])
            netns.run([netns.IP, "-n", ns, "link", "set", "lo", "up"])
        netns.run([netns.IP, "link", "add", "name", "wan0", "netns", self.ctl, "type", "veth",
                   "peer", "name", "wan0", "netns", self.edge])
        for ns, addr in ((self.ctl, self.CONTROLLER_WAN), (self.edge, self.EDGE_WAN)):
            netns.run([netns.IP, "-n", ns, "addr", "add", addr + "/24", "dev", "wan0"])
            netns.run([netns.IP, "-n", ns, "link", "set", "wan0", "up"])
        return self

    def interface(self, *args, **kwargs):
        iface = Interface(*args, **kwargs)
        self.interfaces.append(iface)
        return iface.start()

    def ping(self, ns, address, count=1):
        # busybox's ping (iputils-ping is not in .ci/install); traffic stays in the netns
        argv = netns.in_ns(ns, [netns.BUSYBOX, "ping", "-c", str(count), "-W", "2", address])
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=30).returncode == 0

    def delete(self):
        for iface in self.interfaces:
            iface.stop()
        for ns in (self.ctl, self.edge):
            if os.path.exists("/run/netns/" + ns):
                netns.run([netns.IP, "netns", "del", ns], check=False)
        if not self.socket_dir_existed:
            with contextlib.suppress(OSError):
                os.rmdir(SOCKET_DIR)  # only if empty: another run's sockets stay
