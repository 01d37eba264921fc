"""dnsmasq reservations: one small file per host in two directories that dnsmasq watches.

``[dhcp] hostsdir`` (dnsmasq ``--dhcp-hostsdir``) holds ``<mac>,<ip>,<hostname>`` and
``[dhcp] addn_hostsdir`` (dnsmasq ``--hostsdir``) holds ``<ip> <hostname>``, each in a file
named after the host's uuid. dnsmasq reads a new or replaced file by itself (inotify), so a
host-add writes two small files and sends no signal: its cost does not grow with the fleet.
dnsmasq keeps the DHCP record of a deleted or replaced file until SIGHUP (``man dnsmasq``,
``--dhcp-hostsdir``), so those changes are followed by a SIGHUP. Files are replaced by
rename from a dot-file in the same directory, which dnsmasq's inotify ignores, so dnsmasq
never reads half a file. The only pass over every host is ``converge`` at start-up.
"""

import contextlib
import os
import re
import shlex
import signal
import subprocess
import tempfile

from oslo_log import log

from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_OURS = re.compile(r"^%s$" % _UUID)
_OUR_TEMP = re.compile(r"^\.%s\..+$" % _UUID)  # left behind by a crash between write and rename


def render_dhcp_host(mac, ip, hostname):
    return "%s,%s,%s\n" % (mac, ip, hostname)


def render_addn_host(ip, hostname):
    return "%s %s\n" % (ip, hostname)


def file_name(host_uuid):
    """The file name of a host's reservation: its uuid, lower case, nothing else."""
    name = str(host_uuid).lower()
    if not _OURS.match(name):
        raise ValueError("not a host uuid: %r" % (host_uuid,))
    return name


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def _replace(path, content):
    """Make ``path`` hold ``content`` (None: not exist), by rename from a dot-file in the
    same directory. No fsync: the files are derived from the database and converged again at
    every start. Returns the previous content (None: absent) if the file changed, else
    ``False``."""
    previous = _read(path)
    if previous == content:
        return False
    if content is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return previous
    directory, base = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % base, dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return previous


def _write_error(err, path):
    return exception.DhcpWriteError(reason="%s: %s" % (err.filename or path,
                                                      err.strerror or err))


def from_conf(conf):
    """The DnsmasqDirs of ``conf``'s [dhcp] group. ConfigurationError if one of the replaced
    single-file options is still set: dnsmasq would keep serving that file, frozen."""
    for old, new, old_line, new_line in (
            ("hostsfile", "hostsdir", "dhcp-hostsfile", "dhcp-hostsdir"),
            ("addn_hosts", "addn_hostsdir", "addn-hosts", "hostsdir")):
        if conf.dhcp[old]:
            raise exception.ConfigurationError(
                reason="[dhcp] %s is no longer supported: reservations are one file per host "
                       "in [dhcp] %s (%s). Remove %s from this configuration and, in dnsmasq's "
                       "configuration, replace %s=%s with %s=%s."
                       % (old, new, conf.dhcp[new], old, old_line, conf.dhcp[old], new_line,
                          conf.dhcp[new]))
    d = conf.dhcp
    return DnsmasqDirs(d.hostsdir, d.addn_hostsdir, d.pid_file, d.release_interface,
                       d.release_command)


class DnsmasqDirs:
    def __init__(self, hostsdir, addn_hostsdir, pid_file, release_interface=None,
                 release_command="dhcp_release"):
        self.hostsdir = hostsdir
        self.addn_hostsdir = addn_hostsdir
        self.pid_file = pid_file
        self.release_interface = release_interface
        self.release_command = shlex.split(release_command or "")

    def _contents(self, name, reservation):
        """{path: content or None} of one host's two files."""
        if reservation is None:
            dhcp_line = addn_line = None
        else:
            mac, ip, hostname = reservation
            dhcp_line = render_dhcp_host(mac, ip, hostname)
            addn_line = render_addn_host(ip, hostname)
        return {os.path.join(self.hostsdir, name): dhcp_line,
                os.path.join(self.addn_hostsdir, name): addn_line}

    def put(self, host_uuid, reservation, changes):
        """Make the host's files hold ``reservation`` ((mac, ip, hostname), or None: no
        files). Touches no other file. Appends (path, previous content or None) to
        ``changes`` for each file it changed, as it goes, so that a failure half-way can be
        undone; DhcpWriteError if a file cannot be written."""
        path = self.hostsdir
        try:
            for path, content in self._contents(file_name(host_uuid), reservation).items():
                previous = _replace(path, content)
                if previous is not False:
                    changes.append((path, previous))
        except OSError as err:
            raise _write_error(err, path) from None
        return changes

    @staticmethod
    def undo(changes):
        """Put back what ``put`` changed (its return value). Returns whether a file dnsmasq
        may already have read was changed or removed (then it needs a SIGHUP)."""
        for path, previous in reversed(changes):
            _replace(path, previous)
        return bool(changes)

    @staticmethod
    def needs_reload(changes):
        """dnsmasq adds a new file's records by itself; a replaced or removed file's old
        records stay until SIGHUP."""
        return any(previous is not None for _path, previous in changes)

    def converge(self, reservations):
        """Make both directories hold exactly ``reservations`` ((host_uuid, mac, ip,
        hostname) rows): missing files written, changed ones rewritten, stale ones and
        temporary leftovers removed. Files not named like ours are left alone (logged).
        Returns whether any existing file changed or went away."""
        wanted = {}
        for host_uuid, mac, ip, hostname in reservations:
            wanted.update(self._contents(file_name(host_uuid), (mac, ip, hostname)))
        changed = False
        path = self.hostsdir
        try:
            for directory in (self.hostsdir, self.addn_hostsdir):
                path = directory
                os.makedirs(directory, mode=0o755, exist_ok=True)
                for entry in os.scandir(directory):
                    path = entry.path
                    if _OUR_TEMP.match(entry.name) or (_OURS.match(entry.name)
                                                       and entry.path not in wanted):
                        os.unlink(entry.path)
                        changed = True
                    elif not _OURS.match(entry.name):
                        LOG.warning("%s is not a host reservation of this service; dnsmasq "
                                    "reads it too", entry.path)
            for path, content in wanted.items():
                changed |= _replace(path, content) not in (False, None)
        except OSError as err:
            raise _write_error(err, path) from None
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
