"""dnsmasq reservation files: written atomically, then dnsmasq is told to re-read them.

Each write renders the complete set of reservations from the database, under an exclusive
file lock, so concurrent conductors on the controller cannot interleave partial files.
"""

import contextlib
import fcntl
import os
import shlex
import signal
import subprocess
import tempfile

from oslo_log import log

from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)


def render_hostsfile(reservations):
    return "".join("%s,%s,%s\n" % (mac, ip, name) for mac, ip, name in reservations)


def render_addn_hosts(reservations):
    return "".join("%s %s\n" % (ip, name) for _mac, ip, name in reservations)


def _atomic_write(path, content):
    """Replace ``path`` with ``content`` by rename, so dnsmasq never reads a partial file.
    Unchanged content is not rewritten. No fsync: the files are derived from the database
    and the conductor renders them again whenever it starts, so durability comes from the
    database commit, not from these files. Returns whether the file changed."""
    try:
        # A different size means different content: only read the file when it may match.
        if os.stat(path).st_size == len(content.encode()):
            with open(path) as f:
                if f.read() == content:
                    return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True


class DnsmasqFiles:
    def __init__(self, hostsfile, addn_hosts, pid_file, release_interface=None,
                 release_command="dhcp_release"):
        self.hostsfile = hostsfile
        self.addn_hosts = addn_hosts
        self.pid_file = pid_file
        self.release_interface = release_interface
        self.release_command = shlex.split(release_command or "")

    @contextlib.contextmanager
    def _locked(self):
        lock_path = self.hostsfile + ".lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def write(self, reservations_fn, reload=True):
        """Render ``reservations_fn()`` into both files, then reload dnsmasq if asked.
        Returns whether either file changed.

        Raises DhcpWriteError if a file cannot be written (the caller rolls back).
        """
        try:
            with self._locked():
                reservations = reservations_fn()
                changed = _atomic_write(self.hostsfile, render_hostsfile(reservations))
                changed |= _atomic_write(self.addn_hosts, render_addn_hosts(reservations))
        except OSError as err:
            raise exception.DhcpWriteError(reason="%s: %s" % (err.filename or self.hostsfile,
                                                              err.strerror or err))
        if reload:
            self.reload()
        return changed

    def release(self, ip, mac):
        """Drop dnsmasq's lease of ``ip`` for ``mac`` (dhcp_release, as sysinv does), so a
        released address can be served to its next host at once instead of when the old
        lease expires. Best effort: a failure is logged; the lease still expires."""
        if not self.release_interface or not self.release_command:
            return False
        argv = self.release_command + [self.release_interface, ip, mac]
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            LOG.warning("Could not release the DHCP lease of %s (%s): %s", ip, mac, err)
            return False
        if out.returncode != 0:
            LOG.warning("%s exited %s releasing %s (%s): %s", argv[0], out.returncode, ip, mac,
                        out.stderr.strip())
            return False
        return True

    def reload(self):
        """SIGHUP dnsmasq. No pid file or a stale pid is logged, not an error."""
        try:
            with open(self.pid_file) as f:
                pid = int(f.read().strip())
        except FileNotFoundError:
            LOG.debug("No dnsmasq pid file at %s; not signalling.", self.pid_file)
            return False
        except (OSError, ValueError) as err:
            LOG.warning("Cannot read dnsmasq pid file %s: %s", self.pid_file, err)
            return False
        try:
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            LOG.warning("dnsmasq pid %s from %s is not running.", pid, self.pid_file)
            return False
        except PermissionError as err:
            LOG.warning("Cannot signal dnsmasq pid %s: %s", pid, err)
            return False
        return True
