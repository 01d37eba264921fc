"""The controller's WireGuard peer set, rendered from the database (docs/tunnel.md).

The conductor renders one wg(8) configuration for the controller's tunnel interface: its
ListenPort and one [Peer] per tunnel host with a registered public key (AllowedIPs = the
host's tunnel address). It holds no private key: the interface's own key is set where the
interface is created, and ``wg syncconf`` leaves what the file does not name alone. The file
is replaced by rename, then applied with ``wg syncconf <interface> <file>``, which adds and
removes peers without touching the others (their sessions and learned endpoints stay).
When the interface does not exist, the file is still rendered and the apply is skipped
with one log line. The health reader uses ``wg show <interface> latest-handshakes``, which,
unlike ``dump``, never prints the interface's private key.
"""

import contextlib
import datetime
import os
import shlex
import subprocess
import tempfile

from oslo_log import log

from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)
HEADER = "# Rendered by sysinv-edgeworker-conductor from its database; do not edit.\n"
TIMEOUT = 10


def render(peers, listen_port):
    """The configuration text of ``peers`` (db Peer rows, in a stable order)."""
    lines = [HEADER, "[Interface]\n", "ListenPort = %d\n" % listen_port]
    for peer in peers:
        prefix = 128 if ":" in peer.address else 32
        lines += ["\n[Peer]\n", "# %s %s\n" % (peer.hostname, peer.host_uuid),
                  "PublicKey = %s\n" % peer.public_key,
                  "AllowedIPs = %s/%d\n" % (peer.address, prefix)]
    return "".join(lines)


def parse_handshakes(text):
    """``wg show <if> latest-handshakes`` → {public key: naive UTC datetime or None}."""
    out = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit():
            continue
        seconds = int(fields[1])
        out[fields[0]] = (None if seconds == 0 else datetime.datetime.fromtimestamp(
            seconds, datetime.UTC).replace(tzinfo=None))
    return out


def from_conf(conf):
    t = conf.tunnel
    return ControllerInterface(t.interface, t.config_path, t.listen_port, t.wg_command)


class ControllerInterface:
    def __init__(self, interface, path, listen_port, wg_command="wg"):
        self.interface = interface
        self.path = path
        self.listen_port = listen_port
        self.wg = shlex.split(wg_command or "wg")

    def _run(self, *args):
        argv = self.wg + list(args)
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise exception.TunnelApplyError(reason="%s: %s" % (" ".join(argv[:3]), err))

    def read(self):
        try:
            with open(self.path) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def write(self, content):
        """Replace the file by rename (mode 0600); returns whether it changed."""
        if self.read() == content:
            return False
        directory, base = os.path.split(self.path)
        try:
            os.makedirs(directory or ".", mode=0o755, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".%s." % base, dir=directory or ".")
        except OSError as err:
            raise exception.TunnelApplyError(reason="%s: %s" % (self.path, err.strerror))
        try:
            with os.fdopen(fd, "w") as f:
                f.write(content)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except OSError as err:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise exception.TunnelApplyError(reason="%s: %s" % (self.path, err.strerror))
        return True

    def exists(self):
        out = self._run("show", "interfaces")
        if out.returncode != 0:
            raise exception.TunnelApplyError(
                reason="'wg show interfaces' exited %d: %s" % (out.returncode,
                                                               out.stderr.strip()))
        return self.interface in out.stdout.split()

    def converge(self, peers):
        """Render ``peers`` into the file and apply it. Returns whether it was applied
        (False: the interface does not exist). TunnelApplyError if wg fails."""
        self.write(render(peers, self.listen_port))
        if not self.exists():
            LOG.warning("WireGuard interface %s does not exist: rendered %d peer(s) into %s, "
                        "apply skipped.", self.interface, len(peers), self.path)
            return False
        out = self._run("syncconf", self.interface, self.path)
        if out.returncode != 0:
            raise exception.TunnelApplyError(
                reason="'wg syncconf %s %s' exited %d: %s"
                       % (self.interface, self.path, out.returncode, out.stderr.strip()))
        LOG.debug("Applied %d peer(s) to %s", len(peers), self.interface)
        return True

    def handshakes(self):
        """{public key: latest handshake or None}; None when the interface does not exist."""
        if not self.exists():
            return None
        out = self._run("show", self.interface, "latest-handshakes")
        if out.returncode != 0:
            raise exception.TunnelApplyError(
                reason="'wg show %s latest-handshakes' exited %d: %s"
                       % (self.interface, out.returncode, out.stderr.strip()))
        return parse_handshakes(out.stdout)
