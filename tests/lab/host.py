"""One lab host: an overlay copy of the base in its own netns on the bridge; sshd or systemd.

Modes:
  ``ssh``     sshd as PID 1 of private mount/UTS/IPC/PID namespaces, chrooted into the host root.
  ``systemd`` the root booted with real systemd under systemd-nspawn (services really start).
In both, /proc/sys is read-only except /proc/sys/net, which belongs to the host's own netns, so a
sysctl set inside the host never reaches the machine running the lab.
"""

import json
import shutil
import signal
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.lab import flavours, network, nodecaps
from tests.lab.mounts import mount_overlay, umount_under
from tests.lab.proc import read_pid, run, spawn, stop_pid, wait_port

MODES = ("ssh", "systemd")

# Runs as PID 1 of the new PID namespace ($0 = host root, $1 = hostname), then becomes sshd.
_SSH_MODE_INIT = r"""
set -e
R="$0"
hostname "$1"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount --bind "$R/proc/sys" "$R/proc/sys"
mount --bind "$R/proc/sys/net" "$R/proc/sys/net"
mount -o remount,bind,ro "$R/proc/sys"
mount -t tmpfs -o mode=755,nosuid tmpfs "$R/dev"
for d in null zero full random urandom tty; do
    touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s pts/ptmx "$R/dev/ptmx"; ln -s /proc/self/fd "$R/dev/fd"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mkdir -p "$R/run/sshd" "$R/run/lock"
exec chroot "$R" /usr/sbin/sshd -D -e
"""

_SSHD_CONFIG = """# written by the edgeworker provisioning lab
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
"""


@dataclass
class HostRecord:
    name: str
    flavour: str
    ip: str
    mode: str
    pid: int = 0


class Host:
    """A running (or to-be-started) lab host; see LabHosts in lab.py for creating them."""

    def __init__(self, record, run_dir, ssh_key, known_hosts):
        self.record = record
        self.dir = Path(run_dir) / "hosts" / record.name
        self.ssh_key, self.known_hosts = Path(ssh_key), Path(known_hosts)

    name = property(lambda self: self.record.name)
    ip = property(lambda self: self.record.ip)
    mode = property(lambda self: self.record.mode)
    flavour = property(lambda self: flavours.get(self.record.flavour))
    root = property(lambda self: self.dir / "merged")
    upper = property(lambda self: self.dir / "upper")
    netns = property(lambda self: network.netns_name(self.record.name))

    def save(self):
        (self.dir / "host.json").write_text(json.dumps(asdict(self.record), indent=2))

    # ---- SSH access -------------------------------------------------------------------------
    def ssh_argv(self, command):
        return [
            "ssh",
            "-i",
            self.ssh_key,
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "LogLevel=ERROR",
            f"root@{self.ip}",
            command,
        ]

    def ssh(self, command, check=True, timeout=300):
        """Run a shell command on the host over real SSH."""
        return run(self.ssh_argv(command), check=check, timeout=timeout)

    def sysctl(self, key):
        """A sysctl value as seen inside the host's network namespace, read from outside."""
        return network.netns_sysctl(self.name, key)

    def file(self, path):
        """A path inside the host's root, for assertions from outside."""
        return self.root / str(path).lstrip("/")


def prepare_root(host, lab):
    """Write identity, network, apt and SSH configuration into the host's (overlay) root."""
    root, flavour = host.root, host.flavour
    flavours.apply(flavour, root)
    (root / "etc/hostname").write_text(host.name + "\n")
    (root / "etc/hosts").write_text(
        f"127.0.0.1 localhost\n127.0.1.1 {host.name}\n::1 localhost ip6-localhost ip6-loopback\n"
    )
    _replace(root / "etc/resolv.conf", "nameserver 127.0.0.1\n")  # nothing resolves off-lab
    (root / "etc/machine-id").write_text(uuid.uuid4().hex + "\n")
    _configure_apt(root, flavour, lab)
    _configure_ssh(host, lab)
    if host.mode == "ssh":
        # No init system: keep package maintainer scripts from starting daemons.
        policy = root / "usr/sbin/policy-rc.d"
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)


def _replace(path, content):
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_text(content)


def _configure_apt(root, flavour, lab):
    (root / "etc/apt/sources.list").write_text("")
    for extra in (root / "etc/apt/sources.list.d").glob("*"):
        extra.unlink()
    if flavour.pkg_mgr != "apt":
        return
    # The lab's stand-in for the distribution mirror: Debian's real containerd/runc, signed.
    keyring = root / "usr/share/keyrings/edgelab-mirror.gpg"
    keyring.write_bytes(lab.repos.mirror_keyring())
    (root / "etc/apt/sources.list.d/edgelab-mirror.sources").write_text(
        f"Types: deb\nURIs: {lab.repos.base_url}/debian/\nSuites: ./\n"
        f"Signed-By: /usr/share/keyrings/edgelab-mirror.gpg\n"
    )


