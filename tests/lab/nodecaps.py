"""What a systemd-mode lab host needs so that a real kubelet can run in it, changing nothing of
the machine (measured in docs/lab-real-node.md):

* its own cgroup subtree ``edgelab-<host>`` under the lab process's cgroup in every hierarchy;
  systemd-nspawn is started inside it, so the container's cgroup namespace is rooted there, and
  once the host has booted its v1 controllers are remounted read-write *inside the container*
  (the kubelet creates ``/k8sinfra`` and ``kubepods`` there, which on the machine are
  ``…/edgelab-<host>/k8sinfra``);
* the three sysctls the kubelet insists on setting (vm.overcommit_memory=1, kernel.panic=10,
  kernel.panic_on_oops=1) read as those values inside the host: regular files bind-mounted
  over the /proc/sys entries in the host's mount namespace (an LXCFS-style stand-in for a
  machine whose sysctls are already set; writes land in the files, never in the kernel);
* ``/dev/kmsg`` is /dev/null (nspawn has none; the kubelet's OOM watcher opens it);
* /var/lib/containerd is a directory of the machine's own disk (ext4), bind-mounted: the host's
  root is an overlayfs, and containerd's overlayfs snapshotter cannot stack overlays on it
  ("failed to mount rootfs component ... invalid argument"), as on a real node with a disk;
* the keyring system calls (keyctl, add_key, request_key), which nspawn's seccomp filter refuses
  by default: runc gives every container a session keyring ("unable to join session keyring:
  unable to create session key: operation not permitted" otherwise). Kernel keyrings are not
  namespaced, so a lab host could reach the machine's root user keyring; lab hosts run only what
  the tests put there.

Everything is removed with the host: the cgroup dirs depth-first once its processes are gone.
"""

import json
import os
import signal
import time
from pathlib import Path

from tests.lab.proc import run

#: sysctl -> the value the kubelet's ContainerManager requires (setupKernelTunables).
KUBELET_SYSCTLS = {
    "vm/overcommit_memory": "1",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
}


def nspawn_args(host_dir):
    """Extra systemd-nspawn arguments for a kubelet-capable host (see the module docstring)."""
    disk = Path(host_dir) / "disk" / "containerd"
    disk.mkdir(parents=True, exist_ok=True)
    return [
        "--bind-ro=/dev/null:/dev/kmsg",
        f"--bind={disk}:/var/lib/containerd",
        "--system-call-filter=@keyring",
    ]

_RECORD = "cgroups.json"


def _hierarchies():
    """(mount point, this process's path) for each cgroup hierarchy (v1, name=systemd, v2)."""
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        own[controllers] = path
    mounts = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, right = line.split(" - ", 1)
        fstype, _source, options = right.split()[:3]
        mount_point = left.split()[4]
        if fstype == "cgroup2":
            mounts[""] = mount_point
        elif fstype == "cgroup":
            wanted = [o for o in options.split(",") if o not in ("rw", "ro") and "=" not in o]
            named = [o for o in options.split(",") if o.startswith("name=")]
            key = ",".join(sorted(wanted)) if wanted else named[0]
            mounts.setdefault(key, mount_point)
    result = []
    for controllers, path in own.items():
        key = ",".join(sorted(controllers.split(","))) if controllers else ""
        if key in mounts:
            result.append((Path(mounts[key]), path))
    return result


def create(host_dir, name):
    """Create edgelab-<name> in every hierarchy; record the dirs in host_dir; return them."""
    dirs = []
    record = Path(host_dir) / _RECORD
    for mount_point, own in _hierarchies():
        directory = mount_point / own.lstrip("/") / f"edgelab-{name}"
        dirs.append(str(directory))
        record.write_text(json.dumps(dirs))  # before mkdir: a crash still leaves a record
        directory.mkdir(exist_ok=True)
        for key in ("cpuset.cpus", "cpuset.mems"):  # v1 cpuset: empty until copied
            if (directory / key).exists() and not (directory / key).read_text().strip():
                (directory / key).write_text((directory.parent / key).read_text())
    return dirs


def enter_argv(dirs, argv):
    """argv run by a shell that first moves itself into every dir (then execs)."""
    script = 'while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs"; shift; done; shift; exec "$@"'
    return ["sh", "-c", script, "sh", *dirs, "--", *argv]


def container_pid1(nspawn_pid, timeout=30.0):
    """The container's init (nspawn's child), once it runs systemd."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in Path(f"/proc/{nspawn_pid}/task").glob("*"):
            for child in (task / "children").read_text().split():
                if Path(f"/proc/{child}/comm").read_text().strip() == "systemd":
                    return int(child)
        time.sleep(0.2)
    raise TimeoutError(f"no systemd child of systemd-nspawn (pid {nspawn_pid})")


def prepare_booted(nspawn_pid, name):
    """After boot: v1 controllers writable inside the host, the kubelet sysctls faked."""
    pid1 = container_pid1(nspawn_pid)
    systemd_path = next(
        (
            line.split(":", 2)[2]
            for line in Path(f"/proc/{pid1}/cgroup").read_text().splitlines()
            if line.split(":", 2)[1] == "name=systemd"
        ),
        "",
    )
    if f"/edgelab-{name}/" not in systemd_path + "/":
        raise RuntimeError(
            f"lab host {name}: its init is in cgroup {systemd_path!r}, not in the lab's own "
            f"edgelab-{name} subtree; refusing to make the machine's cgroups writable"
        )
    mount_points = [
        line.split(" - ", 1)[0].split()[4]
        for line in Path(f"/proc/{pid1}/mountinfo").read_text().splitlines()
        if line.split(" - ", 1)[1].split()[0] == "cgroup"
    ]
    lines = ["set -e", "mkdir -p /run/edgelab-sysctl"]
    lines += [f"mount -o remount,bind,rw {mp}" for mp in mount_points]
    for key, value in KUBELET_SYSCTLS.items():
        fake = f"/run/edgelab-sysctl/{key.replace('/', '.')}"
        lines += [f"echo {value} > {fake}", f"mount --bind {fake} /proc/sys/{key}"]
    run(["nsenter", "-t", str(pid1), "-m", "--", "sh", "-c", "\n".join(lines)])


def remove(host_dir, timeout=60.0):
    """rmdir the recorded subtrees depth-first. Called once the host's nspawn has exited; a
    process still in the subtree (a container process not yet reaped) is the host's own and is
    killed."""
    record = Path(host_dir) / _RECORD
    if not record.exists():
        return
    deadline = time.monotonic() + timeout
    for top in json.loads(record.read_text()):
        top = Path(top)
        while top.exists():
            for directory in sorted(
                (Path(d) for d, _, _ in os.walk(top)), key=lambda p: len(p.parts), reverse=True
            ):
                try:
                    directory.rmdir()
                except OSError:
                    _kill_members(directory)
            if top.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cgroup {top} still busy after {timeout}s")
                time.sleep(0.2)
    record.unlink()


def _kill_members(directory):
    try:
        pids = (directory / "cgroup.procs").read_text().split()
    except OSError:
        return
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass


def leftovers():
    """edgelab-* cgroup dirs anywhere under this process's cgroups (for the hygiene check)."""
    found = []
    for mount_point, own in _hierarchies():
        base = mount_point / own.lstrip("/")
        found += [str(p) for p in base.glob("edgelab-*")]
    return found
