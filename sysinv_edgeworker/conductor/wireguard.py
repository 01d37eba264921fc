"""The controller's WireGuard peer set, rendered from the database (docs/tunnel.md).

The conductor renders one wg(8) configuration for the controller's tunnel interface: its
ListenPort and one [Peer] per tunnel host with a registered public key (AllowedIPs = the
host's tunnel address), into ``[tunnel] config_path`` (no private key in it). It is applied
with ``wg syncconf <interface> /dev/stdin``, fed that text plus the interface's PrivateKey
read from ``[tunnel] private_key_file``: measured (tests/functional/test_tunnel_netns.py),
``wg syncconf`` with a file that has no PrivateKey clears the interface's key, so the key
must be in what it reads; through a pipe it never lands in a file of ours. syncconf adds
and removes peers without touching the others (their sessions and learned endpoints stay).
When the interface does not exist, the file is still rendered and the apply is skipped
with one log line. The health reader uses ``wg show <interface> latest-handshakes``, which,
unlike ``dump``, never prints the interface's private key.
"""

import base64
import binascii
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


def render(peers, listen_port, private_key=None):
    """The configuration text of ``peers`` (db Peer rows, in a stable order); with
    ``private_key`` only for wg's stdin, never for a file."""
    lines = [HEADER, "[Interface]\n", "ListenPort = %d\n" % listen_port]
    if private_key is not None:
        lines.append("PrivateKey = %s\n" % private_key)
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
    return ControllerInterface(t.interface, t.config_path, t.listen_port, t.private_key_file,
                               t.wg_command)


class ControllerInterface:
    def __init__(self, interface, path, listen_port, private_key_file, wg_command="wg"):
        self.interface = interface
        self.path = path
        self.listen_port = listen_port
        self.private_key_file = private_key_file
        self.wg = shlex.split(wg_command or "wg")

    def _private_key(self):
        """The interface's private key from its file. Errors name the file, never the
        content."""
        try:
            with open(self.private_key_file) as f:
                key = f.read().strip()
        except OSError as err:
            raise exception.TunnelApplyError(
                reason="cannot read [tunnel] private_key_file %s: %s"
                       % (self.private_key_file, err.strerror))
        try:
            valid = len(base64.b64decode(key, validate=True)) == 32 and len(key) == 44
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise exception.TunnelApplyError(
                reason="[tunnel] private_key_file %s does not hold a WireGuard key (what "
                       "'wg genkey' prints)." % self.private_key_file)
        return key

    def _run(self, *args, stdin=None):
        argv = self.wg + list(args)
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT,
                                  check=False, input=stdin)
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
        key = self._private_key()
        out = self._run("syncconf", self.interface, "/dev/stdin",
                        stdin=render(peers, self.listen_port, key))
        if out.returncode != 0:
            # wg quotes a line it cannot parse: never let it carry the key into a message
            stderr = out.stderr.replace(key, "<private key>").strip()
            raise exception.TunnelApplyError(
                reason="'wg syncconf %s' (the peers of %s) exited %d: %s"
                       % (self.interface, self.path, out.returncode, stderr))
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
