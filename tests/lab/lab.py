"""The lab as a whole: build or reuse cached artifacts, start the shared services, add/remove hosts,
tear down everything it created (by PID, by recorded name) and sweep leftovers of a crashed run."""

import dataclasses
import fcntl
import json
import os
import shutil
import time
from pathlib import Path

from tests.lab import base, config, flavours, host as hostmod, network, nodecaps, realcluster
from tests.lab import registry
from tests.lab import repos as repomod
from tests.lab.cluster import DEFAULT_VERSION, ControlPlane
from tests.lab.mounts import mounts_under, umount_under
from tests.lab.proc import pids_matching, run

#: The Rocky 9 BaseOS stand-in (node tools) every RPM-family host has configured.
ELREPO_FILE = "/etc/yum.repos.d/edgelab-baseos.repo"


class Lab:
    def __init__(self, run_dir=None, version=None, ca_kind=None):
        self.run_dir = Path(run_dir or config.RUN_DIR)
        self.version = version or os.environ.get("LAB_K8S_VERSION", DEFAULT_VERSION)
        self.ca_kind = ca_kind or os.environ.get("LAB_CA_KIND", "rsa")
        self.ssh_key = self.run_dir / "ssh/id_ed25519"
        self.known_hosts = self.run_dir / "ssh/known_hosts"
        self.control_plane = ControlPlane(self.run_dir, self.version, self.ca_kind)
        self.repos = None
        self.base_root = None
        self.timings = {}
        self._lock = None

    # ---- one running lab per machine --------------------------------------------------------
    def _acquire(self, wait):
        """Hold the run locks for this lab's lifetime: the machine's (bridge, netns) and the
        cache's (its run dir; also the only lock older checkouts take). A crashed owner releases
        them (kernel flock), so the next session may sweep; a live one is waited for (wait=True)
        or refused."""
        if self._lock is not None or os.environ.get("LAB_LOCK_HELD") == "1":
            return  # LAB_LOCK_HELD=1: run by `python -m tests.lab locked`, which holds them
        held = []
        try:
            for path in dict.fromkeys(
                p.resolve() for p in (config.LOCK_FILE, config.CACHE_DIR / "run.lock")
            ):
                held.append(_flock(path, wait))
        except BaseException:
            for handle in held:
                handle.close()
            raise
        self._lock = held

    def _release(self):
        for handle in self._lock or ():
            handle.close()
        self._lock = None

    # ---- building (cached) --------------------------------------------------------------------
    def build(self):
        """Make sure the base root, the layers and the package repos exist (cached by recipe)."""
        config.check_requirements()
        config.progress(f"checking the cached base root, layers and repos in {config.CACHE_DIR}")
        started = time.monotonic()
        self.base_root = base.ensure_base()
        self.timings["base_s"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        for layer in base.LAYERS:
            base.ensure_layer(layer, self.base_root)
        self.timings["layers_s"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        self.repos = repomod.ensure_repos()
        self.timings["repos_s"] = round(time.monotonic() - started, 2)
        return self

    # ---- lifecycle ----------------------------------------------------------------------------
    def up(self, auto_ready=True):
        """Sweep leftovers, build, then start bridge, repo server and lab API server."""
        config.check_requirements()
        self._acquire(wait=True)
        sweep(self.run_dir)
        record_machine_traces()
        self.build()
        config.progress("starting the bridge, the package repo server and the lab API server")
        started = time.monotonic()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o700)
        (self.run_dir / "ssh").mkdir(mode=0o700, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "edgelab", "-f", self.ssh_key])
        self.known_hosts.write_text("")
        (self.run_dir / "lab.json").write_text(
            json.dumps(
                {
                    "version": self.version,
                    "ca_kind": self.ca_kind,
                    "base": str(self.base_root),
                    "repos": str(self.repos.path),
                    "started": time.time(),
                },
                indent=2,
            )
        )
        network.ensure_bridge()
        self.repos.start_server(self.run_dir)
        self.control_plane.create(auto_ready=auto_ready)
        self.control_plane.start()
        self.timings["services_up_s"] = round(time.monotonic() - started, 2)
        return self

    def down(self):
        """Tear down everything this lab run created (refused if another session owns it)."""
        self._acquire(wait=False)
        try:
            sweep(self.run_dir)
        finally:
            self._release()

    @classmethod
    def attach(cls, run_dir=None):
        """A Lab object for an already running lab (e.g. from the CLI)."""
        run_dir = Path(run_dir or config.RUN_DIR)
        state = json.loads((run_dir / "lab.json").read_text())
        lab = cls(run_dir, state["version"], state["ca_kind"])
        lab.base_root, lab.repos = Path(state["base"]), repomod.Repos(state["repos"])
        return lab

    # ---- hosts --------------------------------------------------------------------------------
    def add_host(self, name, flavour="debian12", mode="ssh", layer=None):
        """Start a host of the flavour in mode 'ssh' or 'systemd'; returns it SSH-reachable.

        layer: a base.LAYERS name used instead of the flavour's own (a superset of it, e.g.
        "rpm-firewalld" for an RPM-family host that runs firewalld).
        """
        flav = flavours.get(flavour)
        if layer is not None:
            if layer not in base.LAYERS:
                known = ", ".join(sorted(base.LAYERS))
                raise ValueError(f"unknown layer {layer!r}; known: {known}")
            flav = dataclasses.replace(flav, layer=layer)
        if (self.run_dir / "hosts" / name).exists():
            raise ValueError(f"lab host {name!r} already exists")
        lowers = [self.base_root]
        if flav.layer:
            lowers.insert(0, base.ensure_layer(flav.layer, self.base_root))
        record = hostmod.HostRecord(name=name, flavour=flavour, ip=self._next_ip(), mode=mode)
        new = hostmod.Host(record, self.run_dir, self.ssh_key, self.known_hosts)
        try:
            hostmod.start(new, lowers, self)
            if flav.is_rpm:  # the distribution repo an EL host has (apt hosts: the mirror)
                new.file(ELREPO_FILE).write_text(self.repos.el_repo_file())
        except BaseException:
            hostmod.stop(new.dir)
            raise
        return new

    def remove_host(self, name):
        ip = self.host(name).ip if (self.run_dir / "hosts" / name / "host.json").exists() else None
        hostmod.stop(self.run_dir / "hosts" / name)
        if ip and self.known_hosts.exists():
            self.known_hosts.write_text(
                "".join(
                    line
                    for line in self.known_hosts.read_text().splitlines(True)
                    if not line.startswith(f"{ip} ")
                )
            )

    def restart_host(self, name):
        """Reboot a systemd-mode host (same root; services come back if enabled)."""
        host = self.host(name)
        hostmod.restart(host)
        return host

    def host(self, name):
        record = hostmod.HostRecord(
            **json.loads((self.run_dir / "hosts" / name / "host.json").read_text())
        )
        return hostmod.Host(record, self.run_dir, self.ssh_key, self.known_hosts)

    def hosts(self):
        hosts_dir = self.run_dir / "hosts"
        return (
            [self.host(p.name) for p in sorted(hosts_dir.iterdir())] if hosts_dir.exists() else []
        )

    def add_known_host(self, ip, key):
        old = self.known_hosts.read_text().splitlines()
        lines = [line for line in old if not line.startswith(f"{ip} ")] + [f"{ip} {key}"]
        self.known_hosts.write_text("".join(f"{line}\n" for line in lines))

    def _next_ip(self):
        used = {h.ip for h in self.hosts()}
        for octet in range(config.FIRST_HOST_OCTET, 250):
            ip = f"{config.SUBNET_PREFIX}.{octet}"
            if ip not in used:
                return ip
        raise RuntimeError("lab subnet exhausted")

    # ---- Ansible ------------------------------------------------------------------------------
    def inventory(self, hosts=None, group="edgeworkers"):
        """A YAML-able Ansible inventory (dict) for the given hosts (default: all)."""
        hosts = hosts if hosts is not None else self.hosts()
        common = (
            f"-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes "
            "-o ControlMaster=no"
        )
        return {
            "all": {
                "children": {
                    group: {
                        "hosts": {
                            h.name: {
                                "ansible_host": h.ip,
                                "ansible_user": "root",
                                "ansible_python_interpreter": "/usr/bin/python3",
                                "ansible_ssh_private_key_file": str(self.ssh_key),
                                "ansible_ssh_common_args": common,
                            }
                            for h in hosts
                        }
                    }
                }
            }
        }

    def ansible_env(self):
        """Environment for ansible(-playbook) against lab hosts (no ssh master left behind).
        Its temp files (e.g. kubernetes.core's k8srcp-*.json cache) go under the run dir,
        which the lab's teardown removes."""
        temp = self.run_dir / "tmp"
        temp.mkdir(parents=True, exist_ok=True)
        return {
            "TMPDIR": str(temp),
            "ANSIBLE_PIPELINING": "True",
            "ANSIBLE_HOST_KEY_CHECKING": "True",
            "ANSIBLE_SSH_ARGS": "-o ControlMaster=no",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCAL_TEMP": str(self.run_dir / "ansible-tmp"),
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
        }

    def status(self):
        return {
            "run_dir": str(self.run_dir),
            "running": (self.run_dir / "lab.json").exists(),
            "hosts": [
                {"name": h.name, "ip": h.ip, "flavour": h.record.flavour, "mode": h.mode}
                for h in self.hosts()
            ],
            "api_server": self.control_plane.server_url,
            "repo": repomod.Repos("/").base_url,
            "resources": leftovers(self.run_dir),
        }