def _configure_ssh(host, lab):
    root = host.root
    ssh_dir = root / "root/.ssh"
    ssh_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    ssh_dir.chmod(0o700)
    keys = ssh_dir / "authorized_keys"
    keys.write_text(Path(f"{lab.ssh_key}.pub").read_text())
    keys.chmod(0o600)
    host_key = root / "etc/ssh/ssh_host_ed25519_key"
    for old in (root / "etc/ssh").glob("ssh_host_*"):
        old.unlink()
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{host.name}", "-f", host_key])
    (root / "etc/ssh/sshd_config.d").mkdir(exist_ok=True)
    (root / "etc/ssh/sshd_config.d/edgelab.conf").write_text(_SSHD_CONFIG)
    pub = Path(f"{host_key}.pub").read_text().split()
    lab.add_known_host(host.ip, f"{pub[0]} {pub[1]}")


def start(host, lowers, lab):
    """Mount the overlay, prepare the root, start sshd or systemd, and wait until SSH answers."""
    host.dir.mkdir(parents=True, exist_ok=True)
    host.save()  # recorded before anything exists, so a sweep can find it
    mount_overlay(lowers, host.upper, host.dir / "work", host.root)
    prepare_root(host, lab)
    network.create_host_netns(host.name, host.ip)
    _boot(host)


def restart(host):
    """Power a systemd-mode host off (its systemd stops every service) and boot the same root
    again: what survives is what the host enabled, as after a reboot."""
    if host.mode != "systemd":
        raise ValueError(f"lab host {host.name}: only systemd-mode hosts can be restarted")
    stop_pid(host.record.pid, timeout=60)  # SIGTERM: nspawn asks the container to power off
    nodecaps.remove(host.dir)
    _boot(host)


def _boot(host):
    log = host.dir / "console.log"
    if host.mode == "ssh":
        proc = spawn(
            [
                "nsenter",
                f"--net=/run/netns/{host.netns}",
                "unshare",
                "--mount",
                "--uts",
                "--ipc",
                "--pid",
                "--fork",
                "--kill-child",
                f"--mount-proc={host.root}/proc",
                "sh",
                "-c",
                _SSH_MODE_INIT,
                host.root,
                host.name,
            ],
            log,
            pidfile=host.dir / "pid",
        )
    elif host.mode == "systemd":
        # Inside its own cgroup subtree, so that the host may be given writable cgroups
        # (nodecaps: a real kubelet needs them; the machine's stay untouched).
        cgroup_dirs = nodecaps.create(host.dir, host.name)
        argv = nodecaps.enter_argv(
            cgroup_dirs,
            [
                "systemd-nspawn",
                "-D",
                host.root,
                "--boot",
                "--register=no",
                "--keep-unit",
                "--console=passive",
                f"--hostname={host.name}",
                f"--machine=edgelab-{host.name}",
                "--capability=CAP_NET_ADMIN",
                f"--network-namespace-path=/run/netns/{host.netns}",
                "--resolv-conf=off",
                "--timezone=off",
                "--link-journal=no",
                *nodecaps.NSPAWN_ARGS,
            ],
        )
        proc = spawn(
            argv,
            log,
            pidfile=host.dir / "pid",
            env={"SYSTEMD_NSPAWN_API_VFS_WRITABLE": "network"},
        )
    else:
        raise ValueError(f"unknown host mode {host.mode!r}; expected one of {MODES}")
    host.record.pid = proc.pid
    host.save()
    wait_port(host.ip, 22, timeout=60, pid=proc.pid, log_path=log)
    if host.mode == "systemd":
        nodecaps.prepare_booted(proc.pid, host.name)
    _wait_ssh(host)


def _wait_ssh(host, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = host.ssh("true", check=False, timeout=15)
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"ssh to {host.name} ({host.ip}) failed: {result.stderr}")
        time.sleep(0.2)


def stop(host_dir):
    """Stop and remove everything of the host whose state is in host_dir. Idempotent."""
    host_dir = Path(host_dir)
    name = host_dir.name
    pid = read_pid(host_dir / "pid")
    if pid and _belongs_to(pid, host_dir):
        if _is_nspawn(pid):
            stop_pid(pid, timeout=20)  # SIGTERM: nspawn asks the container's systemd to power off
        else:
            # unshare ignores SIGTERM while it waits; SIGKILL makes --kill-child kill the
            # PID 1 (sshd), and the kernel then kills every process left in that PID namespace.
            stop_pid(pid, timeout=5, sig=signal.SIGKILL)
    umount_under(host_dir)
    nodecaps.remove(host_dir)
    network.delete_host_netns(name)
    shutil.rmtree(Path("/run/systemd/nspawn/propagate") / f"edgelab-{name}", ignore_errors=True)
    shutil.rmtree(host_dir, ignore_errors=True)


def _is_nspawn(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "systemd-nspawn"
    except FileNotFoundError:
        return False


def _belongs_to(pid, host_dir):
    """Guard against PID reuse: only signal a process whose command line names this host's root."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return False
    return str(host_dir) in cmdline
