"""Network namespaces, a real dnsmasq and a busybox udhcpc client for the DHCP end-to-end test.

Two namespaces joined by one veth pair: the "controller" side carries the server address and
runs dnsmasq, the "client" side has no address at all; each DHCP client run first sets the
client interface's MAC. Nothing is created in the machine's own namespace (the veth ends are
created directly inside the namespaces), there is no default route anywhere, and every
process is stopped by its PID.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path


def _tool(name):
    for directory in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


IP = _tool("ip")
DNSMASQ = _tool("dnsmasq")
BUSYBOX = _tool("busybox")


def missing_tools():
    return [name for name, path in (("ip", IP), ("dnsmasq", DNSMASQ), ("busybox", BUSYBOX))
            if path is None]


def run(args, timeout=10, check=True):
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError("%s failed (%s): %s" % (" ".join(args), out.returncode,
                                                     out.stderr.strip()))
    return out


def in_ns(ns, args):
    return [IP, "netns", "exec", ns, *args]


def netns_list():
    out = run([IP, "netns", "list"], check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.split()]


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


class VethPair:
    """Namespaces ``<prefix>-ctl`` and ``<prefix>-cli`` joined by ``ctl0`` <-> ``cli0``."""

    def __init__(self, prefix, server_cidr):
        self.ctl, self.cli = prefix + "-ctl", prefix + "-cli"
        self.ctl_if, self.cli_if = "ctl0", "cli0"
        self.server_cidr = server_cidr

    def create(self):
        for ns in (self.ctl, self.cli):
            run([IP, "netns", "add", ns])
        run([IP, "link", "add", "name", self.ctl_if, "netns", self.ctl, "type", "veth",
             "peer", "name", self.cli_if, "netns", self.cli])
        run([IP, "-n", self.ctl, "addr", "add", self.server_cidr, "dev", self.ctl_if])
        for ns, link in ((self.ctl, self.ctl_if), (self.cli, self.cli_if)):
            run([IP, "-n", ns, "link", "set", "lo", "up"])
            run([IP, "-n", ns, "link", "set", link, "up"])
        return self

    def set_client_mac(self, mac):
        run([IP, "-n", self.cli, "link", "set", self.cli_if, "down"])
        run([IP, "-n", self.cli, "link", "set", self.cli_if, "address", mac])
        run([IP, "-n", self.cli, "link", "set", self.cli_if, "up"])
        wait_for(lambda: "LOWER_UP" in run([IP, "-n", self.cli, "link", "show",
                                            self.cli_if]).stdout,
                 5, "carrier on %s" % self.cli_if)

    def routes(self):
        """Every IPv4 route of both namespaces (for the no-default-route check)."""
        return {ns: run([IP, "-n", ns, "-4", "route", "show", "table", "all"]).stdout
                for ns in (self.ctl, self.cli)}

    def delete(self):
        """Delete both namespaces (which deletes the veth pair); idempotent."""
        for ns in (self.ctl, self.cli):
            if os.path.exists("/run/netns/" + ns):
                run([IP, "netns", "del", ns], check=False)

    def names(self):
        return [self.ctl, self.cli]


class Dnsmasq:
    """A foreground dnsmasq (``-k``) in a namespace: DHCP only, static reservations only,
    read from the service's per-host directories (``--dhcp-hostsdir``, ``--hostsdir``).
    An empty ``--dhcp-hostsfile`` of its own is re-read on every SIGHUP, and only then, so
    its "read" lines in the log count the reloads."""

    def __init__(self, ns, interface, workdir, hostsdir, addn_hostsdir, pid_file, subnet_base):
        self.ns, self.workdir = ns, Path(workdir)
        self.pid_file, self.hostsdir = Path(pid_file), Path(hostsdir)
        self.log_path = self.workdir / "dnsmasq.log"
        self.marker = self.workdir / "dnsmasq-reload-marker.hosts"
        self.marker.write_text("")
        self.args = [
            DNSMASQ, "-k", "--log-facility=-", "--log-dhcp", "--conf-file=/dev/null",
            "--port=0", "--interface=" + interface, "--bind-interfaces",
            "--dhcp-range=%s,static" % subnet_base, "--dhcp-hostsdir=%s" % hostsdir,
            "--hostsdir=%s" % addn_hostsdir, "--dhcp-hostsfile=%s" % self.marker,
            "--pid-file=%s" % pid_file,
            "--dhcp-leasefile=%s" % (self.workdir / "dnsmasq.leases"), "--user=root",
            "--group=root", "--no-ping"]
        self.proc = None
        self._log = None

    def start(self, timeout=10):
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(in_ns(self.ns, self.args), stdout=self._log,
                                     stderr=subprocess.STDOUT)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("dnsmasq exited with %s:\n%s" % (self.proc.returncode,
                                                                      self.log()))
            try:
                pid = int(self.pid_file.read_text().strip())
            except (OSError, ValueError):
                return False
            return pid == self.proc.pid and "DHCP, static leases only" in self.log()

        wait_for(ready, timeout, "dnsmasq to write its pid file and start DHCP")
        return self

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def reloads(self):
        """How many times dnsmasq has (re-)read its configuration: 1 at start, +1 per SIGHUP."""
        return self.log().count("read %s" % self.marker)

    def wait_reloads(self, count, timeout=5):
        wait_for(lambda: self.reloads() >= count, timeout,
                 "dnsmasq to reload (SIGHUP) %d times" % count)

    def wait_read(self, name, timeout=5):
        """Wait until dnsmasq has read ``hostsdir/name`` by itself (inotify)."""
        wait_for(lambda: "read %s" % (self.hostsdir / name) in self.log(), timeout,
                 "dnsmasq to read %s" % (self.hostsdir / name))

    def wait_removed(self, name, timeout=5):
        """Wait until dnsmasq has noticed that ``hostsdir/name`` was removed (inotify)."""
        wait_for(lambda: "%s removed" % (self.hostsdir / name) in self.log(), timeout,
                 "dnsmasq to notice %s removed" % (self.hostsdir / name))

    def stop(self, timeout=10):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self._log is not None:
            self._log.close()


_SCRIPT = """#!/bin/sh
# udhcpc event script: record what the server offered, configure nothing.
echo "event=$1" >> {events}
if [ "$1" = bound ]; then
    {{ echo "ip=$ip"; echo "hostname=$hostname"; echo "mask=$mask"; \
echo "serverid=$serverid"; echo "router=$router"; }} > {result}
fi
"""


def dhcp_client(pair, mac, workdir, tries=5, pause=1):
    """One fresh busybox udhcpc run in the client namespace with ``mac``.

    Returns (returncode, lease dict or None, output). Bounded: udhcpc gives up after
    ``tries`` DISCOVERs ``pause`` seconds apart (-n), plus a hard subprocess timeout.
    """
    pair.set_client_mac(mac)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    tag = mac.replace(":", "") + "-%d" % time.monotonic_ns()
    result, events = workdir / ("lease-%s" % tag), workdir / ("events-%s" % tag)
    script = workdir / ("script-%s.sh" % tag)
    script.write_text(_SCRIPT.format(result=result, events=events))
    script.chmod(0o700)
    args = in_ns(pair.cli, [BUSYBOX, "udhcpc", "-i", pair.cli_if, "-n", "-q", "-f",
                            "-t", str(tries), "-T", str(pause), "-s", str(script)])
    try:
        out = subprocess.run(args, capture_output=True, text=True,
                             timeout=tries * pause + 10)
    except subprocess.TimeoutExpired as err:
        raise AssertionError("udhcpc did not give up within its bound: %s" % err)
    lease = None
    if result.exists():
        lease = dict(line.split("=", 1) for line in result.read_text().splitlines())
    output = out.stdout + out.stderr
    with contextlib.suppress(OSError):
        output += "\n[script events]\n" + events.read_text()
    return out.returncode, lease, output