def _flock(path, wait):
    """An exclusive flock on path (an open handle); waits up to LAB_LOCK_TIMEOUT if wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "w")
    started = time.monotonic()
    deadline = started + float(os.environ.get("LAB_LOCK_TIMEOUT", "1800"))
    announced = 0.0
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if not wait or time.monotonic() > deadline:
                handle.close()
                raise RuntimeError(
                    f"another lab session is running on this machine (lock {path})"
                ) from None
            waited = time.monotonic() - started
            if waited >= announced:
                config.progress(
                    "another lab session is running on this machine; waiting for it to "
                    f"finish ({waited:.0f} s, lock {path})"
                )
                announced = waited + config.HEARTBEAT_S
            time.sleep(1)


def sweep(run_dir):
    """Remove all a (possibly crashed) run under run_dir left: hosts, servers, netns, links."""
    run_dir = Path(run_dir)
    hosts_dir = run_dir / "hosts"
    if hosts_dir.exists():
        for host_dir in sorted(hosts_dir.iterdir()):
            hostmod.stop(host_dir)
    for server_dir in run_dir.glob("control-plane*"):
        ControlPlane(run_dir, name=server_dir.name).stop()
    realcluster.stop(run_dir)
    registry.stop(run_dir)
    repomod.Repos.stop_server(run_dir)
    for ns in network.lab_netns():
        run(["ip", "netns", "del", ns], check=False)
    for link in network.lab_links():
        if link != config.BRIDGE:
            run(["ip", "link", "del", link], check=False)
    network.delete_bridge()
    umount_under(run_dir)
    shutil.rmtree(run_dir, ignore_errors=True)
    remove_machine_traces()


# Directories that `ip netns add` and systemd-nspawn create on first use. The lab notes whether
# they existed before it first ran and removes them again (only when empty: others may share them).
_TRACES = config.CACHE_DIR / "machine-traces.json"
_NETNS_DIR, _NSPAWN_DIR = Path("/run/netns"), Path("/run/systemd/nspawn")


def record_machine_traces():
    if not _TRACES.exists():
        config.CACHE_DIR.mkdir(parents=True, exist_ok=True)
        _TRACES.write_text(
            json.dumps(
                {
                    "netns_dir": _NETNS_DIR.exists(),
                    "netns_mount": str(_NETNS_DIR) in mounts_under(_NETNS_DIR),
                    "nspawn_dir": _NSPAWN_DIR.exists(),
                }
            )
        )


def remove_machine_traces():
    """Undo the lab's traces; the record is kept until that succeeds (others may share them)."""
    if not _TRACES.exists():
        return
    before = json.loads(_TRACES.read_text())
    if _NETNS_DIR.exists() and not any(_NETNS_DIR.iterdir()):
        if not before["netns_mount"] and str(_NETNS_DIR) in mounts_under(_NETNS_DIR):
            run(["umount", _NETNS_DIR], check=False)
        if not before["netns_dir"] and str(_NETNS_DIR) not in mounts_under(_NETNS_DIR):
            _NETNS_DIR.rmdir()
    if (
        not before["nspawn_dir"]
        and _NSPAWN_DIR.exists()
        and not any(p.is_file() or p.is_symlink() for p in _NSPAWN_DIR.rglob("*"))
    ):
        shutil.rmtree(_NSPAWN_DIR)
    restored = (before["netns_dir"] or not _NETNS_DIR.exists()) and (
        before["nspawn_dir"] or not _NSPAWN_DIR.exists()
    )
    if restored:
        _TRACES.unlink()


def leftovers(run_dir):
    """What the lab would have left behind: netns, links, mounts and processes tied to it."""
    run_dir, cache = Path(run_dir).resolve(), config.CACHE_DIR.resolve()

    def tied(pid):
        try:
            root = os.readlink(f"/proc/{pid}/root")
        except OSError:
            return False
        cmdline = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
        return root.startswith(str(run_dir)) or str(run_dir) in cmdline or str(cache) in cmdline

    return {
        "netns": network.lab_netns(),
        "links": network.lab_links(),
        "mounts": mounts_under(run_dir)
        + [m for m in mounts_under(cache) if m not in mounts_under(run_dir)],
        "processes": pids_matching(tied),
        "cgroups": nodecaps.leftovers(),
    }
